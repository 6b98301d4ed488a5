"""Verbs for investigations (INV rules): investigation.*, suspect.access_to_children, bail.*, forensic.*, dfu.*,
vio.*, and ppn.delay (RF-7's approved delay on whichever record started the clock)."""

from __future__ import annotations

from typing import Any

from django.db import models

from childsafe.investigations import services
from childsafe.investigations.models import (
    Allocation,
    Bail,
    DfuRequest,
    ForensicSubmission,
    Investigation,
    SupervisionReview,
    SuspectAccess,
    VioOffer,
)
from childsafe.missing.models import SafeAndWellCheck
from childsafe.referrals import services as referral_services
from childsafe.scenarios.replay import Context, StepResult
from childsafe.scenarios.verbs import verb


def _saved(ctx: Context, key: Any, model: type[models.Model], label: str) -> Any:
    record = ctx.record(key)
    if not isinstance(record, model):
        raise ctx.error(f"The record saved as {key!r} is not {label}.")
    record.refresh_from_db()
    return record


def _investigation(ctx: Context, key: Any) -> Investigation:
    record = ctx.record(key)
    # A step may name the investigation through anything saved from it (an allocation, a review...).
    if isinstance(record, (Allocation, SupervisionReview, SuspectAccess, Bail, DfuRequest, ForensicSubmission)):
        record = record.investigation
    if not isinstance(record, Investigation):
        raise ctx.error(f"The record saved as {key!r} is not an investigation.")
    record.refresh_from_db()
    return record


def _people(ctx: Context, keys: Any) -> list:
    return [ctx.person(k) for k in keys or []]


@verb(
    "investigation.open",
    fields={"type", "victims", "suspects", "summary", "incident"},
    required={"type", "summary"},
)
def investigation_open(ctx: Context, args: dict[str, Any]) -> StepResult:
    victims, suspects = _people(ctx, args.get("victims")), _people(ctx, args.get("suspects"))
    incident = ctx.record(args["incident"]) if args.get("incident") else None
    opened = services.investigation_open(
        actor=ctx.actor,
        type=str(args["type"]),
        victims=victims,
        suspects=suspects,
        summary=str(args["summary"]),
        incident=incident,  # type: ignore[arg-type]
        channel="replay",
    )
    return StepResult(record=opened.record, person_ids=[p.pk for p in victims], prompts=opened.prompts)


@verb("investigation.allocate", fields={"investigation", "to", "rationale"}, required={"investigation", "to"})
def investigation_allocate(ctx: Context, args: dict[str, Any]) -> StepResult:
    allocation = services.investigation_allocate(
        actor=ctx.actor,
        investigation=_investigation(ctx, args["investigation"]),
        officer=ctx.user(args["to"]),
        rationale=str(args.get("rationale", "") or ""),
        channel="replay",
    )
    return StepResult(record=allocation)


@verb(
    "investigation.supervise",
    fields={"investigation", "lines_of_enquiry", "safeguarding_actions", "other_children", "next_review"},
    required={"investigation", "lines_of_enquiry", "safeguarding_actions", "other_children", "next_review"},
)
def investigation_supervise(ctx: Context, args: dict[str, Any]) -> StepResult:
    saved = services.investigation_supervise(
        actor=ctx.actor,
        investigation=_investigation(ctx, args["investigation"]),
        lines_of_enquiry=str(args["lines_of_enquiry"]),
        safeguarding_actions=str(args["safeguarding_actions"]),
        other_children=str(args["other_children"]),
        next_review_at=ctx.time(args["next_review"]),
        channel="replay",
    )
    return StepResult(record=saved.record, prompts=saved.prompts)


@verb("investigation.activity", fields={"investigation", "note"}, required={"investigation", "note"})
def investigation_activity(ctx: Context, args: dict[str, Any]) -> StepResult:
    saved = services.investigation_activity(
        actor=ctx.actor,
        investigation=_investigation(ctx, args["investigation"]),
        note=str(args["note"]),
        channel="replay",
    )
    return StepResult(record=saved.record, prompts=saved.prompts)


@verb("investigation.close", fields={"investigation", "outcome", "rationale"}, required={"investigation", "outcome"})
def investigation_close(ctx: Context, args: dict[str, Any]) -> StepResult:
    inv = services.investigation_close(
        actor=ctx.actor,
        investigation=_investigation(ctx, args["investigation"]),
        outcome=str(args["outcome"]),
        rationale=str(args.get("rationale", "") or ""),
        channel="replay",
    )
    return StepResult(record=inv)


@verb(
    "suspect.access_to_children",
    fields={"investigation", "suspect", "source", "detail", "children"},
    required={"investigation", "suspect", "source", "detail"},
)
def suspect_access(ctx: Context, args: dict[str, Any]) -> StepResult:
    children = _people(ctx, args.get("children"))
    saved = services.suspect_access_record(
        actor=ctx.actor,
        investigation=_investigation(ctx, args["investigation"]),
        suspect=ctx.person(args["suspect"]),
        source=str(args["source"]),
        detail=str(args["detail"]),
        children=children,
        channel="replay",
    )
    return StepResult(record=saved.record, person_ids=[c.pk for c in children], prompts=saved.prompts)


