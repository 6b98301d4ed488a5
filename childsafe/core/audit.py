"""The s62 log (Data Protection Act 2018): who did or saw what, when, and why.

`record` is called by every service inside its own transaction, so a change and its audit line
commit or roll back together. `access` is called by every view, API read, export and outbound
message that shows a person's record to someone.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, models, transaction

from childsafe.core import audit_chain, clock, compiled
from childsafe.core.models import AuditCategory, AuditChainTail, AuditEvent, User
from childsafe.core.roles import PARTNER_ROLES

CHANGE_CATEGORIES = {
    AuditCategory.COLLECTION,
    AuditCategory.ALTERATION,
    AuditCategory.COMBINATION,
    AuditCategory.ERASURE,
}
ACCESS_CATEGORIES = {AuditCategory.CONSULTATION, AuditCategory.DISCLOSURE}


def _actor_fields(actor: User | None) -> dict[str, Any]:
    if actor is None:
        return {"actor": None, "actor_label": "Childsafe (system)"}
    return {"actor": actor, "actor_label": f"{actor.username} ({actor.role})"}


def _subject_fields(
    subject: models.Model | None, subject_type: str | None, subject_id: str | int | None
) -> dict[str, Any]:
    if subject is not None:
        return {
            "subject_type": subject._meta.label_lower,
            "subject_id": str(subject.pk),
            "subject_label": str(subject)[:300],
        }
    return {"subject_type": subject_type or "", "subject_id": str(subject_id or "")}


def record(
    *,
    actor: User | None,
    category: AuditCategory | str,
    event_type: str,
    subject: models.Model | None = None,
    subject_type: str | None = None,
    subject_id: str | int | None = None,
    person_id: int | None = None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    channel: str = "web",
    justification: str = "",
) -> AuditEvent:
    """Log a change: collection, alteration, combination (e.g. a merge) or erasure.

    `justification` is the reason the actor gave for touching a record outside their area (PL-3)."""
    if category not in CHANGE_CATEGORIES:
        raise ValueError(f"{category!r} is not a change category; use audit.access for views.")
    return _append_or_defer(
        dict(
            at=clock.now(),
            category=category,
            event_type=event_type,
            person_id=person_id,
            old_values=_jsonable(old),
            new_values=_jsonable(new),
            channel=channel,
            justification=justification,
            **_actor_fields(actor),
            **_subject_fields(subject, subject_type, subject_id),
        )
    )


def purpose_of(actor: User | None, event_type: str, subject_label: str = "") -> str:
    """The purpose the role and the route give to a read that came with no reason and no purpose of its own,
    e.g. "Call handler: incident view (Incident NYP-...)": an s62 consultation is never logged without why."""
    who = actor.get_role_display() if actor is not None else "Childsafe (system)"
    what = event_type.replace(".", " ").replace("_", " ").strip() or "read"
    return f"{who}: {what}" + (f" ({subject_label})" if subject_label else "")


def access(
    *,
    actor: User | None,
    event_type: str,
    subject: models.Model | None = None,
    subject_type: str | None = None,
    subject_id: str | int | None = None,
    person_id: int | None = None,
    category: AuditCategory | str | None = None,
    justification: str = "",
    recipient: str = "",
    channel: str = "web",
) -> AuditEvent:
    """Log a consultation (someone looked) or a disclosure (something was sent or shown outside).

    Unless told otherwise, a partner's view (a school or a local authority) is a disclosure to their
    organisation, and anyone else's a consultation."""
    if category is None:
        partner = actor is not None and actor.role in PARTNER_ROLES
        category = AuditCategory.DISCLOSURE if partner else AuditCategory.CONSULTATION
        if partner and not recipient and actor is not None and actor.organisation_id:
            recipient = str(actor.organisation)
    if category not in ACCESS_CATEGORIES:
        raise ValueError(f"{category!r} is not an access category; use audit.record for changes.")
    subject_fields = _subject_fields(subject, subject_type, subject_id)
    if not justification.strip():
        justification = purpose_of(actor, event_type, subject_fields.get("subject_label", ""))
    return _append_or_defer(
        dict(
            at=clock.now(),
            category=category,
            event_type=event_type,
            person_id=person_id,
            justification=justification,
            recipient=recipient[:300],
            channel=channel,
            **_actor_fields(actor),
            **subject_fields,
        )
    )


def refusal(
    *,
    actor: User | None,
    event_type: str,
    why: str,
    subject: models.Model | None = None,
    subject_type: str | None = None,
    subject_id: str | int | None = None,
    person_id: int | None = None,
    channel: str = "web",
) -> AuditEvent:
    """Log a refused attempt on a record (a hidden record, an out-of-reach write, a 403).

    Nothing was processed, so it is filed as an attempted consultation, in the shape hidden-record 404s
    have always had: the event type ends in ".refused" and the justification says why."""
    if not event_type.endswith(".refused"):
        event_type = f"{event_type}.refused"
    return access(
        actor=actor,
        event_type=event_type,
        subject=subject,
        subject_type=subject_type,
        subject_id=subject_id,
        person_id=person_id,
        category=AuditCategory.CONSULTATION,
        justification=f"Refused: {why}",
        channel=channel,
    )


