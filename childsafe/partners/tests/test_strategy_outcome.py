"""RF-10 through the portal: a local authority sends the outcome of a strategy meeting for one of its
children; it lands on the child's record with the police's own meetings (one place) and in the chronology.
Every view of the form is a disclosure and every send an audit event; a school, or another authority, is
refused (403 or 404) and audited; bad input is explained and changes nothing."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
from django.http import Http404
from django.urls import reverse

from childsafe.core import clock
from childsafe.core.errors import AccessDenied, InvalidInput
from childsafe.core.models import AuditEvent
from childsafe.people.selectors import person_page
from childsafe.referrals import services
from childsafe.referrals.models import StrategyMeeting

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)  # 11:00 in London


@pytest.fixture(autouse=True)
def at_t0():
    clock.set_now(T0)
    yield
    clock.set_now(None)


@pytest.fixture
def other_authority(make_user, north_yorkshire):
    return make_user("la_nyc", "la_partner", organisation_id=north_yorkshire.pk)


def form(**overrides: str) -> dict[str, str]:
    data = {
        "held_on_0": "30",
        "held_on_1": "4",
        "held_on_2": "2024",
        "held_time": "14:30",
        "attendees": "SW Jones (York CSC, chair)\nDC City (police)\nMs Patel (Hill Primary)",
        "decisions": "Section 47 enquiry; child protection conference within 15 working days.",
    }
    data.update(overrides)
    return data


def url(person) -> str:
    return reverse("partners:strategy_outcome", args=[person.pk])


def test_the_local_authority_sends_an_outcome_that_lands_on_the_childs_record(client, personas, ella, york):
    la = personas["local_authority"]
    client.force_login(la)
    child_page = client.get(reverse("people:detail", args=[ella.pk])).content.decode()
    assert url(ella) in child_page

    page = client.get(url(ella))
    assert page.status_code == 200 and "Ella Hughes" in page.content.decode()
    shown = AuditEvent.objects.get(event_type="strategy_outcome.form")
    assert shown.category == "disclosure" and shown.person_id == ella.pk and shown.recipient == "City of York Council"

    response = client.post(url(ella), form(), follow=True)
    assert response.redirect_chain[-1][0] == reverse("partners:home")
    home = html.unescape(response.content.decode())
    assert "the strategy meeting outcome for Ella Hughes has been sent" in home
    assert "Strategy meeting outcomes you have sent" in home

    meeting = StrategyMeeting.objects.get()
    assert meeting.person == ella and meeting.recorded_by == la and meeting.organisation == york
    assert meeting.held_at == datetime(2024, 4, 30, 13, 30, tzinfo=UTC)  # 14:30 British Summer Time
    assert not meeting.actions.exists()
    written = AuditEvent.objects.get(event_type="strategy_outcome.return")
    assert written.category == "collection" and written.person_id == ella.pk
    assert written.new_values["organisation"] == "City of York Council"


def test_it_shows_in_the_same_list_and_the_chronology_as_police_meetings(client, personas, ella, make_user):
    dc = make_user("dc_city", "investigator", "city")
    services.strategy_meeting_record(
        actor=dc,
        child=ella,
        held_at=T0 - timedelta(days=5),
        attendees="DC City",
        decisions="Joint visit",
        actions=[services.ActionInput("Joint visit", dc, T0 + timedelta(days=1))],
    )
    services.strategy_outcome_return(
        actor=personas["local_authority"],
        child=ella,
        held_at=T0 - timedelta(days=1),
        attendees="SW Jones (York CSC)",
        decisions="Section 47 enquiry",
    )
    page = person_page(ella, dc)
    section = next(s for s in page.sections if s.key == "strategy_meetings")
    assert [m.decisions for m in section.data["meetings"]] == ["Section 47 enquiry", "Joint visit"]
    titles = [e.title for e in page.chronology if e.kind == "strategy_meeting"]
    assert titles == ["Strategy meeting (outcome sent by City of York Council)", "Strategy meeting"]
    client.force_login(dc)
    text = html.unescape(client.get(reverse("people:detail", args=[ella.pk])).content.decode())
    assert "Sent by City of York Council through the partner portal" in text


def test_a_school_cannot_send_an_outcome(client, personas, ella):
    school = personas["right_school"]  # Ella's own school: it can see her, but doesn't return outcomes
    client.force_login(school)
    assert url(ella) not in client.get(reverse("people:detail", args=[ella.pk])).content.decode()
    assert client.get(url(ella)).status_code == 403
    assert client.post(url(ella), form()).status_code == 403
    with pytest.raises(AccessDenied):
        services.strategy_outcome_return(
            actor=school, child=ella, held_at=T0, attendees="Someone", decisions="Something"
        )
    assert not StrategyMeeting.objects.exists()
    refusals = AuditEvent.objects.filter(event_type="strategy_outcome.return.refused", actor=school)
    assert refusals.count() == 3
    assert not AuditEvent.objects.filter(event_type="strategy_outcome.form", category="disclosure").exists()


def test_another_authoritys_child_does_not_exist_for_them(client, other_authority, ella):
    client.force_login(other_authority)
    assert client.get(url(ella)).status_code == 404
    assert client.post(url(ella), form()).status_code == 404
    assert client.get(reverse("partners:strategy_outcome", args=[999999])).status_code == 404
    with pytest.raises(Http404):
        services.strategy_outcome_return(
            actor=other_authority, child=ella, held_at=T0, attendees="Someone", decisions="Something"
        )
    assert not StrategyMeeting.objects.exists()
    assert AuditEvent.objects.filter(event_type="strategy_outcome.return.refused", person_id=ella.pk).count() == 3
    assert AuditEvent.objects.filter(event_type="strategy_outcome.form.refused").count() == 1


def test_police_users_use_the_police_form_not_the_portal(client, personas, ella):
    client.force_login(personas["officer"])
    assert client.get(url(ella)).status_code == 403


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"attendees": "  "}, "attendees", "Enter who attended, and for which agency."),
        ({"decisions": ""}, "decisions", "Enter what the meeting decided."),
        ({"held_on_0": "2", "held_on_1": "5"}, "held_on", "The meeting date must be today or in the past."),
        ({"held_on_0": "31", "held_on_1": "2"}, "held_on", "The meeting date must be a real date."),
        ({"held_on_0": "", "held_on_1": "", "held_on_2": ""}, "held_on", "Enter the date of the meeting"),
        ({"held_time": "half two"}, "held_time", "Enter the time of the meeting on the 24-hour clock"),
        ({"held_time": ""}, "held_time", "Enter the time of the meeting, for example 14:30"),
    ],
)
def test_bad_input_is_explained_on_its_field_and_changes_nothing(client, personas, ella, overrides, field, message):
    client.force_login(personas["local_authority"])
    response = client.post(url(ella), form(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in html.unescape(response.content.decode())
    assert not StrategyMeeting.objects.exists()
    assert not AuditEvent.objects.filter(event_type="strategy_outcome.return").exists()


def test_the_service_refuses_a_future_meeting_plainly(personas, ella):
    with pytest.raises(InvalidInput) as refused:
        services.strategy_outcome_return(
            actor=personas["local_authority"],
            child=ella,
            held_at=T0 + timedelta(hours=1),
            attendees="SW Jones",
            decisions="Section 47",
        )
    assert refused.value.errors == {"held_at": "The meeting date must be today or in the past."}
    assert not StrategyMeeting.objects.exists()
