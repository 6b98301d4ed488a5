"""Verbs for offender management (RSO-1 to RSO-8): registered sex offenders."""

from __future__ import annotations

import re
from typing import Any

from childsafe.core.errors import InvalidInput
from childsafe.offenders import services
from childsafe.offenders.models import Breach, Offender
from childsafe.scenarios.replay import Context, StepResult
from childsafe.scenarios.verbs import verb

_PERIOD = re.compile(r"^\s*(\d+)\s*y(ears?)?\s*$", re.IGNORECASE)


def _offender(ctx: Context, key: Any) -> Offender:
    record = ctx.record(key)
    if not isinstance(record, Offender):
        raise ctx.error(f"The record saved as {key!r} is not an offender.")
    record.refresh_from_db()
    return record


def _period(ctx: Context, value: Any) -> tuple[int | None, bool]:
    if value is None:
        return None, False
    text = str(value).strip().lower()
    if text == "indefinite":
        return None, True
    match = _PERIOD.match(text)
    if not match:
        raise ctx.error(f"period {value!r}: write a number of years, like 10y, or indefinite.")
    return int(match.group(1)), False


@verb(
    "offender.convict",
    fields={"person", "offence", "notifiable", "court_result_at", "period", "custody"},
    required={"person", "offence", "notifiable", "court_result_at"},
)
def offender_convict(ctx: Context, args: dict[str, Any]) -> StepResult:
    years, indefinite = _period(ctx, args.get("period"))
    convicted = services.offender_convict(
        actor=ctx.actor,
        person=ctx.person(args["person"]),
        offence=str(args["offence"]),
        notifiable=bool(args["notifiable"]),
        court_result_at=ctx.time(args["court_result_at"]),
        period_years=years,
        indefinite=indefinite,
        custody=bool(args.get("custody", False)),
        channel="replay",
    )
    return StepResult(record=convicted.offender, person_ids=[convicted.offender.person_id], prompts=convicted.prompts)


@verb("offender.release", fields={"offender", "at"}, required={"offender", "at"})
def offender_release(ctx: Context, args: dict[str, Any]) -> StepResult:
    offender = _offender(ctx, args["offender"])
    services.offender_release(actor=ctx.actor, offender=offender, at=ctx.time(args["at"]), channel="replay")
    return StepResult(record=offender, person_ids=[offender.person_id])


@verb("offender.notify", fields={"offender", "kind", "where", "detail"}, required={"offender", "kind", "where"})
def offender_notify(ctx: Context, args: dict[str, Any]) -> StepResult:
    notification, prompts = services.notification_record(
        actor=ctx.actor,
        offender=_offender(ctx, args["offender"]),
        kind=str(args["kind"]),
        where=str(args["where"]),
        detail=str(args.get("detail", "") or ""),
        # Foreign travel: a scenario gives no date, so the travel is taken to be a week ahead.
        event_at=ctx.time("+7d") if args["kind"] == "foreign_travel" else None,
        channel="replay",
    )
    return StepResult(record=notification, prompts=prompts)


@verb("offender.risk", fields={"offender", "level", "plan"}, required={"offender", "level", "plan"})
def offender_risk(ctx: Context, args: dict[str, Any]) -> StepResult:
    assessment = services.risk_assess(
        actor=ctx.actor,
        offender=_offender(ctx, args["offender"]),
        level=str(args["level"]),
        plan=str(args["plan"]),
        channel="replay",
    )
    return StepResult(record=assessment)


@verb(
    "offender.visit",
    fields={"offender", "kind", "announced", "officers", "devices_checked"},
    required={"offender", "kind", "officers"},
)
def offender_visit(ctx: Context, args: dict[str, Any]) -> StepResult:
    offender = _offender(ctx, args["offender"])
    known = {d.description.lower(): d for d in offender.devices.filter(removed_at=None)}
    named = [str(d) for d in args.get("devices_checked") or []]
    unknown = [d for d in named if d.lower() not in known]
    if unknown:
        raise InvalidInput(
            {"devices_checked": f"Not recorded on this offender: {', '.join(unknown)}. Record the device first."}
        )
    visit, prompts = services.visit_record(
        actor=ctx.actor,
        offender=offender,
        kind=str(args["kind"]),
        announced=bool(args.get("announced", False)),
        officers=[ctx.user(k) for k in args["officers"] or []],
        devices_checked=[known[d.lower()] for d in named],
        channel="replay",
    )
    return StepResult(record=visit, prompts=prompts)


@verb("offender.device", fields={"offender", "device"}, required={"offender", "device"})
def offender_device(ctx: Context, args: dict[str, Any]) -> StepResult:
    device = services.device_add(
        actor=ctx.actor, offender=_offender(ctx, args["offender"]), description=str(args["device"]), channel="replay"
    )
    return StepResult(record=device)


@verb("offender.breach", fields={"offender", "kind", "detail"}, required={"offender", "kind", "detail"})
def offender_breach(ctx: Context, args: dict[str, Any]) -> StepResult:
    breach = services.breach_record(
        actor=ctx.actor,
        offender=_offender(ctx, args["offender"]),
        kind=str(args["kind"]),
        detail=str(args["detail"]),
        channel="replay",
    )
    return StepResult(record=breach)


@verb(
    "offender.breach_decision",
    fields={"breach", "decision", "rationale"},
    required={"breach", "decision", "rationale"},
)
def offender_breach_decision(ctx: Context, args: dict[str, Any]) -> StepResult:
    record = ctx.record(args["breach"])
    if not isinstance(record, Breach):
        raise ctx.error(f"The record saved as {args['breach']!r} is not a breach.")
    record.refresh_from_db()
    breach = services.breach_decide(
        actor=ctx.actor,
        breach=record,
        decision=str(args["decision"]),
        rationale=str(args["rationale"] or ""),
        channel="replay",
    )
    return StepResult(record=breach)


@verb("offender.child_contact", fields={"offender", "children", "detail"}, required={"offender", "children", "detail"})
def offender_child_contact(ctx: Context, args: dict[str, Any]) -> StepResult:
    children = [ctx.person(k) for k in args["children"] or []]
    contact = services.child_contact_record(
        actor=ctx.actor,
        offender=_offender(ctx, args["offender"]),
        children=children,
        detail=str(args["detail"]),
        channel="replay",
    )
    return StepResult(record=contact, person_ids=[c.pk for c in children])


@verb("offender.disclosure", fields={"offender", "decision", "to", "rationale"}, required={"offender", "decision"})
def offender_disclosure(ctx: Context, args: dict[str, Any]) -> StepResult:
    disclosure = services.disclosure_decide(
        actor=ctx.actor,
        offender=_offender(ctx, args["offender"]),
        decision=str(args["decision"]),
        to=ctx.person(args["to"]) if args.get("to") else None,
        rationale=str(args.get("rationale") or ""),
        channel="replay",
    )
    return StepResult(record=disclosure)


@verb("offender.supervise", fields={"offender", "note"}, required={"offender", "note"})
def offender_supervise(ctx: Context, args: dict[str, Any]) -> StepResult:
    entry = services.supervision_add(
        actor=ctx.actor, offender=_offender(ctx, args["offender"]), note=str(args["note"]), channel="replay"
    )
    return StepResult(record=entry)
