"""The platform's own rules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.db import connection

from childsafe.core import engine, labels
from childsafe.core.engine import Finding, clock_rule
from childsafe.core.models import OutboxMessage, OutboxStatus, Severity
from childsafe.core.outbox import STUCK_AFTER
from childsafe.core.roles import Role


def _stuck(now: datetime):
    """Messages a temporary failure has held back for longer than STUCK_AFTER."""
    return OutboxMessage.objects.filter(
        status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING], attempts__gt=0, created_at__lte=now - STUCK_AFTER
    )


def _sys1_horizon(now: datetime) -> datetime | None:
    # A dead letter comes only from a delivery attempt (a write); a failing message becomes stuck by time.
    first = (
        OutboxMessage.objects.filter(status=OutboxStatus.PENDING, attempts__gt=0, created_at__gt=now - STUCK_AFTER)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return first + STUCK_AFTER if first else None


@clock_rule(
    "SYS-1",
    owner="Administrator",
    horizon=_sys1_horizon,
    kind="alert",
    title="A message to a partner could not be delivered",
    source="Report, summary: automated systems aren't used to tell schools ... delays in telling the "
    "local authority when a missing child is returned home. A message that fails must be seen.",
)
def undelivered_messages(now: datetime) -> Iterator[Finding]:
    # Index outbox_due_for_delivery (status first) serves both queries.
    fields = ("pk", "kind", "recipient", "recipient_label", "person_id", "last_error", "created_at", "status")
    dead = OutboxMessage.objects.filter(status=OutboxStatus.DEAD).only(*fields)
    for message in [*dead, *_stuck(now).only(*fields)]:
        is_dead = message.status == OutboxStatus.DEAD
        what = "could not be delivered" if is_dead else "has not been delivered for over an hour (still trying)"
        yield Finding(
            subject_type="core.outboxmessage",
            subject_id=str(message.pk),
            subject_label=f"{labels.message_kind(message.kind)} to {message.recipient_label or message.recipient}",
            person_id=message.person_id,
            owner_role=Role.ADMINISTRATOR,
            severity=Severity.HIGH,
            due_by=now if is_dead else message.created_at + STUCK_AFTER,
            reason=f"A message ({labels.message_kind(message.kind)}) to {message.recipient} {what}: "
            f"{message.last_error[:200]}",
            url=f"/oversight/outbox/{message.pk}/",
        )


engine.register(
    "QG-1",
    kind="prompt",
    title="Victim-blaming and adultifying language is flagged as it is written, with a better wording",
    source="Report, 'The initial response to reports of missing children remains inconsistent': CIIs "
    "recorded 'not out of character for this child to go missing' and 'she appears to engage in risky "
    "business'.",
)

engine.register(
    "SYS-2",
    kind="alert",
    title="A burst of failed sign-ins (someone guessing passwords) is raised to the administrators",
    source="ASVS 5.0 V6: sign-in is slowed, never locked out (ADR 0016); a burst must still be seen.",
    owner="Administrator",
)


@engine.chore("database-statistics", every=timedelta(hours=24))
def sqlite_statistics() -> str:
    """On SQLite (the embedded default), refresh the query planner's statistics each day: without them
    SQLite guesses that an equality on any indexed column is selective, and at a force's size picks, say,
    every alert an area ever had over the period's. A sampled ANALYZE (analysis_limit) takes well under a
    second at a million people. PostgreSQL keeps its own (autovacuum); nothing to do there."""
    if connection.vendor != "sqlite":
        return "not needed"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit=1000")
        cursor.execute("ANALYZE")
    return "analysed"
