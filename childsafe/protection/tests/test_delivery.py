"""PP-1 end to end: starting protection queues the notice; the worker delivers it to a real SMTP server on
loopback, with no personal details; the local authority then reads and acknowledges it in the portal."""

from __future__ import annotations

from datetime import timedelta

import pytest

from childsafe.core import clock, transports
from childsafe.core.models import OutboxMessage, OutboxStatus
from childsafe.core.worker import Worker
from childsafe.protection import services
from childsafe.protection.services import ChildInput

pytestmark = pytest.mark.django_db


def test_the_local_authority_email_is_delivered_over_smtp_without_personal_details(
    smtp_server, now, officers, ava, noah, nyc
):
    p = services.protection_start(
        actor=officers["pc"],
        children=[ChildInput(ava, wishes="Wants Noah."), ChildInput(noah, wishes="Asked for his gran.")],
        removed_at=clock.now() - timedelta(minutes=10),
        reason="Mother very intoxicated and barefoot at the school gate.",
        place_kind="foster_care",
        place_name="Emergency foster placement",
        parents_informed="Told by phone at 15:00.",
        offences_against_child="no",
    ).protection

    worker = Worker(name="protection-test", sweep_interval_seconds=365 * 24 * 3600)
    for _ in range(10):
        if not worker.tick():
            break

    [received] = smtp_server.received
    assert received.rcpt_tos == ("edt@nyc.test",)
    assert received.message_id == transports.message_id_for(f"police_protection:{p.pk}:{nyc.pk}")
    assert p.reference in received.body
    for detail in ("Ava", "Noah", "Dale", "Grove Road", "HG1", "intoxicated", "foster"):
        assert detail not in received.body and detail not in received.subject
    message = OutboxMessage.objects.get(kind="police_protection")
    assert message.status == OutboxStatus.DELIVERED and message.delivered_at <= message.deliver_by
