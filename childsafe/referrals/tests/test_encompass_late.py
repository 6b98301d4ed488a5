"""RF-9: an incident recorded late (a week after it happened) still notifies the school at once, and the
notification is flagged as late, with how late, in the portal and on the reconciliation page and report."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from childsafe.core import clock
from childsafe.core import services as core_services
from childsafe.core.errors import InvalidInput
from childsafe.core.models import AuditEvent, OutboxMessage
from childsafe.incidents import services as incidents
from childsafe.incidents.models import Incident
from childsafe.referrals.models import EncompassNotification
from childsafe.scenarios.replay import Replay

pytestmark = pytest.mark.django_db

# A Thursday night in term time.
T0 = datetime(2022, 11, 10, 22, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def at_t0():
    clock.set_now(T0)
    yield
    clock.set_now(None)


@pytest.fixture
def vat(make_user):
    return make_user("vat", "vat")


def domestic_abuse(actor, child, *, occurred_at=None):
    return incidents.incident_record(
        actor=actor,
        type="domestic_abuse",
        grade=2,
        location="12 Mill Street, York",
        summary="Mother disclosed an assault by her partner last week; Ella was at home.",
        children=[incidents.ChildOnIncident(child, present=True, resident=True)],
        occurred_at=occurred_at,
    )


def test_an_incident_recorded_a_week_late_still_notifies_the_school_flagged_late(personas, ella, hill_primary):
    recorded = domestic_abuse(personas["handler"], ella, occurred_at=T0 - timedelta(days=7))
    note = EncompassNotification.objects.get()
    assert note.organisation == hill_primary and not note.problem
    # Due before the next school day starts, counted from when the police knew, not when it happened.
    assert note.due_by is not None and note.due_by > T0
    assert OutboxMessage.objects.filter(kind="encompass", recipient="dsl@hill.test").count() == 1
    assert any(p.rule_id == "RF-9" and "7 days after it happened" in p.message for p in recorded.prompts)
    event = AuditEvent.objects.get(event_type="encompass.create")
    assert event.new_values["recorded_late_by_hours"] == 168.0


def test_recorded_within_the_threshold_is_not_late(personas, ella):
    recorded = domestic_abuse(personas["handler"], ella, occurred_at=T0 - timedelta(hours=23))
    assert not [p for p in recorded.prompts if p.rule_id == "RF-9"]
    assert AuditEvent.objects.get(event_type="encompass.create").new_values["recorded_late_by_hours"] is None


def test_the_threshold_is_an_audited_policy_setting(personas, ella):
    core_services.setting_change(actor=personas["administrator"], key="referrals.rf9_late_recording_hours", value="12")
    assert AuditEvent.objects.filter(subject_id="referrals.rf9_late_recording_hours").exists()
    recorded = domestic_abuse(personas["handler"], ella, occurred_at=T0 - timedelta(hours=13))
    assert any(p.rule_id == "RF-9" and "13 hours after" in p.message for p in recorded.prompts)
    with pytest.raises(InvalidInput):
        core_services.setting_change(
            actor=personas["administrator"], key="referrals.rf9_late_recording_hours", value="soon"
        )


def test_a_future_time_is_refused_and_no_notification_is_created(personas, ella):
    with pytest.raises(InvalidInput) as refused:
        domestic_abuse(personas["handler"], ella, occurred_at=T0 + timedelta(hours=1))
    assert "occurred_at" in refused.value.errors
    assert not Incident.objects.exists() and not EncompassNotification.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_school_age_is_counted_on_the_day_it_happened(personas, hill_primary, york):
    from datetime import date

    from childsafe.people import services as people

    # Eighteen on the day it was recorded, seventeen (school age) the week before, when it happened.
    sam = people.person_create(
        actor=None,
        forenames="Sam",
        surname="Hughes",
        date_of_birth=date(2004, 11, 8),
        school=hill_primary,
        local_authority=york,
    ).person
    domestic_abuse(personas["handler"], sam, occurred_at=T0 - timedelta(days=7))
    assert EncompassNotification.objects.filter(person=sam).exists()


def test_the_portal_shows_the_school_it_was_recorded_late(client, personas, ella):
    domestic_abuse(personas["handler"], ella, occurred_at=T0 - timedelta(days=7))
    note = EncompassNotification.objects.get()
    client.force_login(personas["right_school"])
    home = client.get(reverse("partners:home")).content.decode()
    assert "Recorded late" in home and "7 days after it happened" in home
    page = client.get(reverse("partners:encompass", args=[note.pk])).content.decode()
    assert "Recorded late" in page and "7 days after it happened" in page
    assert "3 Nov 2022" in page.split('data-testid="occurred"')[1][:80]
    assert AuditEvent.objects.filter(category="disclosure", event_type="encompass.view").count() == 1


def test_an_on_time_notification_is_not_flagged(client, personas, ella):
    domestic_abuse(personas["handler"], ella)
    note = EncompassNotification.objects.get()
    client.force_login(personas["right_school"])
    assert "Recorded late" not in client.get(reverse("partners:encompass", args=[note.pk])).content.decode()


def test_the_reconciliation_page_and_report_show_how_late(client, personas, ella, vat):
    late = domestic_abuse(personas["handler"], ella, occurred_at=T0 - timedelta(days=7)).incident
    clock.set_now(T0 + timedelta(minutes=5))
    client.force_login(vat)
    page = client.get("/oversight/encompass/").content.decode()
    assert late.reference in page and "Recorded late" in page and "7 days after it happened" in page
    report = client.get("/oversight/encompass/?format=csv").content.decode()
    rows = list(csv.DictReader(io.StringIO(report)))
    assert [(r["incident"], r["recorded late by (hours)"]) for r in rows] == [(late.reference, "168.0")]
    assert rows[0]["happened"] == (T0 - timedelta(days=7)).isoformat()


def test_the_replay_verb_takes_when_it_happened():
    report = Replay(
        """id: X
title: an incident recorded a week late
start: 2022-11-10T22:15:00+00:00
setup:
  organisations:
    - {key: york, type: local_authority, name: City of York Council, email: mash@york.test}
    - {key: hill, type: school, name: Hill Primary, urn: "120001", local_authority: york,
       key_adult_email: dsl@hill.test, calendar: england_default}
  users:
    - {key: handler, role: call_handler}
  people:
    - {key: ella, name: Ella Hughes, dob: 2014-05-20, school: hill}
steps:
  - at: "+0m"
    as: handler
    do: incident.create
    with: {type: domestic_abuse, grade: 2, location: York, summary: Disclosed a week later, occurred_at: "-7d",
           children: [{child: ella, present: true, resident: true}]}
    save: inc
expect:
  - {notification: encompass, to: hill, by: "+10h15m"}
  - {no_alert: RF-9}
""",
        "late.yaml",
    ).run()
    assert report.passed, report.expectations
    incident = Incident.objects.get()
    assert incident.created_at - incident.occurred_at == timedelta(days=7)
