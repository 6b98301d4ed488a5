"""The outbox: messages are rows written with the change that causes them, delivered after commit.

Delivery is at-least-once with a stable idempotency key (the email's Message-ID). A worker claims a
message with a conditional UPDATE that only one claimant can win, on SQLite and PostgreSQL alike,
and holds it under a lease: if the worker dies mid-send the lease runs out and another worker takes
the message again. See docs/adr/0003-worker-and-outbox.md.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q

from childsafe.core import audit, clock
from childsafe.core.models import AuditCategory, OutboxAttempt, OutboxMessage, OutboxStatus
from childsafe.core.transports import Outgoing, TransportError, get_transport

log = logging.getLogger(__name__)

# Short, so a killed worker's message is taken over within seconds (issue 10), and renewed every third of
# it while the worker is sending (LeaseKeeper), so a slow conversation keeps its claim however long it
# takes. The environment may shorten it: the crash-recovery tests run real workers on the real clock.
LEASE = timedelta(seconds=int(os.environ.get("CHILDSAFE_OUTBOX_LEASE_SECONDS", "15")))
# A delivery the mail server accepted is recorded even if the database goes away at that moment: the
# worker keeps trying this long (a database restart takes seconds), rather than leave the message to be
# sent again when its lease runs out.
RECORD_PATIENCE_SECONDS = 120.0
# 30 s after the first failure. The environment may shorten it: bench/outbox_faults.py --small does, to
# run an SMTP outage in seconds.
BACKOFF_BASE_SECONDS = int(os.environ.get("CHILDSAFE_OUTBOX_BACKOFF_SECONDS", "30"))
# Never more than a minute between tries, so delivery resumes within a minute of the mail server coming
# back (issue 10): an Encompass notice must land before the school day starts. Only a permanent refusal
# ends the retries, so a short cap costs a failed connection a minute per message during an outage.
BACKOFF_CAP = timedelta(seconds=2 * BACKOFF_BASE_SECONDS)
# The worker claims this many at a time: a worker killed mid-send strands only the message in hand.
WORKER_CLAIM = 1
# A message still not delivered this long after it was queued raises SYS-1 (the outage is seen).
STUCK_AFTER = timedelta(hours=1)


def enqueue(
    *,
    kind: str,
    recipient: str,
    subject: str,
    body: str,
    idempotency_key: str,
    transport: str = "email",
    person_id: int | None = None,
    recipient_organisation_id: int | None = None,
    recipient_label: str = "",
    source_type: str = "",
    source_id: str | int = "",
    deliver_by: datetime | None = None,
) -> OutboxMessage:
    """Queue a message. Call inside the service's transaction; the same key never queues twice."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox.enqueue must be called inside the transaction of the change it reports.")
    existing = OutboxMessage.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    now = clock.now()
    return OutboxMessage.objects.create(
        kind=kind,
        transport=transport,
        idempotency_key=idempotency_key,
        recipient=recipient,
        recipient_organisation_id=recipient_organisation_id,
        recipient_label=recipient_label,
        subject=subject,
        body=body,
        person_id=person_id,
        source_type=source_type,
        source_id=str(source_id),
        created_at=now,
        next_attempt_at=now,
        deliver_by=deliver_by,
    )


def backoff(attempts: int) -> timedelta:
    """30 s, then every minute."""
    # The exponent is capped too: attempts also count claims lost to crashed workers, so it can grow
    # without limit, and 30 * 2**n seconds overflows timedelta from n = 42.
    doublings = min(max(attempts - 1, 0), 20)
    return min(timedelta(seconds=BACKOFF_BASE_SECONDS * 2**doublings), BACKOFF_CAP)


def _claimable(now: datetime) -> Q:
    return Q(status=OutboxStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=OutboxStatus.SENDING, lease_until__lt=now
    )


