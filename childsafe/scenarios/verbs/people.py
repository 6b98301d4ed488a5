"""Verbs for people: person.create, person.add_marker, school.enrol."""

from __future__ import annotations

from typing import Any

from childsafe.people import services
from childsafe.scenarios.replay import Context, StepResult
from childsafe.scenarios.verbs import verb

PERSON_FIELDS = {"key", "name", "dob", "sex", "ethnicity", "address", "lives_at", "looked_after", "school", "markers"}


@verb("person.create", fields=PERSON_FIELDS, required={"name"}, description="Record a person (PL-2 prompt).")
def person_create(ctx: Context, args: dict[str, Any]) -> StepResult:
    person, prompts = ctx.create_person(args, actor=ctx.actor)
    return StepResult(record=person, person_ids=[person.pk], prompts=prompts)


@verb("person.add_marker", fields={"child", "marker", "source"}, required={"child", "marker"})
def person_add_marker(ctx: Context, args: dict[str, Any]) -> StepResult:
    person = ctx.person(args["child"])
    marker = services.marker_add(
        actor=ctx.actor,
        person=person,
        type=str(args["marker"]),
        source=str(args.get("source") or "Scenario step"),
        channel="replay",
    )
    return StepResult(record=marker, person_ids=[person.pk])


@verb("school.enrol", fields={"child", "school"}, required={"child", "school"})
def school_enrol(ctx: Context, args: dict[str, Any]) -> StepResult:
    person = ctx.person(args["child"])
    enrolment = services.school_enrol(
        actor=ctx.actor, person=person, school=ctx.organisation(args["school"]), channel="replay"
    )
    return StepResult(record=enrolment, person_ids=[person.pk])
