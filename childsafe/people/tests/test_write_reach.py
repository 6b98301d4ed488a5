"""Need to know on every write (PL-3, PL-4): a change reaches only records its author could open, a
reason is asked where a read would ask, the change is logged against each record with that reason,
and an attempt on a record out of reach is refused and logged as a refusal."""

from __future__ import annotations

from datetime import date

import pytest
from django.http import Http404
from django.test import Client

from childsafe.core.errors import JustificationRequired
from childsafe.core.models import AuditEvent
from childsafe.people import services
from childsafe.people.access import reach_for_write
from childsafe.people.models import IdentityLink, Relationship, WarningMarker
from conftest import PASSWORD, service_token


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def west_child(forenames: str = "Mia"):
    return services.person_create(
        actor=None,
        forenames=forenames,
        surname="Lowe",
        date_of_birth=date(2013, 2, 1),
        address=services.AddressInput(line1="3 Station Road", town="Harrogate", postcode="HG1 1AA"),
    ).person


@pytest.fixture
def city_supervisor(make_user):
    return make_user("sgt_city", "supervisor", "city")


@pytest.mark.django_db
def test_linking_a_city_child_to_a_west_child_asks_a_reason_for_the_west_record_first(city_supervisor, ella):
    west = west_child()
    client = client_for(city_supervisor)
    response = client.post(f"/people/{ella.pk}/link/", {"other": west.pk, "rationale": "Same child, moved"})
    assert response.status_code == 302
    assert response["Location"].startswith(f"/people/{west.pk}/reason/")
    assert not IdentityLink.objects.exists()

    # With the reason given, the link is made and logged against both records, the reason on the West one.
    client.post(
        response["Location"],
        {"purpose": "safeguarding_enquiry", "reason": "Child moved from Harrogate into the city this month"},
    )
    done = client.post(f"/people/{ella.pk}/link/", {"other": west.pk, "rationale": "Same child, moved"})
    assert done.status_code == 302 and done["Location"] == f"/people/{ella.pk}/"
    assert IdentityLink.objects.filter(unlinked_at__isnull=True).count() == 1
    events = {e.person_id: e for e in AuditEvent.objects.filter(event_type="identity.link")}
    assert set(events) == {ella.pk, west.pk}
    assert events[west.pk].justification == "Safeguarding enquiry: Child moved from Harrogate into the city this month"
    assert events[ella.pk].justification == ""


@pytest.mark.django_db
def test_a_link_between_two_other_records_cannot_be_unlinked_through_this_childs_page(city_supervisor, ella, make_user):
    vat = make_user("vat", "vat")
    link = services.identity_link(actor=vat, person=west_child("Mia"), other=west_child("Maya"), rationale="Same")
    response = client_for(city_supervisor).post(
        f"/people/{ella.pk}/links/{link.pk}/unlink/", {"rationale": "Different people"}
    )
    assert response.status_code == 404
    link.refresh_from_db()
    assert link.unlinked_at is None
    refusal = AuditEvent.objects.get(event_type="identity.unlink.refused")
    assert refusal.actor == city_supervisor and refusal.person_id == ella.pk
    assert refusal.justification.startswith("Refused:")


@pytest.mark.django_db
def test_unlinking_from_the_childs_page_still_needs_a_reason_for_the_other_record(city_supervisor, ella, make_user):
    west = west_child()
    link = services.identity_link(actor=make_user("vat", "vat"), person=ella, other=west, rationale="Same")
    client = client_for(city_supervisor)
    response = client.post(f"/people/{ella.pk}/links/{link.pk}/unlink/", {"rationale": "Different people"})
    assert response.status_code == 302 and response["Location"].startswith(f"/people/{west.pk}/reason/")
    link.refresh_from_db()
    assert link.unlinked_at is None

    client.post(
        response["Location"], {"purpose": "safeguarding_enquiry", "reason": "Reviewing the link for the West team"}
    )
    client.post(f"/people/{ella.pk}/links/{link.pk}/unlink/", {"rationale": "Different people"})
    link.refresh_from_db()
    assert link.unlinked_at is not None
    events = {e.person_id: e.justification for e in AuditEvent.objects.filter(event_type="identity.unlink")}
    assert events == {ella.pk: "", west.pk: "Safeguarding enquiry: Reviewing the link for the West team"}


@pytest.mark.django_db
def test_services_check_reach_to_every_record_they_touch(city_supervisor, ella, make_user):
    west = west_child()
    with pytest.raises(JustificationRequired) as asked:
        services.identity_link(actor=city_supervisor, person=ella, other=west, rationale="Same")
    assert asked.value.person_id == west.pk

    officer = make_user("pc_city", "response_officer", "city")
    with pytest.raises(JustificationRequired):
        services.relationship_add(actor=officer, from_person=ella, to_person=west, type="sibling")
    assert not Relationship.objects.exists()
    services.relationship_add(
        actor=officer, from_person=ella, to_person=west, type="sibling", reasons={str(west.pk): "Ella's brother"}
    )
    logged = {e.person_id: e.justification for e in AuditEvent.objects.filter(event_type="relationship.add")}
    assert logged == {ella.pk: "", west.pk: "Ella's brother"}

    with pytest.raises(JustificationRequired):
        services.marker_add(actor=officer, person=west, type="weapons", source="PNC")
    marker = services.marker_add(
        actor=officer, person=west, type="weapons", source="PNC", reasons={str(west.pk): "Call at his address"}
    )
    assert AuditEvent.objects.get(event_type="marker.add", person_id=west.pk).justification == "Call at his address"
    with pytest.raises(JustificationRequired):
        services.marker_end(actor=officer, marker=marker, reason="Wrong child")
    assert WarningMarker.objects.get(pk=marker.pk).end_date is None


