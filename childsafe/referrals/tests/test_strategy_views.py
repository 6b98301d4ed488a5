"""RF-10 pages: record a strategy meeting from the child's page; mark an action done."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from childsafe.core import clock
from childsafe.referrals.models import StrategyAction, StrategyMeeting

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def at_t0():
    clock.set_now(T0)
    yield
    clock.set_now(None)


@pytest.fixture
def dc(make_user):
    return make_user("dc_city", "investigator", "city")


def _date(prefix: str, when: datetime) -> dict[str, str]:
    return {f"{prefix}_0": str(when.day), f"{prefix}_1": str(when.month), f"{prefix}_2": str(when.year)}


def _meeting(**overrides: str) -> dict[str, str]:
    data = {
        **_date("held_on", T0 - timedelta(days=1)),
        "held_time": "09:30",
        "attendees": "DC City (police)\nSW Jones (York CSC)",
        "decisions": "Section 47 enquiry; joint visit",
        "actions.1": "Joint visit with social worker",
        "owner_1": "dc_city",
        **_date("due_1", T0 + timedelta(days=2)),
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_the_page_renders_for_an_investigator_and_is_linked(client, dc, ella):
    client.force_login(dc)
    response = client.get(reverse("referrals:strategy_meeting", args=[ella.pk]))
    assert response.status_code == 200
    assert "Record a strategy meeting" in response.content.decode()
    child_page = client.get(reverse("people:detail", args=[ella.pk])).content.decode()
    assert reverse("referrals:strategy_meeting", args=[ella.pk]) in child_page


@pytest.mark.django_db
def test_a_school_partner_is_refused(client, personas, ella):
    client.force_login(personas["right_school"])
    url = reverse("referrals:strategy_meeting", args=[ella.pk])
    assert client.get(url).status_code in (403, 404)
    assert client.post(url, _meeting()).status_code in (403, 404)
    assert not StrategyMeeting.objects.exists()
    child_page = client.get(reverse("people:detail", args=[ella.pk]))
    assert url not in child_page.content.decode()


@pytest.mark.django_db
def test_a_meeting_is_recorded_and_appears_in_the_chronology(client, dc, ella):
    client.force_login(dc)
    response = client.post(reverse("referrals:strategy_meeting", args=[ella.pk]), _meeting(), follow=True)
    assert response.redirect_chain[-1][0] == reverse("people:detail", args=[ella.pk])
    page = response.content.decode()
    assert "Strategy meeting recorded." in page
    assert "Strategy meeting" in page.split('id="chronology-heading"')[1]
    meeting = StrategyMeeting.objects.get(person=ella)
    action = meeting.actions.get()
    assert action.owner == dc and action.action == "Joint visit with social worker"

    done = client.post(reverse("referrals:strategy_action_done", args=[action.pk]))
    assert done.url == reverse("people:detail", args=[ella.pk])
    assert StrategyAction.objects.get(pk=action.pk).done_at is not None
    assert client.get(reverse("referrals:strategy_action_done", args=[action.pk])).status_code == 405


@pytest.mark.django_db
def test_errors_are_shown_on_the_fields(client, dc, ella):
    client.force_login(dc)
    url = reverse("referrals:strategy_meeting", args=[ella.pk])

    no_attendees = client.post(url, _meeting(attendees=""))
    assert no_attendees.status_code == 200
    assert "Enter who attended" in no_attendees.content.decode()

    future = client.post(
        url, _meeting(**_date("held_on", T0 + timedelta(days=3)), **_date("due_1", T0 + timedelta(days=5)))
    )
    assert "The meeting date must be today or in the past." in future.content.decode()
    assert "held_on" in future.context["form"].errors

    unknown = client.post(url, _meeting(owner_1="nobody"))
    assert "Action 1 needs a named police owner: choose them from the list" in unknown.content.decode()
    assert "owner_1" in unknown.context["form"].errors

    bad_time = client.post(url, _meeting(held_time="9.30am"))
    assert "held_time" in bad_time.context["form"].errors
    assert not StrategyMeeting.objects.exists()


@pytest.mark.django_db
def test_a_partner_as_owner_is_shown_on_that_action(client, dc, personas, ella):
    client.force_login(dc)
    response = client.post(reverse("referrals:strategy_meeting", args=[ella.pk]), _meeting(owner_1="dsl_hill"))
    # A partner is never offered as an owner; one posted anyway is refused on the owner's field.
    assert "Action 1 needs a named police owner" in response.content.decode()
    assert "owner_1" in response.context["form"].errors
