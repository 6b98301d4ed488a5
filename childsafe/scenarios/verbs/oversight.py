"""Verbs for oversight: case audits (QG-2)."""

from __future__ import annotations

from typing import Any

from childsafe.oversight import services
from childsafe.scenarios.replay import Context, StepResult
from childsafe.scenarios.verbs import verb


@verb("case_audit.record", fields={"subject", "grade", "findings"}, required={"subject", "grade"})
def case_audit_record(ctx: Context, args: dict[str, Any]) -> StepResult:
    subject = ctx.record(args["subject"])
    subject.refresh_from_db()
    recorded = services.case_audit_record(
        actor=ctx.actor,
        subject=subject,
        grade=str(args["grade"]),
        findings=str(args.get("findings", "")),
        channel="replay",
    )
    person_id = getattr(subject, "person_id", None)
    return StepResult(record=recorded, person_ids=[person_id] if person_id else [])