def claim(worker: str, *, limit: int = 20) -> list[OutboxMessage]:
    """Claim up to `limit` due messages for this worker. Two workers never win the same message."""
    now = clock.now()
    candidates = list(
        OutboxMessage.objects.filter(_claimable(now))
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[: limit * 2]
    )
    claimed: list[int] = []
    for pk in candidates:
        # The condition is re-checked by the UPDATE itself: whoever updates first wins, the other sees 0 rows.
        won = OutboxMessage.objects.filter(_claimable(now), pk=pk).update(
            status=OutboxStatus.SENDING, claimed_by=worker, lease_until=now + LEASE, attempts=F("attempts") + 1
        )
        if won:
            claimed.append(pk)
            if len(claimed) >= limit:
                break
    return list(OutboxMessage.objects.filter(pk__in=claimed).order_by("next_attempt_at", "id"))


def next_due(now: datetime) -> datetime | None:
    """When the next waiting message falls due (or a held lease runs out): the replay jumps there."""
    pending = OutboxMessage.objects.filter(status=OutboxStatus.PENDING).order_by("next_attempt_at")
    leased = OutboxMessage.objects.filter(status=OutboxStatus.SENDING).order_by("lease_until")
    times = [
        t
        for t in (
            pending.values_list("next_attempt_at", flat=True).first(),
            leased.values_list("lease_until", flat=True).first(),
        )
        if t is not None
    ]
    return max(min(times), now) if times else None


@dataclass
class DeliveryResult:
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    lost: int = 0  # claimed, but taken over by another worker before this one got to it


def renew(pk: int, worker: str) -> bool:
    """Extend this worker's lease on a message it is sending. False if it no longer holds it."""
    return bool(
        OutboxMessage.objects.filter(pk=pk, status=OutboxStatus.SENDING, claimed_by=worker).update(
            lease_until=clock.now() + LEASE
        )
    )


class LeaseKeeper:
    """Renews the lease on the message a worker has in hand, from a thread (and connection) of its own.

    The worker's own thread is blocked in the SMTP conversation while it sends, so it can't renew the
    lease itself; this thread does, every third of the lease. A killed worker's thread dies with it, so
    its message is free again within one short lease.
    """

    def __init__(self, worker: str, *, every: float | None = None) -> None:
        self.worker = worker
        self.every = every if every is not None else LEASE.total_seconds() / 3
        self.renewals = 0
        self._pk: int | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=f"lease-{self.worker}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None

    @contextmanager
    def holding(self, pk: int) -> Iterator[None]:
        with self._lock:
            self._pk = pk
        try:
            yield
        finally:
            with self._lock:
                self._pk = None

    def _run(self) -> None:
        wait = self.every
        try:
            while not self._stop.wait(wait):
                with self._lock:
                    pk = self._pk
                wait = self.every
                if pk is None:
                    continue
                for fresh_connection in (False, True):
                    try:
                        if renew(pk, self.worker):
                            self.renewals += 1
                        break
                    except DatabaseError as exc:
                        # After a database restart this thread's connection is dead, which shows only
                        # when it is used: try once more on a new one. If the database is still away,
                        # try every second, to renew the moment it is back (the lease may have run out).
                        connection.close()
                        if fresh_connection:
                            log.warning("Worker %s could not renew its lease on message %s: %s", self.worker, pk, exc)
                            wait = min(1.0, self.every)
        finally:
            connection.close()  # this thread's own connection


def deliver_due(worker: str, *, limit: int = 20, keeper: LeaseKeeper | None = None) -> DeliveryResult:
    result = DeliveryResult()
    for message in claim(worker, limit=limit):
        outcome = deliver_one(message, worker, keeper=keeper)
        setattr(result, outcome, getattr(result, outcome) + 1)
    return result


def deliver_one(message: OutboxMessage, worker: str, *, keeper: LeaseKeeper | None = None) -> str:
    """Send one claimed message and record the outcome. Returns delivered, retried, dead or lost."""
    # A batch is claimed under one lease but sent one message at a time, so a slow batch can outlive
    # it. Renew the lease for this message just before sending, on the condition that we still hold
    # it: a message another worker has taken over in the meantime is not sent twice.
    if not renew(message.pk, worker):
        log.warning("Worker %s lost message %s to another worker before sending it", worker, message.pk)
        return "lost"
    outgoing = Outgoing(message.recipient, message.subject, message.body, message.idempotency_key)
    # The keeper renews the lease through the conversation and through recording its outcome, which may
    # have to wait for the database to come back.
    with keeper.holding(message.pk) if keeper is not None else nullcontext():
        try:
            get_transport(message.transport).send(outgoing)
        except TransportError as exc:
            return _failed(message, worker, str(exc), permanent=exc.permanent)
        except Exception as exc:  # a bug in a transport must not stop the worker; it's a temporary failure
            log.exception("Transport %s crashed on message %s", message.transport, message.pk)
            return _failed(message, worker, f"{type(exc).__name__}: {exc}", permanent=False)
        _record_delivered(message, worker, clock.now())
    return "delivered"


