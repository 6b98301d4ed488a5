"""Operation Encompass (RF-9) end to end: incident recorded, worker ticks, a real SMTP server on loopback.

Nothing of ours is mocked: `incident_record` queues the email, `Worker.tick` claims and sends it over
SMTP to an aiosmtpd server (childsafe.core.tests.smtp), and `engine.sweep` raises the RF-9 alert when
the Key Adult was not told before the school day began (08:30 on the next school day).
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import pytest

from childsafe.core import engine, transports
from childsafe.core.models import Alert, OutboxMessage, OutboxStatus
from childsafe.core.worker import Worker
from childsafe.incidents import services as incidents
from childsafe.referrals.models import EncompassNotification

# The Encompass hook registers on `incident_record` when childsafe.referrals.services is imported; nothing
# at start-up imports it (the referrals AppConfig has no ready()), so import it here as the web views do.
from childsafe.referrals import services as referrals  # noqa: F401  isort: skip

# A Thursday night in term time; London is on GMT in November, so local time = UTC.
T0 = datetime(2022, 11, 10, 22, 15, tzinfo=UTC)
SCHOOL_DAY_STARTS = datetime(2022, 11, 11, 8, 30, tzinfo=UTC)
TICK = timedelta(minutes=5)


@pytest.fixture
def handler(make_user):
    return make_user("handler", "call_handler")


@pytest.fixture
def at_t0(sim_clock):
    sim_clock.set(T0)
    return sim_clock


def record_domestic_abuse(handler, *children):
    return incidents.incident_record(
        actor=handler,
        type="domestic_abuse",
        grade=1,
        location="12 Mill Street, York",
        summary="Woman assaulted by partner; children in the house.",
        children=[incidents.ChildOnIncident(c, present=True, resident=True) for c in children],
    )


def message_id(note: EncompassNotification) -> str:
    return transports.message_id_for(f"encompass:{note.pk}")


def new_worker() -> Worker:
    # The sweep runs when the test says so, not on the worker's real-time interval.
    return Worker(name="encompass-worker", sweep_interval_seconds=365 * 24 * 3600)


def tick_until_idle(worker: Worker) -> None:
    for _ in range(50):
        if not worker.tick():
            return
    raise AssertionError("The worker was still busy after 50 ticks.")


def ride_out(worker: Worker, clock, until: datetime) -> None:
    """Tick every five simulated minutes up to (not including) `until`."""
    while clock.now < until:
        tick_until_idle(worker)
        clock.advance(TICK)
    clock.set(until)


def rf9_open():
    return Alert.objects.open().filter(rule_id="RF-9")


# (a) ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_tick_emails_the_key_adult_with_no_personal_details(smtp_server, at_t0, handler, ella, hill_primary):
    recorded = record_domestic_abuse(handler, ella)
    note = EncompassNotification.objects.get()
    assert note.due_by == SCHOOL_DAY_STARTS and not note.problem
    assert "RF-9" not in [p.rule_id for p in recorded.prompts]

    tick_until_idle(new_worker())

    [received] = smtp_server.received
    assert received.rcpt_tos == ("dsl@hill.test",)
    assert received.message_id == message_id(note)
    assert recorded.incident.reference in received.body
    for detail in ("Ella", "Hughes", "Mill Street", "YO1 7AA", "2014"):
        assert detail not in received.body and detail not in received.subject
    assert OutboxMessage.objects.get(kind="encompass").status == OutboxStatus.DELIVERED
    engine.sweep(holder="test")
    assert not rf9_open().exists()


# (b) and (c) --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_server_down_overnight_back_at_seven_delivers_once_and_no_alert(
    smtp_server, at_t0, handler, ella, hill_primary, caplog
):
    caplog.set_level(logging.ERROR, logger="childsafe.core.outbox")
    smtp_server.stop()
    record_domestic_abuse(handler, ella)
    note = EncompassNotification.objects.get()
    worker = new_worker()

    ride_out(worker, at_t0, datetime(2022, 11, 11, 7, 0, tzinfo=UTC))
    assert smtp_server.received == []
    assert worker.stats.retried > 0
    assert OutboxMessage.objects.get(kind="encompass").status == OutboxStatus.PENDING, "still being retried"

    smtp_server.start()
    ride_out(worker, at_t0, datetime(2022, 11, 11, 7, 5, tzinfo=UTC))
    engine.sweep(holder="test")
    assert not rf9_open().exists()
    # The next try is at most one backoff step (15 minutes) after the server comes back.
    ride_out(worker, at_t0, datetime(2022, 11, 11, 7, 30, tzinfo=UTC))

    assert smtp_server.message_id_counts() == {message_id(note): 1}
    message = OutboxMessage.objects.get(kind="encompass")
    assert message.status == OutboxStatus.DELIVERED and message.delivered_at < SCHOOL_DAY_STARTS
    assert worker.stats.delivered == 1
    at_t0.set(SCHOOL_DAY_STARTS + timedelta(minutes=1))
    engine.sweep(holder="test")
    assert not rf9_open().exists()


@pytest.mark.django_db
def test_server_down_until_nine_alerts_at_half_past_eight_then_delivers_once(
    smtp_server, at_t0, handler, ella, hill_primary, caplog
):
    caplog.set_level(logging.ERROR, logger="childsafe.core.outbox")
    smtp_server.stop()
    record_domestic_abuse(handler, ella)
    note = EncompassNotification.objects.get()
    worker = new_worker()

    ride_out(worker, at_t0, datetime(2022, 11, 11, 8, 29, tzinfo=UTC))
    engine.sweep(holder="test")
    assert not rf9_open().exists()  # not due yet

    at_t0.set(SCHOOL_DAY_STARTS)
    engine.sweep(holder="test")
    at_t0.set(SCHOOL_DAY_STARTS + timedelta(minutes=1))
    alert = rf9_open().get()
    assert alert.subject_id == str(note.pk)
    assert "before the school day began" in alert.reason

    ride_out(worker, at_t0, datetime(2022, 11, 11, 9, 0, tzinfo=UTC))
    assert smtp_server.received == []
    assert OutboxMessage.objects.get(kind="encompass").status == OutboxStatus.PENDING, "still being retried"
    smtp_server.start()
    ride_out(worker, at_t0, datetime(2022, 11, 11, 10, 30, tzinfo=UTC))
    tick_until_idle(worker)

    assert smtp_server.message_id_counts() == {message_id(note): 1}
    assert OutboxMessage.objects.get(kind="encompass").status == OutboxStatus.DELIVERED
    # Delivered late: the alert clears itself, and its record (raised at 08:30) shows it was late.
    engine.sweep(holder="test")
    assert not rf9_open().filter(subject_id=str(note.pk)).exists()
    late = Alert.objects.get(rule_id="RF-9", subject_id=str(note.pk))
    assert late.raised_at == datetime(2022, 11, 11, 8, 30, tzinfo=UTC) and late.cleared_at is not None


# (d) ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_no_key_adult_email_sends_nothing_alerts_at_once_and_says_why(smtp_server, at_t0, handler, ella, hill_primary):
    hill_primary.key_adult_email = ""
    hill_primary.save()

    recorded = record_domestic_abuse(handler, ella)

    [prompt] = [p for p in recorded.prompts if p.rule_id == "RF-9"]
    assert "Hill Primary has no Key Adult email address" in prompt.message
    tick_until_idle(new_worker())
    assert smtp_server.received == []
    assert not OutboxMessage.objects.filter(kind="encompass").exists()
    engine.sweep(holder="test")  # at 22:15, long before the school day
    alert = rf9_open().get()
    assert "no Key Adult email" in alert.reason


# (e) ----------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_twenty_children_at_five_schools_twenty_emails_each_once(smtp_server, at_t0, handler, york):
    from childsafe.people import services as people

    schools = [
        people.organisation_create(
            actor=None,
            type="school",
            name=f"School {n}",
            urn=f"14000{n}",
            local_authority=york,
            key_adult_email=f"dsl@school{n}.test",
            calendar={"base": "england_default"},
        )
        for n in range(5)
    ]
    children = [
        people.person_create(
            actor=None,
            forenames=f"Child{n:02d}",
            surname="Testcase",
            date_of_birth=date(2010 + n % 8, 1 + n % 12, 1 + n),
            school=schools[n % 5],
            local_authority=york,
        ).person
        for n in range(20)
    ]
    for child in children:
        record_domestic_abuse(handler, child)
        at_t0.advance(timedelta(minutes=1))

    worker = new_worker()
    tick_until_idle(worker)
    at_t0.advance(TICK)
    tick_until_idle(worker)

    notes = list(EncompassNotification.objects.select_related("organisation"))
    assert len(notes) == 20
    assert smtp_server.message_id_counts() == {message_id(n): 1 for n in notes}
    by_id = {r.message_id: r for r in smtp_server.received}
    for note in notes:
        assert by_id[message_id(note)].rcpt_tos == (note.organisation.key_adult_email,)
        assert note.person.forenames not in by_id[message_id(note)].body
    assert sorted(len([n for n in notes if n.organisation == s]) for s in schools) == [4] * 5
    assert worker.stats.delivered == 20
