"""RF-9's 100% reconciliation as an alert: a qualifying child on a domestic abuse incident with no
Operation Encompass notification raises an RF-9 alert at the next sweep, and it clears itself once a
notification exists. The gaps are made in the database directly, as a deletion or a bypassing import would."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from childsafe.core import clock, engine
from childsafe.core.models import Alert
from childsafe.incidents import services as incidents
from childsafe.incidents.models import IncidentPerson, PersonRole
from childsafe.people import services as people
from childsafe.referrals import encompass
from childsafe.referrals.models import EncompassNotification
from childsafe.referrals.selectors import encompass_reconciliation

pytestmark = pytest.mark.django_db

T0 = datetime(2022, 11, 10, 22, 15, tzinfo=UTC)


@pytest.fixture(autouse=True)
def at_t0():
    clock.set_now(T0)
    yield
    clock.set_now(None)


def domestic_abuse(actor, *children, type="domestic_abuse"):
    return incidents.incident_record(
        actor=actor,
        type=type,
        grade=1,
        location="12 Mill Street, York",
        summary="Woman assaulted by partner; children in the house.",
        children=[incidents.ChildOnIncident(c, present=True, resident=True) for c in children],
    ).incident


def child(name: str, born: date, school=None, york=None):
    forenames, surname = name.split()
    return people.person_create(
        actor=None, forenames=forenames, surname=surname, date_of_birth=born, school=school, local_authority=york
    ).person


def gap_alerts():
    return Alert.objects.open().filter(rule_id="RF-9", subject_type="incidents.incidentperson")


def test_a_deleted_notification_is_a_gap_alert_that_clears_when_a_notification_exists(personas, ella):
    incident = domestic_abuse(personas["handler"], ella)
    engine.sweep(holder="test")
    assert not gap_alerts().exists()  # the hook notified: no gap

    note = EncompassNotification.objects.get()
    fields = {f.attname: getattr(note, f.attname) for f in note._meta.concrete_fields if f.attname != "id"}
    note.delete()
    clock.set_now(T0 + timedelta(minutes=1))
    engine.sweep(holder="test")
    alert = gap_alerts().get()
    ip = IncidentPerson.objects.get(incident=incident, person=ella, role=PersonRole.CHILD)
    assert alert.subject_id == str(ip.pk) and alert.person_id == ella.pk and alert.owner_role == "vat"
    assert incident.reference in alert.reason and "Ella Hughes" in alert.reason
    assert alert.url == f"/incidents/{incident.pk}/"

    engine.sweep(holder="test")  # idempotent: still one alert
    assert gap_alerts().count() == 1

    EncompassNotification.objects.create(**fields)
    clock.set_now(T0 + timedelta(minutes=2))
    engine.sweep(holder="test")
    assert not gap_alerts().exists()
    assert Alert.objects.get(pk=alert.pk).cleared_at == T0 + timedelta(minutes=2)


def test_a_child_added_bypassing_the_hook_is_a_gap(personas, ella, hill_primary, york):
    incident = domestic_abuse(personas["handler"], ella)
    josh = child("Josh Hughes", date(2009, 9, 2), hill_primary, york)
    IncidentPerson.objects.create(incident=incident, person=josh, role=PersonRole.CHILD, resident=True)
    engine.sweep(holder="test")
    assert [a.person_id for a in gap_alerts()] == [josh.pk]


def test_children_encompass_does_not_cover_are_never_gaps(personas, ella, hill_primary, york):
    toddler = child("Amy Hughes", date(2020, 1, 1), york=york)
    adult_child = child("Tom Hughes", date(2003, 1, 1), york=york)
    elsewhere = child("Kai Hughes", date(2012, 1, 1), hill_primary, york)
    incident = domestic_abuse(personas["handler"], toddler, adult_child)
    IncidentPerson.objects.create(incident=incident, person=elsewhere, role=PersonRole.CHILD, present=False)
    concern = domestic_abuse(personas["handler"], ella, type="child_concern")  # not domestic abuse
    assert not EncompassNotification.objects.filter(incident=concern).exists()
    engine.sweep(holder="test")
    assert not gap_alerts().exists()


def test_the_sweep_and_the_reconciliation_report_agree_on_what_is_a_gap(personas, ella, hill_primary, york):
    josh = child("Josh Hughes", date(2009, 9, 2), hill_primary, york)
    first = domestic_abuse(personas["handler"], ella, josh)
    domestic_abuse(personas["handler"], ella)
    EncompassNotification.objects.filter(incident=first, person=josh).delete()
    rows = encompass_reconciliation(T0 - timedelta(days=1), T0 + timedelta(minutes=1))
    missing = {(r.incident.pk, r.person.pk) for r in rows if r.state == "missing"}
    assert missing == {(first.pk, josh.pk)}
    assert {(ip.incident_id, ip.person_id) for ip in encompass.gaps()} == missing
    engine.sweep(holder="test")
    assert [a.person_id for a in gap_alerts()] == [josh.pk]


def test_a_gap_needs_no_deadline_so_the_replay_horizon_is_unchanged(personas, ella):
    incident = domestic_abuse(personas["handler"], ella)
    before = engine.get("RF-9").horizon(T0)
    EncompassNotification.objects.filter(incident=incident).delete()
    # The notification's deadline went with it; a gap is found by the very next sweep, not at a deadline.
    assert before is not None and engine.get("RF-9").horizon(T0) is None


def test_an_old_gap_stays_alerted_past_the_watch_window_beside_a_new_one(personas, ella, hill_primary, york):
    """The sweep reads the recent incidents and its own alerted gaps in two statements: both are found."""
    old = domestic_abuse(personas["handler"], ella)
    EncompassNotification.objects.filter(incident=old).delete()
    engine.sweep(holder="test")
    assert gap_alerts().count() == 1
    clock.set_now(T0 + engine.WATCH + timedelta(days=5))  # the old incident is outside the watch window now
    josh = child("Josh Hughes", date(2009, 9, 2), hill_primary, york)
    new = domestic_abuse(personas["handler"], josh)
    EncompassNotification.objects.filter(incident=new).delete()
    engine.sweep(holder="test")
    assert sorted(a.person_id for a in gap_alerts()) == sorted([ella.pk, josh.pk])
    assert {(ip.incident_id, ip.person_id) for ip in encompass.gaps()} == {(old.pk, ella.pk), (new.pk, josh.pk)}