@verb(
    "bail.set",
    fields={"investigation", "suspect", "conditions", "ends"},
    required={"investigation", "suspect", "conditions", "ends"},
)
def bail_set(ctx: Context, args: dict[str, Any]) -> StepResult:
    bail = services.bail_set(
        actor=ctx.actor,
        investigation=_investigation(ctx, args["investigation"]),
        suspect=ctx.person(args["suspect"]),
        conditions=str(args["conditions"]),
        ends_at=ctx.time(args["ends"]),
        channel="replay",
    )
    return StepResult(record=bail, person_ids=[bail.suspect_id])


@verb("bail.end", fields={"bail", "outcome", "ends"}, required={"bail", "outcome"})
def bail_end(ctx: Context, args: dict[str, Any]) -> StepResult:
    bail = services.bail_end(
        actor=ctx.actor,
        bail=_saved(ctx, args["bail"], Bail, "bail"),
        outcome=str(args["outcome"]),
        ends_at=ctx.time(args["ends"]) if args.get("ends") is not None else None,
        channel="replay",
    )
    return StepResult(record=bail)


@verb("forensic.submit", fields={"investigation", "item"}, required={"investigation", "item"})
def forensic_submit(ctx: Context, args: dict[str, Any]) -> StepResult:
    sub = services.forensic_submit(
        actor=ctx.actor,
        investigation=_investigation(ctx, args["investigation"]),
        item=str(args["item"]),
        channel="replay",
    )
    return StepResult(record=sub)


@verb("forensic.return", fields={"submission", "reason"}, required={"submission", "reason"})
def forensic_return(ctx: Context, args: dict[str, Any]) -> StepResult:
    sub = services.forensic_return(
        actor=ctx.actor,
        submission=_saved(ctx, args["submission"], ForensicSubmission, "a forensic submission"),
        reason=str(args["reason"]),
        channel="replay",
    )
    return StepResult(record=sub)


@verb("forensic.resubmit", fields={"submission"}, required={"submission"})
def forensic_resubmit(ctx: Context, args: dict[str, Any]) -> StepResult:
    sub = services.forensic_resubmit(
        actor=ctx.actor,
        submission=_saved(ctx, args["submission"], ForensicSubmission, "a forensic submission"),
        channel="replay",
    )
    return StepResult(record=sub)


@verb("dfu.submit", fields={"investigation", "devices", "priority", "reason"}, required={"investigation", "devices"})
def dfu_submit(ctx: Context, args: dict[str, Any]) -> StepResult:
    request = services.dfu_submit(
        actor=ctx.actor,
        investigation=_investigation(ctx, args["investigation"]),
        devices=[str(d) for d in args.get("devices") or []],
        priority=bool(args.get("priority", False)),
        reason=str(args.get("reason", "") or ""),
        channel="replay",
    )
    return StepResult(record=request)


@verb("dfu.start", fields={"request"}, required={"request"})
def dfu_start(ctx: Context, args: dict[str, Any]) -> StepResult:
    request = services.dfu_start(
        actor=ctx.actor, request=_saved(ctx, args["request"], DfuRequest, "a DFU request"), channel="replay"
    )
    return StepResult(record=request)


@verb("dfu.complete", fields={"request", "summary"}, required={"request", "summary"})
def dfu_complete(ctx: Context, args: dict[str, Any]) -> StepResult:
    request = services.dfu_complete(
        actor=ctx.actor,
        request=_saved(ctx, args["request"], DfuRequest, "a DFU request"),
        summary=str(args["summary"]),
        channel="replay",
    )
    return StepResult(record=request)


@verb("vio.offer", fields={"investigation", "message"}, required={"investigation", "message"})
def vio_offer(ctx: Context, args: dict[str, Any]) -> StepResult:
    offer = services.vio_offer(
        actor=ctx.actor,
        investigation=_investigation(ctx, args["investigation"]),
        message=str(args["message"]),
        channel="replay",
    )
    return StepResult(record=offer)


@verb("vio.respond", fields={"offer", "response", "reason"}, required={"offer", "response"})
def vio_respond(ctx: Context, args: dict[str, Any]) -> StepResult:
    offer = services.vio_respond(
        actor=ctx.actor,
        offer=_saved(ctx, args["offer"], VioOffer, "an offer of help"),
        response=str(args["response"]),
        reason=str(args.get("reason", "") or ""),
        channel="replay",
    )
    return StepResult(record=offer)


@verb("ppn.delay", fields={"subject", "rationale", "until"}, required={"subject", "rationale", "until"})
def ppn_delay(ctx: Context, args: dict[str, Any]) -> StepResult:
    """The acting user approves the delay as themselves (RF-7: inspector or above)."""
    subject = ctx.record(args["subject"])
    until = ctx.time(args["until"])
    rationale = str(args["rationale"])
    if isinstance(subject, SafeAndWellCheck):
        delay = referral_services.ppn_delay_approve(
            actor=ctx.actor, check=subject, rationale=rationale, until=until, approved_by=ctx.actor, channel="replay"
        )
        return StepResult(record=delay)
    requirement = referral_services.ppn_requirement_for(subject)
    if requirement is None:
        raise ctx.error(f"The record saved as {args['subject']!r} has no PPN clock (RF-7) running.")
    delay = referral_services.ppn_requirement_delay_approve(
        actor=ctx.actor, requirement=requirement, rationale=rationale, until=until, channel="replay"
    )
    return StepResult(record=delay)
