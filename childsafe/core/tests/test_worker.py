"""`childsafe worker` as real processes: killed mid-send, stopped by SIGTERM, two at once on PostgreSQL.

Each test shares its (committed, hence transactional) test database with worker subprocesses and
points them at the loopback SMTP server. The workers run on the real clock with a 3-second lease
(CHILDSAFE_OUTBOX_LEASE_SECONDS), so a dead worker's message is taken over within seconds.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.models import Count

from childsafe.core import outbox, transports
from childsafe.core.models import AuditCategory, AuditEvent, OutboxAttempt, OutboxMessage, OutboxStatus
from childsafe.core.tests.conftest import TEST_LEASE_SECONDS

SCHOOL = "dsl@hill.test"


def queue(key: str) -> OutboxMessage:
    with transaction.atomic():
        return outbox.enqueue(
            kind="missing_return",
            recipient=SCHOOL,
            recipient_label="Hill Primary (DSL)",
            subject=f"Return notice {key}",
            body=f"The child reported missing has been found. Reference {key}.\n",
            idempotency_key=key,
        )


def wait_until(predicate: Callable[[], bool], *, timeout: float, what: str, workers=(), interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {w.name} (exit {w.proc.poll()}) ---\n{w.output()[-4000:]}" for w in workers)
            raise AssertionError(f"Timed out after {timeout} s waiting for {what}.\n{logs}")
        time.sleep(interval)


def status_of(message: OutboxMessage) -> str:
    return OutboxMessage.objects.values_list("status", flat=True).get(pk=message.pk)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_is_taken_over_after_its_lease_and_the_message_goes_once(smtp_server, spawn_worker):
    # The server holds each conversation at MAIL FROM, before any DATA: the worker is mid-send.
    smtp_server.stall(60, at="MAIL")
    message = queue("return:episode/9")
    first = spawn_worker("worker-a")
    assert smtp_server.stalled.wait(30), first.output()

    row = OutboxMessage.objects.get(pk=message.pk)
    assert (row.status, row.claimed_by, row.attempts) == (OutboxStatus.SENDING, "worker-a", 1)
    assert row.lease_until is not None

    first.signal(signal.SIGKILL)
    assert first.wait(timeout=10) == -signal.SIGKILL
    # The mail server comes back well, on the same port; nothing was accepted from the dead worker.
    smtp_server.stop()
    smtp_server.normal()
    smtp_server.start()
    assert smtp_server.received == []
    assert status_of(message) == OutboxStatus.SENDING  # still claimed by the dead worker, until its lease ends

    second = spawn_worker("worker-b")
    wait_until(
        lambda: status_of(message) == OutboxStatus.DELIVERED,
        timeout=30,
        what="the second worker to deliver",
        workers=[first, second],
    )

    assert len(smtp_server.with_message_id(transports.message_id_for("return:episode/9"))) == 1
    assert len(smtp_server.received) == 1
    row.refresh_from_db()
    assert (row.claimed_by, row.attempts, row.lease_until) == ("worker-b", 2, None)
    # The dead worker wrote nothing: the only attempt on record is the delivery.
    attempts = list(OutboxAttempt.objects.filter(message=message).values_list("worker", "outcome"))
    assert attempts == [("worker-b", "delivered")]
    assert AuditEvent.objects.filter(category=AuditCategory.DISCLOSURE, subject_id=str(message.pk)).count() == 1

    # Idle for a few more polls: still exactly once.
    time.sleep(1)
    assert len(smtp_server.received) == 1
    second.signal(signal.SIGTERM)
    assert second.wait(timeout=10) == 0


@pytest.mark.django_db(transaction=True)
def test_sigterm_stops_an_idle_worker_cleanly(spawn_worker):
    worker = spawn_worker("worker-idle")
    worker.wait_for_output("Worker worker-idle started")
    time.sleep(0.5)  # into its idle wait

    worker.signal(signal.SIGTERM)
    # Stops (exit 0, its summary logged) rather than being killed; no stopwatch: a loaded machine is slow.
    assert worker.wait(timeout=30) == 0
    assert "Worker stopped: delivered 0, retried 0, dead 0" in worker.output()


@pytest.mark.django_db(transaction=True)
def test_sigterm_mid_send_finishes_the_message_in_hand_then_exits(smtp_server, spawn_worker):
    smtp_server.stall(2, at="RCPT")
    message = queue("return:episode/10")
    worker = spawn_worker("worker-busy")
    assert smtp_server.stalled.wait(30), worker.output()

    worker.signal(signal.SIGTERM)
    assert worker.wait(timeout=15) == 0
    assert "Worker stopped: delivered 1, retried 0, dead 0" in worker.output()
    assert status_of(message) == OutboxStatus.DELIVERED
    assert len(smtp_server.with_message_id(transports.message_id_for("return:episode/10"))) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_postgresql_deliver_1000_messages_with_no_duplicate(smtp_server, spawn_worker):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent workers are a PostgreSQL deployment; SQLite is the single-worker embedded mode.")
    keys = [f"bulk-{n:04d}" for n in range(1000)]
    with transaction.atomic():
        for key in keys:
            outbox.enqueue(
                kind="encompass",
                recipient=f"dsl{int(key[-4:]) % 50}@school.test",
                subject=f"Notice {key}",
                body=f"Reference {key}.\n",
                idempotency_key=key,
            )

    workers = [spawn_worker("worker-1", poll=0.1), spawn_worker("worker-2", poll=0.1)]
    wait_until(
        lambda: not OutboxMessage.objects.exclude(status=OutboxStatus.DELIVERED).exists(),
        timeout=120,  # 20-45 s on a busy two-CPU machine; generous, so load alone never fails it
        interval=0.25,
        what="1,000 messages to be delivered",
        workers=workers,
    )
    for worker in workers:
        worker.signal(signal.SIGTERM)
    for worker in workers:
        assert worker.wait(timeout=10) == 0, worker.output()[-3000:]

    counts = smtp_server.message_id_counts()
    assert counts == {transports.message_id_for(key): 1 for key in keys}
    assert OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED).count() == 1000
    assert OutboxAttempt.objects.filter(outcome="delivered").count() == 1000
    assert not OutboxAttempt.objects.exclude(outcome="delivered").exists()
    by_worker = dict(OutboxMessage.objects.values_list("claimed_by").annotate(n=Count("id")))
    assert set(by_worker) <= {"worker-1", "worker-2"}
    assert sum(by_worker.values()) == 1000


@pytest.mark.django_db(transaction=True)
def test_a_worker_whose_database_connection_dies_logs_backs_off_and_carries_on(smtp_server, caplog):
    if connection.vendor != "postgresql":
        pytest.skip("Killing one server-side connection is a PostgreSQL fault; SQLite has none to kill.")
    import threading

    from django.db import connections

    from childsafe.core.worker import Worker

    worker = Worker(name="worker-t", poll_seconds=0.05, sweep_interval_seconds=3600)
    thread = threading.Thread(target=lambda: (worker.run(), connections.close_all()), daemon=True)
    first = queue("return:episode/41")
    thread.start()
    try:
        wait_until(lambda: status_of(first) == OutboxStatus.DELIVERED, timeout=20, what="the first message")
        # What a database restart does to a worker: its connection is cut from the server side.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        wait_until(lambda: worker.stats.database_errors >= 1, timeout=20, what="the worker to notice")
        second = queue("return:episode/42")
        wait_until(lambda: status_of(second) == OutboxStatus.DELIVERED, timeout=30, what="delivery after the fault")
        assert thread.is_alive()
        assert any("database error" in r.getMessage() for r in caplog.records)
    finally:
        worker.stop_event.set()
        thread.join(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_strands_only_the_message_in_hand(smtp_server, spawn_worker):
    smtp_server.stall(60, at="MAIL")
    messages = [queue(f"return:episode/{n}") for n in range(50, 55)]
    worker = spawn_worker("worker-a")
    assert smtp_server.stalled.wait(30), worker.output()
    worker.signal(signal.SIGKILL)
    assert worker.wait(timeout=10) == -signal.SIGKILL
    # One message was being sent; the other four were never claimed, so any worker can take them now.
    states = sorted(status_of(m) for m in messages)
    assert states == [OutboxStatus.PENDING] * 4 + [OutboxStatus.SENDING]


@pytest.mark.django_db(transaction=True)
def test_a_slow_conversation_keeps_its_short_lease_and_is_not_sent_twice(smtp_server, spawn_worker):
    # The server takes three leases' time to answer DATA. The sending worker's lease is renewed while it
    # waits, so a second worker polling all the while never takes the message over and sends it again.
    smtp_server.stall(3 * TEST_LEASE_SECONDS, at="DATA")
    message = queue("return:episode/60")
    first = spawn_worker("worker-slow", poll=0.1)
    assert smtp_server.stalled.wait(30), first.output()
    second = spawn_worker("worker-eager", poll=0.1)
    second.wait_for_output("Worker worker-eager started")
    wait_until(
        lambda: status_of(message) == OutboxStatus.DELIVERED,
        timeout=60,
        what="the slow delivery",
        workers=[first, second],
    )
    smtp_server.unstall()
    time.sleep(TEST_LEASE_SECONDS + 1)  # long enough for a lapsed lease to have been taken over

    assert smtp_server.message_id_counts() == {transports.message_id_for("return:episode/60"): 1}
    row = OutboxMessage.objects.get(pk=message.pk)
    assert (row.claimed_by, row.attempts) == ("worker-slow", 1)
    for worker in (first, second):
        worker.signal(signal.SIGTERM)
        assert worker.wait(timeout=15) == 0


def test_the_lease_is_seconds_and_renewed_well_within_it():
    # A killed worker strands its message for one lease: seconds, not the two minutes it was.
    assert outbox.LEASE.total_seconds() <= 15
    assert outbox.LeaseKeeper("w").every <= outbox.LEASE.total_seconds() / 3


@pytest.mark.django_db(transaction=True)
def test_a_database_restart_after_the_mail_server_accepted_a_message_does_not_send_it_again(smtp_server, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("Killing one server-side connection is a PostgreSQL fault; SQLite has none to kill.")
    import threading

    from django.db import connections

    from childsafe.core.worker import Worker

    # A short lease, so a message left claimed would be taken again within the test.
    monkeypatch.setattr(outbox, "LEASE", timedelta(seconds=2))
    worker = Worker(name="worker-r", poll_seconds=0.05, sweep_interval_seconds=3600)
    smtp_server.stall(2, at="DATA")
    message = queue("return:episode/61")
    thread = threading.Thread(target=lambda: (worker.run(), connections.close_all()), daemon=True)
    thread.start()
    try:
        assert smtp_server.stalled.wait(30)
        # While the server holds the message, the database restarts: every connection is cut.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        smtp_server.unstall()
        wait_until(lambda: status_of(message) == OutboxStatus.DELIVERED, timeout=30, what="the delivery")
        time.sleep(4)  # two leases: a message left claimed would have been sent again by now
        assert smtp_server.message_id_counts() == {transports.message_id_for("return:episode/61"): 1}
        row = OutboxMessage.objects.get(pk=message.pk)
        assert row.attempts == 1
        assert list(OutboxAttempt.objects.filter(message=message).values_list("outcome", flat=True)) == ["delivered"]
        assert thread.is_alive()
    finally:
        worker.stop_event.set()
        thread.join(timeout=30)
