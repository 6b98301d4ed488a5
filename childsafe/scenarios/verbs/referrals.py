"""Verbs for referrals: ppn.submit, ppn.triage, ppn.acknowledge."""

from __future__ import annotations

from typing import Any

from childsafe.referrals import services
from childsafe.referrals.models import Ppn
from childsafe.scenarios.loader import check_fields, line_of
from childsafe.scenarios.replay import Context, StepResult
from childsafe.scenarios.verbs import verb


def _ppn(ctx: Context, key: Any) -> Ppn:
    record = ctx.record(key)
    if not isinstance(record, Ppn):
        raise ctx.error(f"The record saved as {key!r} is not a PPN.")
    record.refresh_from_db()
    return record


@verb("ppn.submit", fields={"concern", "incident", "children", "other_children"}, required={"concern", "children"})
def ppn_submit(ctx: Context, args: dict[str, Any]) -> StepResult:
    children = []
    for entry in args.get("children") or []:
        check_fields(entry, {"child", "aware", "voice", "ethnicity"}, "A PPN child", ctx.path, required={"child"})
        ctx.line = line_of(entry, ctx.line)
        children.append(
            services.PpnChildInput(
                person=ctx.person(entry["child"]),
                aware={k: str(v) for k, v in (entry.get("aware") or {}).items()},
                voice=str(entry.get("voice", "") or ""),
                ethnicity=str(entry.get("ethnicity", "") or ""),
            )
        )
    incident = ctx.record(args["incident"]) if args.get("incident") else None
    submitted = services.ppn_submit(
        actor=ctx.actor,
        concern=str(args["concern"]),
        children=children,
        incident=incident,
        other_children=str(args.get("other_children", "")),
        channel="replay",
    )
    return StepResult(record=submitted.ppn, person_ids=[c.person.pk for c in children], prompts=submitted.prompts)


@verb("ppn.triage", fields={"ppn", "decision", "partners", "reason"}, required={"ppn", "decision"})
def ppn_triage(ctx: Context, args: dict[str, Any]) -> StepResult:
    ppn = services.ppn_triage(
        actor=ctx.actor,
        ppn=_ppn(ctx, args["ppn"]),
        decision=str(args["decision"]),
        partners=[ctx.organisation(k) for k in args.get("partners") or []],
        reason=str(args.get("reason", "")),
        channel="replay",
    )
    return StepResult(record=ppn)


@verb("ppn.acknowledge", fields={"ppn", "by"}, required={"ppn"})
def ppn_acknowledge(ctx: Context, args: dict[str, Any]) -> StepResult:
    actor = ctx.user(args["by"]) if args.get("by") else ctx.actor
    share = services.ppn_acknowledge(actor=actor, ppn=_ppn(ctx, args["ppn"]), channel="replay")
    return StepResult(record=share)
