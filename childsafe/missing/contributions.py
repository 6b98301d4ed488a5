"""What missing children adds to the intelligence check (CR-4) and the child's chronology (PL-1)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Case, Q, When
from django.db.models.functions import Coalesce, Greatest

from childsafe.core import clock
from childsafe.missing.models import (
    MissingEpisode,
    ReturnHomeInterview,
    RiskGrade,
    SafeAndWellCheck,
    TriggerPlan,
)
from childsafe.missing.rules import priority_missing_since, year_of_episodes
from childsafe.people.access import involvement_check
from childsafe.people.chronology import Entry
from childsafe.people.chronology import provider as chronology_provider
from childsafe.people.intelligence import Section
from childsafe.people.intelligence import provider as intelligence_provider


@involvement_check
def officer_in_the_case(user, person) -> bool:
    """The officer in the case of a child's open missing episode, or who graded it, works that child."""
    return (
        MissingEpisode.objects.filter(person=person, closed_at__isnull=True)
        .filter(Q(officer_in_case=user) | Q(graded_by=user) | Q(lines_of_enquiry__owner=user))
        .exists()
    )


@intelligence_provider("trigger_plan")
def trigger_plan_section(cluster: list[int]) -> Section | None:
    plan = TriggerPlan.objects.filter(person_id__in=cluster, ended_at__isnull=True).order_by("-created_at").first()
    priority = bool(priority_missing_since(cluster))
    if plan is None:
        if not priority:
            return None
        return Section(
            "trigger_plan",
            "Trigger plan",
            [],
            priority=0,
            warning="Priority missing and there is NO trigger plan (MP-5). MHET must make one.",
            data={"priority_missing": True, "plan": None},
        )
    items = [
        f"{label}: {value}"
        for label, value in (
            ("Description", plan.description),
            ("Photo", plan.photo_reference),
            ("Places", plan.places),
            ("Associates", plan.associates),
            ("Phone", plan.phone),
            ("Transport", plan.transport),
            ("Risks", plan.risks),
            ("Notes", plan.notes),
        )
        if value
    ]
    overdue = plan.review_due < clock.today_london()
    return Section(
        "trigger_plan",
        "Trigger plan",
        items,
        priority=0,
        warning="Trigger plan review overdue." if overdue else "",
        data={"priority_missing": priority, "plan": plan.pk},
    )


@intelligence_provider("missing_history")
def missing_history_section(cluster: list[int]) -> Section | None:
    now = clock.now()
    episodes = year_of_episodes(cluster)  # shared with MP-5's count in the trigger plan section (ADR 0053)
    if not episodes:
        return None
    in_90 = sum(1 for e in episodes if e.reported_at > now - timedelta(days=90))
    places = sorted({str(e.found_location) for e in episodes if e.found_location})
    items = [f"{in_90} episode(s) in the last 90 days, {len(episodes)} in the last 12 months."]
    if places:
        items.append(f"Found before at: {'; '.join(places)}")
    return Section(
        "missing_history",
        "Missing history",
        items,
        priority=20,
        data={"count_90_days": in_90, "count_12_months": len(episodes), "found_at": places},
    )


_GRADES = dict(RiskGrade.choices)
# A place's parts, as people.Location shows them.
_PLACE = ("name", "line1", "line2", "town", "postcode")


def _latest(qs, limit: int | None):
    return qs[:limit] if limit is not None else qs


@chronology_provider("missing")
def missing_chronology(person_ids: list[int], user, limit: int | None = None) -> Iterable[Entry]:
    # The JSON fields (questionnaire, markers acknowledged) are never shown here: not read, not decoded.
    # An episode's latest entry: imported history shows only its report and grading (ADR 0036).
    # Greatest of non-null values on both databases (SQLite's max() is null if any argument is).
    graded = Coalesce("graded_at", "reported_at")
    latest = Case(
        When(imported=True, then=graded),
        default=Greatest(Coalesce("closed_at", "reported_at"), Coalesce("found_at", "reported_at"), graded),
    )
    # Plain rows, not model objects: the columns the entries show, and nothing else (ADR 0036, 0053).
    episodes = (
        MissingEpisode.objects.filter(person_id__in=person_ids)
        .annotate(latest=latest)
        .order_by("-latest", "-id")
        .values_list(
            "pk",
            "person_id",
            "imported",
            "reported_at",
            "reported_by",
            "circumstances",
            "graded_at",
            "grade",
            "rationale",
            "found_at",
            "found_location_id",
            *(f"found_location__{f}" for f in _PLACE),
            "closed_at",
        )
    )
    for row in _latest(episodes, limit):
        pk, person_id, imported, reported_at, reported_by, circumstances, graded_at, grade, rationale = row[:9]
        found_at, found_location_id, place, closed_at = row[9], row[10], row[11:-1], row[-1]
        url = "" if imported else f"/missing/{pk}/"
        yield Entry(
            reported_at,
            "missing",
            "Reported missing" + (" (imported history)" if imported else ""),
            detail=f"Reported by {reported_by}. {circumstances}".strip(),
            url=url,
            source="missing",
            person_id=person_id,
        )
        if graded_at:
            yield Entry(
                graded_at,
                "missing",
                f"Graded {str(_GRADES.get(grade, grade)).lower()} risk",
                detail=rationale,
                url=url,
                source="missing",
                person_id=person_id,
            )
        if found_at and not imported:
            where = ", ".join(p for p in place if p) if found_location_id is not None else "an unrecorded place"
            yield Entry(
                found_at,
                "missing",
                f"Found at {where}",
                url=url,
                source="missing",
                person_id=person_id,
            )
        if closed_at and not imported:
            yield Entry(closed_at, "missing", "Missing episode closed", url=url, source="missing", person_id=person_id)
    checks = (
        SafeAndWellCheck.objects.filter(episode__person_id__in=person_ids)
        .order_by("-at", "-id")
        .values_list("at", "new_concerns", "where", "with_whom", "voice", "episode_id", "episode__person_id")
    )
    for at, new_concerns, where, with_whom, voice, episode_id, person_id in _latest(checks, limit):
        yield Entry(
            at,
            "safe_and_well",
            "Safe and well check" + (" (new concerns)" if new_concerns else ""),
            detail=f"Where: {where}. With: {with_whom}. In their words: {voice}",
            url=f"/missing/{episode_id}/safe-and-well/",
            source="missing",
            person_id=person_id,
        )
    rhis = (
        ReturnHomeInterview.objects.filter(episode__person_id__in=person_ids)
        .order_by("-received_at", "-id")
        .values_list("received_at", "received_from", "summary", "episode_id", "episode__person_id")
    )
    for received_at, received_from, summary, episode_id, person_id in _latest(rhis, limit):
        yield Entry(
            received_at,
            "rhi",
            f"Return home interview received from {received_from}",
            detail=summary,
            url=f"/missing/{episode_id}/",
            source="missing",
            person_id=person_id,
        )
    for plan in _latest(TriggerPlan.objects.filter(person_id__in=person_ids).order_by("-created_at", "-id"), limit):
        yield Entry(
            plan.created_at,
            "trigger_plan",
            "Trigger plan recorded",
            detail=plan.places,
            source="missing",
            person_id=plan.person_id,
        )
