"""Verbs for police protection: protection.start, protection.designate, protection.handover, protection.end."""

from __future__ import annotations

from typing import Any

from childsafe.protection import services
from childsafe.protection.models import PoliceProtection
from childsafe.scenarios.loader import check_fields
from childsafe.scenarios.replay import Context, StepResult
from childsafe.scenarios.verbs import verb


def _protection(ctx: Context, key: Any) -> PoliceProtection:
    record = ctx.record(key)
    if not isinstance(record, PoliceProtection):
        raise ctx.error(f"The record saved as {key!r} is not a police protection.")
    record.refresh_from_db()
    return record


def _person_ids(protection: PoliceProtection) -> list[int]:
    return list(protection.children.values_list("person_id", flat=True))


@verb(
    "protection.start",
    fields={
        "children",
        "incident",
        "removed_at",
        "reason",
        "place_of_safety",
        "la_informed_at",
        "parents_informed",
        "child_wishes",
        "offences_against_child",
        "investigation",
        # FORMAT.md names PP-4's reason `reason` too, which the circumstances already use: it is this one.
        "offences_reason",
    },
    required={"children", "removed_at", "reason", "place_of_safety", "parents_informed", "offences_against_child"},
)
def protection_start(ctx: Context, args: dict[str, Any]) -> StepResult:
    place = args["place_of_safety"]
    if not isinstance(place, dict):
        raise ctx.error("place_of_safety needs kind and name, e.g. {kind: foster_care, name: ...}.")
    check_fields(place, {"kind", "name", "rationale"}, "A place of safety", ctx.path, required={"kind", "name"})
    wishes = str(args.get("child_wishes", "") or "")
    children = [services.ChildInput(person=ctx.person(k), wishes=wishes) for k in args.get("children") or []]
    investigation = ""
    if args.get("investigation"):
        record = ctx.record(args["investigation"])
        investigation = str(getattr(record, "reference", "") or record)
    la_informed = args.get("la_informed_at")
    started = services.protection_start(
        actor=ctx.actor,
        children=children,
        incident=ctx.record(args["incident"]) if args.get("incident") else None,
        removed_at=ctx.time(args["removed_at"]),
        reason=str(args["reason"]),
        place_kind=str(place["kind"]),
        place_name=str(place["name"]),
        place_rationale=str(place.get("rationale", "") or ""),
        la_informed_at=ctx.time(la_informed) if la_informed not in (None, "") else None,
        parents_informed=str(args["parents_informed"]),
        offences_against_child=str(args["offences_against_child"]),
        investigation_reference=investigation,
        offences_reason=str(args.get("offences_reason", "") or ""),
        channel="replay",
    )
    return StepResult(record=started.protection, person_ids=[c.person.pk for c in children], prompts=started.prompts)


@verb("protection.designate", fields={"protection", "officer", "rationale"}, required={"protection", "officer"})
def protection_designate(ctx: Context, args: dict[str, Any]) -> StepResult:
    protection = services.protection_designate(
        actor=ctx.actor,
        protection=_protection(ctx, args["protection"]),
        officer=ctx.user(args["officer"]),
        rationale=str(args.get("rationale", "") or ""),
        channel="replay",
    )
    return StepResult(record=protection, person_ids=_person_ids(protection))


@verb("protection.handover", fields={"protection", "to", "rationale"}, required={"protection", "to"})
def protection_handover(ctx: Context, args: dict[str, Any]) -> StepResult:
    protection = services.protection_handover(
        actor=ctx.actor,
        protection=_protection(ctx, args["protection"]),
        to=ctx.user(args["to"]),
        rationale=str(args.get("rationale", "") or ""),
        channel="replay",
    )
    return StepResult(record=protection, person_ids=_person_ids(protection))


@verb("protection.end", fields={"protection", "outcome", "rationale"}, required={"protection", "outcome"})
def protection_end(ctx: Context, args: dict[str, Any]) -> StepResult:
    protection = services.protection_end(
        actor=ctx.actor,
        protection=_protection(ctx, args["protection"]),
        outcome=str(args["outcome"]),
        rationale=str(args.get("rationale", "") or ""),
        channel="replay",
    )
    return StepResult(record=protection, person_ids=_person_ids(protection))