@pytest.mark.django_db
def test_a_hidden_record_is_refused_for_a_write_and_the_refusal_is_logged(personas, ella):
    school = personas["wrong_school"]
    with pytest.raises(Http404):
        reach_for_write(school, ella, event_type="marker.add")
    refusal = AuditEvent.objects.get(event_type="marker.add.refused")
    assert (refusal.actor, refusal.person_id, refusal.category) == (school, ella.pk, "consultation")


@pytest.mark.django_db
def test_marker_page_for_another_areas_child_asks_a_reason_then_logs_it(personas, ella):
    client = client_for(personas["colleague_elsewhere"])
    response = client.post(f"/people/{ella.pk}/markers/new/", {"type": "weapons", "source": "PNC"})
    assert response.status_code == 302 and response["Location"].startswith(f"/people/{ella.pk}/reason/")
    assert WarningMarker.objects.filter(person=ella, type="weapons").count() == 0


@pytest.mark.django_db
def test_api_marker_without_a_reason_is_refused_and_logged_with_a_reason_is_logged(personas, ella):

    user = personas["colleague_elsewhere"]
    token = service_token(personas["administrator"], user, "test")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    url = f"/api/v1/people/{ella.pk}/markers"
    refused = client.post(url, {"type": "weapons", "source": "PNC"}, content_type="application/json")
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(actor=user, person_id=ella.pk, event_type__endswith=".refused").exists()

    made = client.post(
        f"{url}?justification=Knife+call+in+Whitby",
        {"type": "weapons", "source": "PNC"},
        content_type="application/json",
    )
    assert made.status_code == 201
    assert AuditEvent.objects.get(event_type="marker.add", actor=user).justification == "Knife call in Whitby"


@pytest.mark.django_db
def test_a_403_on_a_childs_record_is_logged_as_a_refusal(personas, ella):
    officer = personas["officer"]  # may open the record, but not link records
    response = client_for(officer).post(f"/people/{ella.pk}/link/", {"other": ella.pk, "rationale": "x"})
    assert response.status_code == 403
    refusal = AuditEvent.objects.get(actor=officer, event_type__endswith=".refused")
    assert refusal.person_id == ella.pk and refusal.justification.startswith("Refused: Your role")


@pytest.mark.django_db
def test_an_api_403_is_logged_as_a_refusal(personas, ella):

    user = personas["pfcc"]
    token = service_token(personas["administrator"], user, "test")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").post(
        f"/api/v1/people/{ella.pk}/markers", {"type": "weapons", "source": "PNC"}, content_type="application/json"
    )
    assert response.status_code == 403
    refusal = AuditEvent.objects.get(actor=user, event_type__endswith=".refused")
    assert refusal.person_id == ella.pk and refusal.channel == "api"


@pytest.mark.django_db
def test_a_strategy_meeting_on_another_areas_child_needs_the_reason_and_logs_it(personas, ella):
    from childsafe.core import clock
    from childsafe.referrals import services as referral_services
    from childsafe.referrals.models import StrategyMeeting

    officer = personas["colleague_elsewhere"]
    held = clock.now()
    meeting = {"child": ella, "held_at": held, "attendees": "PC East; CSC duty", "decisions": "s47", "actions": []}
    with pytest.raises(JustificationRequired):
        referral_services.strategy_meeting_record(actor=officer, **meeting)
    assert not StrategyMeeting.objects.exists()
    referral_services.strategy_meeting_record(actor=officer, reasons={str(ella.pk): "Chairing for East"}, **meeting)
    logged = AuditEvent.objects.get(event_type="strategy_meeting.record")
    assert (logged.person_id, logged.justification) == (ella.pk, "Chairing for East")


@pytest.mark.django_db
def test_an_api_reason_that_says_nothing_is_refused_for_a_read_and_a_write(personas, ella):
    """The `justification` parameter must say something too, as the reason page does (issue 10, item 4)."""
    from django.test import Client

    user = personas["colleague_elsewhere"]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {service_token(personas['administrator'], user)}")
    read = api.get(f"/api/v1/people/{ella.pk}", {"justification": "x"})
    assert read.status_code == 422 and "Say in a few words" in read.json()["errors"]["justification"]
    write = api.post(
        f"/api/v1/people/{ella.pk}/markers?justification=test",
        {"type": "weapons", "source": "PNC"},
        content_type="application/json",
    )
    assert write.status_code == 422 and "Say in a few words" in write.json()["errors"]["justification"]
    assert not ella.markers.filter(type="weapons").exists()
    done = api.post(
        f"/api/v1/people/{ella.pk}/markers?justification=Missing person search: seen in Whitby",
        {"type": "weapons", "source": "PNC"},
        content_type="application/json",
    )
    assert done.status_code == 201, done.content
