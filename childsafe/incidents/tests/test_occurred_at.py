"""When an incident happened (as against when it was recorded): the service, the form and the replay verb."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from childsafe.core import clock
from childsafe.core.errors import InvalidInput
from childsafe.core.models import AuditEvent
from childsafe.incidents import services
from childsafe.incidents.models import Incident

pytestmark = pytest.mark.django_db

# Thursday 10 November 2022, 22:15 (GMT, so London time is the same).
T0 = datetime(2022, 11, 10, 22, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def at_t0():
    clock.set_now(T0)
    yield
    clock.set_now(None)


def record(actor, child, **extra):
    return services.incident_record(
        actor=actor,
        type="child_concern",
        grade=2,
        location="12 Mill Street, York",
        summary="Neighbour heard shouting and a child crying.",
        children=[services.ChildOnIncident(child, present=True, resident=True)],
        **extra,
    ).incident


def test_it_happened_when_it_was_recorded_unless_told_otherwise(personas, ella):
    now_incident = record(personas["handler"], ella)
    assert now_incident.occurred_at == now_incident.created_at == T0
    earlier = record(personas["handler"], ella, occurred_at=T0 - timedelta(days=7))
    assert earlier.occurred_at == T0 - timedelta(days=7) and earlier.created_at == T0
    event = AuditEvent.objects.filter(event_type="incident.record", subject_id=str(earlier.pk)).get()
    assert event.new_values["occurred_at"] == (T0 - timedelta(days=7)).isoformat()


def test_a_time_in_the_future_is_refused_and_nothing_is_saved(personas, ella):
    with pytest.raises(InvalidInput) as refused:
        record(personas["handler"], ella, occurred_at=T0 + timedelta(minutes=5))
    assert "must be now or in the past" in refused.value.errors["occurred_at"]
    assert not Incident.objects.exists()
    assert not AuditEvent.objects.filter(event_type="incident.record").exists()


def _form(ella, **extra):
    return {
        "type": "child_concern",
        "grade": "2",
        "location": "12 Mill Street, York",
        "summary": "Caller worried about Ella.",
        "child_1": ella.pk,
        "resident_1": "on",
        "checked": str(ella.pk),  # graded after the intelligence check (CR-4)
        **extra,
    }


def test_the_form_takes_the_date_and_time_it_happened(client, personas, ella):
    client.force_login(personas["handler"])
    assert "Date it happened" in client.get(reverse("incidents:create")).content.decode()
    response = client.post(
        reverse("incidents:create"),
        _form(ella, occurred_at_0="3", occurred_at_1="11", occurred_at_2="2022", occurred_at_time="21:30"),
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.occurred_at == datetime(2022, 11, 3, 21, 30, tzinfo=UTC)
    page = html.unescape(client.get(reverse("incidents:detail", args=[incident.pk])).content.decode())
    assert "Happened" in page and "3 Nov 2022" in page.split('data-testid="occurred"')[1][:80]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"occurred_at_0": "11", "occurred_at_1": "11", "occurred_at_2": "2022", "occurred_at_time": "09:00"},
            "The time the incident happened must be now or in the past",
        ),
        ({"occurred_at_0": "3", "occurred_at_1": "11", "occurred_at_2": "2022"}, "Enter the time it happened"),
        (
            {"occurred_at_0": "3", "occurred_at_1": "11", "occurred_at_2": "2022", "occurred_at_time": "25:00"},
            "Enter the time it happened on the 24-hour clock",
        ),
        (
            {"occurred_at_0": "31", "occurred_at_1": "2", "occurred_at_2": "2022", "occurred_at_time": "09:00"},
            "The date it happened must be a real date",
        ),
    ],
)
def test_bad_times_are_explained_and_nothing_is_saved(client, personas, ella, fields, message):
    client.force_login(personas["handler"])
    response = client.post(reverse("incidents:create"), _form(ella, **fields))
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert not Incident.objects.exists()
