"""The platform's own rules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from childsafe.core import engine
from childsafe.core.engine import Finding, clock_rule
from childsafe.core.models import OutboxMessage, OutboxStatus, Severity
from childsafe.core.roles import Role


def _no_deadline(now: datetime) -> None:
    # A message only becomes dead through a delivery attempt (a write), never by time alone.
    return None


@clock_rule(
    "SYS-1",
    horizon=_no_deadline,
    kind="alert",
    title="A message to a partner could not be delivered",
    source="Report, summary: automated systems aren't used to tell schools ... delays in telling the "
    "local authority when a missing child is returned home. A message that fails must be seen.",
)
def dead_letters(now: datetime) -> Iterator[Finding]:
    # Index outbox_due_for_delivery (status first) serves this.
    for message in OutboxMessage.objects.filter(status=OutboxStatus.DEAD).only(
        "pk", "kind", "recipient", "recipient_label", "person_id", "last_error", "created_at"
    ):
        yield Finding(
            subject_type="core.outboxmessage",
            subject_id=str(message.pk),
            subject_label=f"{message.kind} to {message.recipient_label or message.recipient}",
            person_id=message.person_id,
            owner_role=Role.ADMINISTRATOR,
            severity=Severity.HIGH,
            due_by=now,
            reason=f"A {message.kind.replace('_', ' ')} message to {message.recipient} could not be delivered: "
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