class Batch:
    """Events to log together, at the end of the caller's transaction (`write`): the chain's tail is locked
    for one SELECT, one INSERT of every event and one UPDATE just before the commit, instead of from the
    first event to the commit. Where every write queues behind the tail (PostgreSQL, many clients), how
    long each transaction holds it is the throughput (bench/ppn_api.py, docs/adr/0056)."""

    def __init__(self, *batches: Batch) -> None:
        self.values: list[dict[str, Any]] = [v for b in batches for v in b.values]

    def record(self, **kwargs: Any) -> None:
        """As `audit.record`, written by `write`."""
        with _holding(self):
            record(**kwargs)  # the module's: it appends to the batch this thread holds

    def access(self, **kwargs: Any) -> None:
        """As `audit.access`, written by `write`."""
        with _holding(self):
            access(**kwargs)

    def write(self) -> list[AuditEvent]:
        """Append every event, in the order given, and empty the batch. Call last in the transaction."""
        values, self.values = self.values, []
        return _append_all(values)


_deferral = threading.local()


@contextmanager
def _holding(batch: Batch) -> Iterator[None]:
    """Send this thread's `record`, `access` and `refusal` to `batch` for the block, then as before."""
    outer = getattr(_deferral, "batch", None)
    _deferral.batch = batch
    try:
        yield
    finally:
        _deferral.batch = outer


@contextmanager
def deferred() -> Iterator[Batch]:
    """Inside a transaction, hold every `record` and `access` (and `refusal`) made in this thread until the
    block ends, then write them together (`Batch.write`), so the chain's tail is locked only for the last
    statements before the commit. Use it around a whole transaction whose work is long (many statements
    before the commit); the events are the same, in the same order, with the times they were made. On an
    exception nothing is written (the transaction rolls back anyway). Nested, the outermost writes. The
    events returned meanwhile are not saved (no id). ADR 0056."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.deferred must be used inside the transaction it logs.")
    outer = getattr(_deferral, "batch", None)
    if outer is not None:
        yield outer
        return
    batch = _deferral.batch = Batch()
    try:
        yield batch
    finally:
        _deferral.batch = None
    batch.write()


def _append_or_defer(values: dict[str, Any]) -> AuditEvent:
    batch = getattr(_deferral, "batch", None)
    if batch is None:
        return _append(**values)
    batch.values.append(values)
    return AuditEvent(**values)


def _append(**values: Any) -> AuditEvent:
    """Write one event at the end of the chain."""
    return _append_all([values])[0]


def _append_all(values: list[dict[str, Any]]) -> list[AuditEvent]:
    """Write events at the end of the chain, in order.

    The tail row is locked until the caller's transaction commits, so events are chained in the order
    they commit and two writers never both follow the same event. The lock is one row and one update
    per call; on SQLite the IMMEDIATE transaction already holds the database's write lock. No savepoint
    of its own: a failure here fails the caller's transaction, which must not commit without its log."""
    if not values:
        return []
    with transaction.atomic(savepoint=False):
        tail = _lock_tail()
        if tail is None:  # a database emptied by a test's flush; migrations create the row
            # Two writers may both find it missing (two workers starting on an empty database): the second
            # insert waits for the first and does nothing, and both then lock the one row, in turn.
            AuditChainTail.objects.bulk_create(
                [AuditChainTail(pk=1, last_hash=audit_chain.GENESIS)], ignore_conflicts=True
            )
            tail = _lock_tail()
            assert tail is not None
        prev, length = tail
        events = []
        for row in values:
            event = AuditEvent(**row)
            event.prev_hash = prev
            event.hash = prev = audit_chain.digest(event, prev)
            events.append(event)
        compiled.insert(events)  # one INSERT, ids back in order (RETURNING); ADR 0064
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {AuditChainTail._meta.db_table} SET last_event_id = %s, last_hash = %s, length = %s "  # noqa: S608 -- the model's table
                "WHERE id = 1",
                [events[-1].pk, prev, length + len(events)],
            )
    return events


def _lock_tail() -> tuple[str, int] | None:
    """The chain's last hash and length, the row locked until the transaction ends (on SQLite the IMMEDIATE
    transaction holds the database's write lock already). Plain SQL: every audited write runs it, and the
    ORM's compiling was most of its cost (ADR 0064)."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_hash, length FROM {AuditChainTail._meta.db_table} WHERE id = 1{lock}")  # noqa: S608 -- the model's table
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


def verify() -> audit_chain.Verdict:
    """Check the whole chain, oldest first; the verdict names the first broken event."""
    tail = AuditChainTail.objects.filter(pk=1).first()
    events = AuditEvent.objects.order_by("id").iterator(chunk_size=5_000)
    return audit_chain.check(
        events,
        tail_event_id=tail.last_event_id if tail else None,
        tail_hash=tail.last_hash if tail else None,
    )


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, as (old, new)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def _jsonable(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, models.Model):
            out[key] = value.pk
        elif isinstance(value, (str, int, float, bool, type(None), list, dict)):
            out[key] = value
        else:
            out[key] = str(value)
    return out
