"""Verbs for missing children (MP rules), trigger plans, return home interviews and hotspot plans."""

from __future__ import annotations

from typing import Any

from childsafe.missing import services
from childsafe.missing.models import MissingEpisode
from childsafe.people.models import Location
from childsafe.people.places import location_key
from childsafe.scenarios.loader import check_fields, line_of
from childsafe.scenarios.replay import Context, StepResult
from childsafe.scenarios.verbs import person_setup_field, verb


def _episode(ctx: Context, key: Any) -> MissingEpisode:
    record = ctx.record(key)
    if not isinstance(record, MissingEpisode):
        raise ctx.error(f"The record saved as {key!r} is not a missing episode.")
    record.refresh_from_db()
    return record


@verb(
    "missing.report",
    fields={"child", "reported_by", "last_seen_at", "last_seen_place", "circumstances", "returned"},
    required={"child", "reported_by"},
)
def missing_report(ctx: Context, args: dict[str, Any]) -> StepResult:
    reported = services.missing_report(
        actor=ctx.actor,
        child=ctx.person(args["child"]),
        reported_by=str(args["reported_by"]),
        last_seen_at=ctx.time(args["last_seen_at"]) if args.get("last_seen_at") is not None else None,
        last_seen_place=str(args.get("last_seen_place", "")),
        circumstances=str(args.get("circumstances", "")),
        returned_before_report=bool(args.get("returned", False)),
        channel="replay",
    )
    return StepResult(
        record=reported.episode,
        person_ids=[reported.episode.person_id],
        prompts=reported.prompts,
        shown={"markers": reported.picture.shown_markers, "sections": [s.key for s in reported.picture.sections]},
    )


@verb(
    "missing.grade",
    fields={"episode", "grade", "rationale", "markers_acknowledged", "duplicates"},
    required={"episode", "grade", "rationale"},
)
def missing_grade(ctx: Context, args: dict[str, Any]) -> StepResult:
    """`duplicates: {person key: {decision: link | not_same, reason}}` decides records that may be the child."""
    decisions = {}
    for key, spec in (args.get("duplicates") or {}).items():
        check_fields(spec, {"decision", "reason"}, "A duplicate decision", ctx.path, required={"decision"})
        decisions[ctx.person(key).pk] = services.DuplicateDecision(
            str(spec["decision"]), str(spec.get("reason", "") or "")
        )
    graded = services.episode_grade(
        actor=ctx.actor,
        episode=_episode(ctx, args["episode"]),
        grade=str(args["grade"]),
        rationale=str(args["rationale"]),
        markers_acknowledged=dict(args.get("markers_acknowledged") or {}),
        duplicates=decisions,
        channel="replay",
    )
    return StepResult(record=graded.episode, prompts=graded.prompts)


@verb("missing.assign", fields={"episode", "to"}, required={"episode", "to"})
def missing_assign(ctx: Context, args: dict[str, Any]) -> StepResult:
    episode = services.episode_assign(
        actor=ctx.actor, episode=_episode(ctx, args["episode"]), to=ctx.user(args["to"]), channel="replay"
    )
    return StepResult(record=episode)


@verb(
    "missing.action",
    fields={"episode", "action", "owner", "done", "delay_reason"},
    required={"episode", "action", "owner"},
)
def missing_action(ctx: Context, args: dict[str, Any]) -> StepResult:
    line, prompts = services.episode_action_add(
        actor=ctx.actor,
        episode=_episode(ctx, args["episode"]),
        action=str(args["action"]),
        owner=ctx.user(args["owner"]),
        done=bool(args.get("done", False)),
        delay_reason=str(args.get("delay_reason", "")),
        channel="replay",
    )
    return StepResult(record=line, prompts=prompts)


@verb("missing.review", fields={"episode", "note"}, required={"episode", "note"})
def missing_review(ctx: Context, args: dict[str, Any]) -> StepResult:
    review, prompts = services.episode_review(
        actor=ctx.actor, episode=_episode(ctx, args["episode"]), note=str(args["note"]), channel="replay"
    )
    return StepResult(record=review, prompts=prompts)


