"""Verbs for the control room: incident.create, incident.regrade, incident.allocate, incident.close, thrive.record."""

from __future__ import annotations

from typing import Any

from childsafe.core import approvals
from childsafe.core.models import Approval, Team
from childsafe.incidents import services
from childsafe.incidents.models import Incident
from childsafe.scenarios.replay import Context, StepResult
from childsafe.scenarios.verbs import verb


def _shown(result: services.IncidentRecorded) -> dict[str, Any]:
    markers: set[str] = set()
    for picture in result.pictures.values():
        markers |= set(picture.shown_markers)
    return {"markers": sorted(markers)}


@verb(
    "incident.create",
    fields={"type", "location", "grade", "children", "adults", "summary", "evidence_advice_given", "occurred_at"},
    required={"type", "grade", "summary"},
)
def incident_create(ctx: Context, args: dict[str, Any]) -> StepResult:
    children = [
        services.ChildOnIncident(ctx.person(c["child"]), c.get("present"), c.get("resident"))
        for c in args.get("children") or []
    ]
    adults = [
        services.AdultOnIncident(ctx.person(a["person"]), str(a.get("role", "other"))) for a in args.get("adults") or []
    ]
    recorded = services.incident_record(
        actor=ctx.actor,
        type=str(args["type"]),
        grade=args["grade"],
        location=str(args.get("location", "")),
        summary=str(args["summary"]),
        children=children,
        adults=adults,
        evidence_advice_given=args.get("evidence_advice_given"),
        # When it happened, if earlier than the step ("-7d": recorded a week late); default: the step's time.
        occurred_at=ctx.time(args["occurred_at"]) if args.get("occurred_at") is not None else None,
        channel="replay",
    )
    return StepResult(
        record=recorded.incident,
        person_ids=[c.person.pk for c in children],
        prompts=recorded.prompts,
        shown=_shown(recorded),
    )


def _incident(ctx: Context, key: Any) -> Incident:
    record = ctx.record(key)
    if isinstance(record, Incident):
        return record
    incident = getattr(record, "incident", None)
    if incident is None:
        raise ctx.error(f"The record saved as {key!r} is not an incident.")
    return incident


@verb(
    "incident.regrade",
    fields={"incident", "grade", "rationale", "approved_by"},
    required={"incident", "grade", "rationale"},
)
def incident_regrade(ctx: Context, args: dict[str, Any]) -> StepResult:
    """With `approved_by`, the downgrade is asked for by the step's user and approved by that user in a
    step of their own (core.approvals): never a name typed by the requester."""
    incident = _incident(ctx, args["incident"])
    if not args.get("approved_by"):
        incident = services.incident_regrade(
            actor=ctx.actor, incident=incident, grade=args["grade"], rationale=str(args["rationale"]), channel="replay"
        )
        return StepResult(record=incident)
    request = services.incident_regrade_request(
        actor=ctx.actor, incident=incident, grade=args["grade"], rationale=str(args["rationale"]), channel="replay"
    )
    _approve(ctx, request, args["approved_by"])
    incident.refresh_from_db()
    return StepResult(record=incident)


def _approve(ctx: Context, request: Approval, approver_key: Any) -> None:
    approvals.approval_decide(
        actor=ctx.user(approver_key),
        approval=request,
        approve=True,
        reason=f"Approved by {approver_key} in the scenario.",
        channel="replay",
    )


@verb("incident.allocate", fields={"incident", "to"}, required={"incident", "to"})
def incident_allocate(ctx: Context, args: dict[str, Any]) -> StepResult:
    to = str(args["to"])
    user = ctx.users.get(to)
    team = None if user else Team.objects.filter(name__iexact=to).first() or Team.objects.filter(kind=to).first()
    if user is None and team is None:
        raise ctx.error(f"{to!r} is neither a user key nor a team (name or kind, e.g. initial_inquiry).")
    incident = services.incident_allocate(
        actor=ctx.actor, incident=_incident(ctx, args["incident"]), team=team, user=user, channel="replay"
    )
    return StepResult(record=incident)


@verb("incident.close", fields={"incident", "outcome", "reason", "approved_by"}, required={"incident", "outcome"})
def incident_close(ctx: Context, args: dict[str, Any]) -> StepResult:
    """With `approved_by` (and the requester's `reason`), the closure is asked for and approved in the
    approver's own step, as for a downgrade."""
    incident = _incident(ctx, args["incident"])
    if not args.get("approved_by"):
        incident = services.incident_close(
            actor=ctx.actor, incident=incident, outcome=str(args["outcome"]), channel="replay"
        )
        return StepResult(record=incident)
    request = services.incident_close_request(
        actor=ctx.actor,
        incident=incident,
        outcome=str(args["outcome"]),
        reason=str(args.get("reason", "")),
        channel="replay",
    )
    _approve(ctx, request, args["approved_by"])
    incident.refresh_from_db()
    return StepResult(record=incident)


@verb(
    "thrive.record",
    fields={"incident", "episode", "threat", "harm", "risk", "investigation", "vulnerability", "engagement"},
    required={"threat", "harm", "risk", "investigation", "vulnerability", "engagement"},
)
def thrive_record(ctx: Context, args: dict[str, Any]) -> StepResult:
    key = args.get("incident") or args.get("episode")
    if key is None:
        raise ctx.error("thrive.record needs an incident or an episode.")
    thrive, prompts = services.thrive_record(
        actor=ctx.actor,
        incident=_incident(ctx, key),
        **{k: str(args[k]) for k in ("threat", "harm", "risk", "investigation", "vulnerability", "engagement")},
        channel="replay",
    )
    return StepResult(record=thrive, prompts=prompts)
