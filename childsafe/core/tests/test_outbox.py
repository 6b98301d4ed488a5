"""The outbox delivers through a real SMTP server: exactly once, after outages, and loudly when it can't.

No mocks: the transport speaks SMTP to aiosmtpd on loopback (tests/smtp.py), and time is the
simulated clock (`core.clock.set_now`), so retries and back-off run as they would overnight.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import transaction

from childsafe.core import engine, outbox, services, transports
from childsafe.core.errors import AccessDenied
from childsafe.core.models import (
    Alert,
    AuditCategory,
    AuditEvent,
    Lease,
    OutboxAttempt,
    OutboxMessage,
    OutboxStatus,
)
from childsafe.core.outbox import DeliveryResult
from childsafe.core.worker import Worker

SCHOOL = "dsl@hill.test"


def queue(key: str, *, recipient: str = SCHOOL, person_id: int | None = 4242) -> OutboxMessage:
    """Queue a message the way a service does: inside the transaction of the change it reports."""
    with transaction.atomic():
        return outbox.enqueue(
            kind="encompass",
            recipient=recipient,
            recipient_label="Hill Primary (DSL)",
            subject=f"Operation Encompass notice {key}",
            body=f"A child at your school was present at a domestic abuse incident.\nReference {key}.\n",
            idempotency_key=key,
            person_id=person_id,
            source_type="incidents.incident",
            source_id=key,
        )


def tick_until_idle(worker: Worker, *, limit: int = 1000) -> None:
    for _ in range(limit):
        if not worker.tick():
            return
    raise AssertionError("The worker never ran out of due messages.")


def sys1_alerts(message: OutboxMessage):
    return Alert.objects.filter(rule_id="SYS-1", subject_type="core.outboxmessage", subject_id=str(message.pk))


# 1. Delivery --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_queued_message_is_delivered_over_smtp_with_its_stable_message_id(smtp_server):
    key = "encompass:incident/17:2025-03-10"
    message = queue(key)

    assert outbox.deliver_due("worker-1") == DeliveryResult(delivered=1)

    [mail] = smtp_server.received
    assert mail.message_id == transports.message_id_for(key) == "<encompass-incident-17-2025-03-10@childsafe>"
    assert mail.to == SCHOOL
    assert mail.rcpt_tos == (SCHOOL,)
    assert mail.mail_from == settings.DEFAULT_FROM_EMAIL
    assert mail.subject == f"Operation Encompass notice {key}"
    assert mail.body == f"A child at your school was present at a domestic abuse incident.\nReference {key}.\n"

    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    assert message.delivered_at is not None
    assert message.attempts == 1
    assert message.lease_until is None
    assert message.claimed_by == "worker-1"

    [attempt] = OutboxAttempt.objects.filter(message=message)
    assert (attempt.outcome, attempt.worker) == ("delivered", "worker-1")

    # Telling a school about a child is a disclosure (DPA 2018 s62): logged with the recipient.
    [disclosure] = AuditEvent.objects.filter(subject_type="core.outboxmessage", subject_id=str(message.pk))
    assert disclosure.category == AuditCategory.DISCLOSURE
    assert disclosure.event_type == "outbox.encompass"
    assert disclosure.person_id == 4242
    assert disclosure.recipient == "Hill Primary (DSL)"
    assert disclosure.channel == "worker"
    assert disclosure.actor is None

    # Nothing left to do: a second round sends nothing again.
    assert outbox.deliver_due("worker-1") == DeliveryResult()
    assert len(smtp_server.received) == 1


@pytest.mark.django_db
def test_a_worker_tick_delivers_what_is_due(smtp_server):
    for n in range(3):
        queue(f"tick-{n}")
    worker = Worker(name="tick-worker", sweep_interval_seconds=3600)

    assert worker.tick() is True
    assert worker.tick() is False  # idle
    assert worker.stats.delivered == 3
    assert sorted(smtp_server.message_id_counts().items()) == [
        (transports.message_id_for(f"tick-{n}"), 1) for n in range(3)
    ]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxStatus.DELIVERED}
    assert OutboxAttempt.objects.filter(outcome="delivered").count() == 3
    assert AuditEvent.objects.filter(category=AuditCategory.DISCLOSURE).count() == 3


# 2. Enqueue ---------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_enqueue_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        outbox.enqueue(kind="encompass", recipient=SCHOOL, subject="s", body="b", idempotency_key="loose")
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_the_same_idempotency_key_queues_one_message():
    first = queue("once")
    with transaction.atomic():
        again = outbox.enqueue(
            kind="encompass", recipient=SCHOOL, subject="other", body="other", idempotency_key="once"
        )
        and_again = outbox.enqueue(kind="encompass", recipient=SCHOOL, subject="x", body="x", idempotency_key="once")
    assert first.pk == again.pk == and_again.pk
    assert OutboxMessage.objects.count() == 1
    assert OutboxMessage.objects.get().subject == "Operation Encompass notice once"


# 3. The mail server is down -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_server_down_retries_with_backoff_then_delivers_once_when_back(smtp_server, sim_clock):
    port = smtp_server.port
    smtp_server.stop()
    queued_at = sim_clock.now
    message = queue("down-1")

    assert outbox.deliver_due("w") == DeliveryResult(retried=1)
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert message.next_attempt_at == queued_at + outbox.backoff(1) == queued_at + timedelta(seconds=30)
    assert "Could not reach the mail server" in message.last_error
    assert message.lease_until is None
    assert OutboxAttempt.objects.get(message=message).outcome == "temporary_failure"

    # Not due yet: nobody tries.
    sim_clock.advance(timedelta(seconds=29))
    assert outbox.deliver_due("w") == DeliveryResult()

    # Due, still down: pushed back further.
    sim_clock.advance(timedelta(seconds=1))
    assert outbox.deliver_due("w") == DeliveryResult(retried=1)
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.next_attempt_at == sim_clock.now + timedelta(seconds=60)

    # Back on the same port; the message waits for its time, then goes once.
    smtp_server.start()
    assert smtp_server.port == port
    assert outbox.deliver_due("w") == DeliveryResult()
    assert smtp_server.received == []
    sim_clock.set(message.next_attempt_at + timedelta(seconds=1))
    assert outbox.deliver_due("w") == DeliveryResult(delivered=1)
    for _ in range(3):
        sim_clock.advance(timedelta(hours=1))
        assert outbox.deliver_due("w") == DeliveryResult()

    assert len(smtp_server.with_message_id(transports.message_id_for("down-1"))) == 1
    assert len(smtp_server.received) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.DELIVERED, 3)
    assert list(
        OutboxAttempt.objects.filter(message=message).order_by("at", "id").values_list("outcome", flat=True)
    ) == [
        "temporary_failure",
        "temporary_failure",
        "delivered",
    ]


# Transactional, so each claim and each failure commits as it does in the worker: in one long test
# transaction PostgreSQL can't prune the thousands of superseded row versions and every claim slows.
@pytest.mark.django_db(transaction=True)
def test_down_overnight_100_messages_each_delivered_exactly_once_when_back(
    smtp_server, sim_clock, caplog, asynchronous_commit
):
    caplog.set_level(logging.ERROR, logger="childsafe.core.outbox")  # thousands of expected warnings
    smtp_server.stop()
    keys = [f"night-{n:03d}" for n in range(100)]
    with transaction.atomic():
        for key in keys:
            queue(key)
    worker = Worker(name="night-worker", sweep_interval_seconds=24 * 3600)

    # Down from 21:00 to 05:00; the worker ticks every quarter of an hour all night. Nothing gives up.
    back_at = sim_clock.now + timedelta(hours=8)
    while sim_clock.now < back_at:
        tick_until_idle(worker)
        sim_clock.advance(timedelta(minutes=15))
    assert smtp_server.received == []
    assert not OutboxMessage.objects.exclude(status=OutboxStatus.PENDING).exists()
    assert worker.stats.dead == 0 and worker.stats.retried >= 100 * 25
    # The outage is seen: every message stuck for over an hour is an alert for the administrator.
    engine.sweep(holder="test")
    assert Alert.objects.open().filter(rule_id="SYS-1").count() == 100

    smtp_server.start()
    for _ in range(4):  # within the 15-minute cap every message's next attempt comes round
        tick_until_idle(worker)
        sim_clock.advance(timedelta(minutes=5))

    assert smtp_server.message_id_counts() == {transports.message_id_for(key): 1 for key in keys}
    assert OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED).count() == 100
    assert OutboxAttempt.objects.filter(outcome="delivered").count() == 100
    assert worker.stats.delivered == 100
    engine.sweep(holder="test")
    assert not Alert.objects.open().filter(rule_id="SYS-1").exists()


# 4. Permanent failure, the dead-letter alert and retry --------------------------------------------------


@pytest.mark.django_db
def test_permanent_refusal_is_dead_at_once_alerts_admin_and_retry_clears_it(smtp_server, sim_clock, make_user):
    bad = "left-school@hill.test"
    smtp_server.refuse(bad, permanent=True)
    message = queue("perm-1", recipient=bad)

    assert outbox.deliver_due("w") == DeliveryResult(dead=1)
    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD
    assert message.attempts == 1
    assert "550" in message.last_error
    assert OutboxAttempt.objects.get(message=message).outcome == "permanent_failure"
    assert smtp_server.received == []
    # A dead message is never picked up again by itself.
    sim_clock.advance(timedelta(days=1))
    assert outbox.deliver_due("w") == DeliveryResult()

    first = engine.sweep(holder="test")
    assert first.raised >= 1
    [alert] = sys1_alerts(message)
    assert alert.cleared_at is None
    assert alert.owner_role == "administrator"
    assert alert.severity == "high"
    assert bad in alert.reason

    # Sweeping again changes nothing: still one open alert.
    engine.sweep(holder="test")
    engine.sweep(holder="test")
    assert sys1_alerts(message).count() == 1
    assert sys1_alerts(message).get().pk == alert.pk

    # Only a role that manages the outbox may send it again.
    officer = make_user("pc_city", "response_officer", "city")
    with pytest.raises(AccessDenied):
        services.outbox_retry(actor=officer, message=message)

    smtp_server.accept(bad)  # the school has fixed its address book
    admin = make_user("admin", "administrator")
    retried = services.outbox_retry(actor=admin, message=message)
    assert (retried.status, retried.attempts, retried.last_error) == (OutboxStatus.PENDING, 0, "")
    assert AuditEvent.objects.filter(event_type="outbox.retry", actor=admin, subject_id=str(message.pk)).count() == 1

    assert outbox.deliver_due("w") == DeliveryResult(delivered=1)
    assert len(smtp_server.with_message_id(transports.message_id_for("perm-1"))) == 1

    cleared_at = sim_clock.advance(timedelta(minutes=1))
    assert engine.sweep(holder="test").cleared >= 1
    alert.refresh_from_db()
    assert alert.cleared_at == cleared_at
    assert not sys1_alerts(message).filter(cleared_at__isnull=True).exists()


@pytest.mark.django_db
def test_sweeping_twice_keeps_one_open_alert_per_dead_message(smtp_server):
    for n in range(3):
        smtp_server.refuse(f"gone-{n}@hill.test", permanent=True)
        queue(f"gone-{n}", recipient=f"gone-{n}@hill.test")
    assert outbox.deliver_due("w") == DeliveryResult(dead=3)

    engine.sweep(holder="a")
    engine.sweep(holder="b")
    open_alerts = Alert.objects.open().filter(rule_id="SYS-1")
    assert sorted(open_alerts.values_list("subject_id", flat=True)) == sorted(
        str(pk) for pk in OutboxMessage.objects.values_list("pk", flat=True)
    )
    assert Alert.objects.filter(rule_id="SYS-1").count() == 3


@pytest.mark.django_db
def test_a_worker_whose_batch_outlived_its_lease_does_not_send_what_another_worker_took_over(smtp_server, sim_clock):
    """deliver_due claims a batch under one lease, then sends one by one: a slow batch outlives the lease."""
    keys = [f"slow-{n}" for n in range(5)]
    with transaction.atomic():
        for key in keys:
            queue(key)
    batch = outbox.claim("worker-a")
    assert len(batch) == 5
    # worker-a is slow (a partner's server taking 30 s a message, say): before it reaches these, its
    # lease has run out and worker-b has taken them over and sent them.
    sim_clock.advance(outbox.LEASE + timedelta(seconds=1))
    assert outbox.deliver_due("worker-b") == DeliveryResult(delivered=5)

    # worker-a carries on through its batch, as deliver_due does: it must not send them again.
    outcomes = [outbox.deliver_one(message, "worker-a") for message in batch]

    assert smtp_server.message_id_counts() == {transports.message_id_for(key): 1 for key in keys}
    assert outcomes == ["lost"] * 5
    assert set(OutboxMessage.objects.values_list("status", "claimed_by")) == {(OutboxStatus.DELIVERED, "worker-b")}
    assert OutboxAttempt.objects.count() == 5
    assert AuditEvent.objects.filter(category=AuditCategory.DISCLOSURE).count() == 5


# 8. Back-off --------------------------------------------------------------------------------------------


def test_backoff_starts_at_30_seconds_and_is_capped_at_a_minute():
    # Delivery resumes within a minute of the mail server coming back (issue 10).
    seconds = [outbox.backoff(n).total_seconds() for n in range(1, 9)]
    assert seconds == [30, 60, 60, 60, 60, 60, 60, 60]
    assert outbox.backoff(0) == timedelta(seconds=30)
    assert outbox.backoff(500) == timedelta(minutes=1)


@pytest.mark.django_db
def test_temporary_refusals_back_off_and_never_give_up_but_alert_after_an_hour(smtp_server, sim_clock):
    busy = "busy@hill.test"
    smtp_server.refuse(busy, permanent=False)
    message = queue("busy-1", recipient=busy)
    queued_at = sim_clock.now

    for attempt in range(1, 70):  # past the hour, a minute apart
        assert outbox.deliver_due("w") == DeliveryResult(retried=1)
        message.refresh_from_db()
        assert message.status == OutboxStatus.PENDING
        assert message.attempts == attempt
        assert message.next_attempt_at == sim_clock.now + outbox.backoff(attempt)
        assert "451" in message.last_error
        sim_clock.set(message.next_attempt_at)
        engine.sweep(holder="test")
        stuck = sim_clock.now - queued_at >= outbox.STUCK_AFTER
        assert sys1_alerts(message).filter(cleared_at__isnull=True).exists() == stuck

    outcomes = set(OutboxAttempt.objects.filter(message=message).values_list("outcome", flat=True))
    assert outcomes == {"temporary_failure"}
    assert smtp_server.received == []
    assert "still trying" in sys1_alerts(message).get(cleared_at__isnull=True).reason


# 9. The sweep's lease -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_sweep_is_skipped_while_another_worker_holds_the_lease(sim_clock):
    Lease.objects.update_or_create(
        name=engine.SWEEP_LEASE, defaults={"holder": "worker-a", "until": sim_clock.now + timedelta(minutes=5)}
    )

    assert engine.sweep(holder="worker-b").skipped is True
    worker = Worker(name="worker-b", sweep_interval_seconds=1)
    worker.tick()
    assert worker.stats.sweeps == 0
    assert Lease.objects.get(name=engine.SWEEP_LEASE).holder == "worker-a"  # b didn't release a's lease

    # worker-a died mid-sweep: once its lease has run out, another worker takes over.
    sim_clock.advance(timedelta(minutes=5, seconds=1))
    result = engine.sweep(holder="worker-b")
    assert result.skipped is False
    lease = Lease.objects.get(name=engine.SWEEP_LEASE)
    assert (lease.holder, lease.until) == ("", None)  # released when done


@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_from_threads_leave_one_alert_per_dead_message(smtp_server, shared_database):
    """Real threads, real connections: sweeps racing each other never duplicate or lose an alert."""
    for n in range(40):
        smtp_server.refuse(f"gone-{n}@hill.test", permanent=True)
        queue(f"gone-{n}", recipient=f"gone-{n}@hill.test")
    while outbox.deliver_due("w").dead:
        pass
    assert OutboxMessage.objects.filter(status=OutboxStatus.DEAD).count() == 40

    barrier = threading.Barrier(4)
    results, errors = [], []

    def sweep(holder: str) -> None:
        from django.db import connection

        try:
            barrier.wait()
            results.append(engine.sweep(holder=holder))
        except Exception as exc:  # reported below, with the thread's name
            errors.append((holder, exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep, args=(f"thread-{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert len(results) == 4
    assert sum(r.raised for r in results) == 40
    assert Alert.objects.filter(rule_id="SYS-1").count() == 40
    assert Alert.objects.open().filter(rule_id="SYS-1").count() == 40