@verb("missing.believed", fields={"episode", "place"}, required={"episode", "place"})
def missing_believed(ctx: Context, args: dict[str, Any]) -> StepResult:
    """Where a missing child is believed to be (MP-12 counts it towards hotspots)."""
    where = services.episode_place_believed(
        actor=ctx.actor, episode=_episode(ctx, args["episode"]), place=str(args["place"]), channel="replay"
    )
    return StepResult(record=where)


@verb("missing.found", fields={"episode", "place", "found_by", "self_returned", "at"}, required={"episode", "place"})
def missing_found(ctx: Context, args: dict[str, Any]) -> StepResult:
    episode = services.episode_found(
        actor=ctx.actor,
        episode=_episode(ctx, args["episode"]),
        place=str(args["place"]),
        found_by=ctx.user(args["found_by"]) if args.get("found_by") else None,
        self_returned=bool(args.get("self_returned", False)),
        found_at=ctx.time(args["at"]) if args.get("at") is not None else None,
        channel="replay",
    )
    return StepResult(record=episode)


@verb(
    "missing.safe_and_well",
    fields={"episode", "where", "with_whom", "harm", "disclosures", "voice", "aware", "new_concerns"},
    required={"episode"},
)
def missing_safe_and_well(ctx: Context, args: dict[str, Any]) -> StepResult:
    check, prompts = services.episode_safe_and_well(
        actor=ctx.actor,
        episode=_episode(ctx, args["episode"]),
        **{k: str(args.get(k, "")) for k in ("where", "with_whom", "harm", "disclosures", "voice")},
        aware={k: str(v) for k, v in (args.get("aware") or {}).items()},
        new_concerns=bool(args.get("new_concerns")),
        channel="replay",
    )
    return StepResult(record=check, prompts=prompts)


@verb("missing.close", fields={"episode"}, required={"episode"})
def missing_close(ctx: Context, args: dict[str, Any]) -> StepResult:
    return StepResult(
        record=services.episode_close(actor=ctx.actor, episode=_episode(ctx, args["episode"]), channel="replay")
    )


@verb("rhi.receive", fields={"episode", "summary"}, required={"episode", "summary"})
def rhi_receive(ctx: Context, args: dict[str, Any]) -> StepResult:
    rhi = services.rhi_receive(
        actor=ctx.actor, episode=_episode(ctx, args["episode"]), summary=str(args["summary"]), channel="replay"
    )
    return StepResult(record=rhi)


@verb(
    "trigger_plan.create",
    fields={"child", "places", "associates", "phone", "notes", "description", "transport", "risks", "photo_reference"},
    required={"child"},
)
def trigger_plan_create(ctx: Context, args: dict[str, Any]) -> StepResult:
    fields = {k: str(v) for k, v in args.items() if k != "child"}
    for key in ("places", "associates"):
        if isinstance(args.get(key), list):
            fields[key] = "; ".join(str(v) for v in args[key])
    plan = services.trigger_plan_create(actor=ctx.actor, child=ctx.person(args["child"]), channel="replay", **fields)
    return StepResult(record=plan, person_ids=[plan.person_id])


@verb("location.plan", fields={"location", "owner", "plan"}, required={"location", "owner", "plan"})
def location_plan(ctx: Context, args: dict[str, Any]) -> StepResult:
    location = Location.objects.filter(normalised=location_key(str(args["location"]))).first()
    if location is None:
        raise ctx.error(f"No place recorded as {args['location']!r}.")
    row = services.location_plan(
        actor=ctx.actor, location=location, owner=ctx.user(args["owner"]), plan=str(args["plan"]), channel="replay"
    )
    return StepResult(record=row)


@person_setup_field("missing_history")
def missing_history(ctx: Context, person, value: Any, line: int) -> None:
    if not isinstance(value, list):
        raise ctx.error("missing_history is a list of {from, to, found_at}.", line)
    for item in value:
        check_fields(item, {"from", "to", "found_at"}, "A missing_history entry", ctx.path, required={"from"})
        ctx.line = line_of(item, line)
        services.history_import(
            person=person,
            reported_at=ctx.time(item["from"]),
            found_at=ctx.time(item["to"]) if item.get("to") else None,
            found_place=str(item.get("found_at", "")),
            source="Scenario history",
        )