def _record_delivered(message: OutboxMessage, worker: str, now: datetime) -> None:
    """Mark a message the mail server accepted as delivered, waiting out a database restart to do so.

    Given up at once, the message would stay claimed until its lease ran out and then be sent again.
    Inside an outer transaction (the replay, a test) there is nothing to reconnect: errors go up.
    """
    give_up = time.monotonic() + RECORD_PATIENCE_SECONDS
    delay = 0.5
    tries = 0
    while True:
        tries += 1
        try:
            if (
                tries > 1
                and OutboxMessage.objects.filter(
                    pk=message.pk, status=OutboxStatus.DELIVERED, claimed_by=worker, delivered_at=now
                ).exists()
            ):
                return  # the last try's commit went through; only its answer was lost
            _write_delivered(message, worker, now)
            if tries > 1:
                log.info("Worker %s recorded message %s as delivered after %d tries", worker, message.pk, tries)
            return
        except (OperationalError, InterfaceError) as exc:
            if connection.in_atomic_block or time.monotonic() + delay > give_up:
                raise
            log.warning(
                "Worker %s: message %s was accepted by the mail server but the database is away (%s); "
                "recording it again in %.1f s",
                worker,
                message.pk,
                str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
                delay,
            )
            connection.close()
            time.sleep(delay)
            # At most a second apart: once the database is back, record before another worker, whose
            # own back-off is longer, can take the message over.
            delay = min(delay * 2, 1.0)


def _write_delivered(message: OutboxMessage, worker: str, now: datetime) -> None:
    with transaction.atomic():
        updated = OutboxMessage.objects.filter(pk=message.pk, claimed_by=worker).update(
            status=OutboxStatus.DELIVERED, delivered_at=now, lease_until=None, last_error=""
        )
        OutboxAttempt.objects.create(message_id=message.pk, at=now, worker=worker, outcome="delivered")
        # Sending a child's details to a partner is a disclosure (DPA 2018 s62).
        audit.access(
            actor=None,
            category=AuditCategory.DISCLOSURE,
            event_type=f"outbox.{message.kind}",
            subject_type="core.outboxmessage",
            subject_id=message.pk,
            person_id=message.person_id,
            recipient=message.recipient_label or message.recipient,
            channel="worker",
        )
    if not updated:
        log.warning("Message %s was delivered after worker %s lost its lease", message.pk, worker)


def _failed(message: OutboxMessage, worker: str, error: str, *, permanent: bool) -> str:
    now = clock.now()
    attempts = OutboxMessage.objects.values_list("attempts", flat=True).get(pk=message.pk)
    # A temporary failure never gives up (a mail server down overnight is back by morning); SYS-1 makes
    # it visible after STUCK_AFTER. Only a permanent refusal (5xx: a wrong address) is a dead letter.
    dead = permanent
    with transaction.atomic():
        OutboxMessage.objects.filter(pk=message.pk, claimed_by=worker).update(
            status=OutboxStatus.DEAD if dead else OutboxStatus.PENDING,
            next_attempt_at=now + backoff(attempts),
            lease_until=None,
            last_error=error[:2000],
        )
        OutboxAttempt.objects.create(
            message_id=message.pk,
            at=now,
            worker=worker,
            outcome="permanent_failure" if permanent else "temporary_failure",
            detail=error[:2000],
        )
    log.warning("Message %s (%s) to %s failed: %s", message.pk, message.kind, message.recipient, error)
    return "dead" if dead else "retried"
