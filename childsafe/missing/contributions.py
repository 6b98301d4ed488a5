"""What missing children adds to the intelligence check (CR-4) and the child's chronology (PL-1)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django.apps import apps
from django.db.models import Q

from childsafe.core import clock
from childsafe.missing.models import (
    MissingEpisode,
    RiskGrade,
    TriggerPlan,
)
from childsafe.missing.rules import priority_missing_since, year_of_episodes
from childsafe.people.access import involvement_check
from childsafe.people.chronology import Entry, Reads, Rows, Sql, read, when
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


# ADR 0065: a row when the child has ever been reported missing (the history section counts the last
# year's).
_MISSING_PROBE = "SELECT 1 FROM missing_missingepisode e WHERE e.person_id IN ({ids})"

# ADR 0065: the trigger plan section shows a plan not ended, or says there is none for a priority missing
# child: one who has been reported missing (ever: MP-5 counts the recent ones) or is at high exploitation risk.
_TRIGGER_PLAN_PROBE = (
    "SELECT 1 FROM missing_triggerplan t WHERE t.person_id IN ({ids}) AND t.ended_at IS NULL "  # noqa: S608 -- constants
    "UNION ALL " + _MISSING_PROBE
)
if apps.is_installed("childsafe.exploitation"):  # as MP-5 itself asks (missing.rules._with_high_risk)
    from childsafe.exploitation.models import RiskLevel

    _TRIGGER_PLAN_PROBE += (
        """ UNION ALL SELECT 1 FROM exploitation_assessment a WHERE a.person_id IN ({ids}) AND a."current" """  # noqa: S608 -- a constant
        f"AND a.level = '{RiskLevel.HIGH.value}'"
    )


@intelligence_provider("trigger_plan", probe=_TRIGGER_PLAN_PROBE)
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


@intelligence_provider("missing_history", probe=_MISSING_PROBE)
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

# Plain rows in the chronology's one statement (ADR 0036, 0053, 0059): the columns the entries show and
# nothing else (the JSON fields, questionnaire and markers acknowledged, are never read here).
# An episode's latest entry: imported history shows only its report and grading (ADR 0036).
_EPISODES = Sql(
    (
        "e.id",
        "e.person_id",
        "e.imported",
        "e.reported_at",
        "e.reported_by",
        "e.circumstances",
        "e.graded_at",
        "e.grade",
        "e.rationale",
        "e.found_at",
        "e.found_location_id",
        "l.name",
        "l.line1",
        "l.line2",
        "l.town",
        "l.postcode",
        "e.closed_at",
    ),
    """
    FROM missing_missingepisode e LEFT JOIN people_location l ON l.id = e.found_location_id
    WHERE e.person_id IN {ids}
    ORDER BY CASE WHEN e.imported THEN COALESCE(e.graded_at, e.reported_at)
                  ELSE {greatest}(COALESCE(e.closed_at, e.reported_at), COALESCE(e.found_at, e.reported_at),
                                  COALESCE(e.graded_at, e.reported_at)) END DESC,
             e.id DESC {limit}""",
)
_CHECKS = Sql(
    ("c.at", "c.new_concerns", 'c."where"', "c.with_whom", "c.voice", "c.episode_id", "e.person_id"),
    """
    FROM missing_safeandwellcheck c JOIN missing_missingepisode e ON e.id = c.episode_id
    WHERE e.person_id IN {ids}
    ORDER BY c.at DESC, c.id DESC {limit}""",
)
_INTERVIEWS = Sql(
    ("r.received_at", "r.received_from", "r.summary", "r.episode_id", "e.person_id"),
    """
    FROM missing_returnhomeinterview r JOIN missing_missingepisode e ON e.id = r.episode_id
    WHERE e.person_id IN {ids}
    ORDER BY r.received_at DESC, r.id DESC {limit}""",
)
_PLANS = Sql(
    ("t.created_at", "t.places", "t.person_id"),
    """
    FROM missing_triggerplan t
    WHERE t.person_id IN {ids}
    ORDER BY t.created_at DESC, t.id DESC {limit}""",
)


@chronology_provider("missing")
def missing_chronology(person_ids: list[int], user, limit: int | None = None) -> Reads:
    return Reads([read(sql, person_ids, limit) for sql in (_EPISODES, _CHECKS, _INTERVIEWS, _PLANS)], _entries)


def _entries(rows: list[Rows]) -> Iterator[Entry]:
    episodes, checks, interviews, plans = rows
    for row in episodes:
        pk, person_id, imported, reported_at, reported_by, circumstances, graded_at, grade, rationale = row[:9]
        found_at, found_location_id, place, closed_at = row[9], row[10], row[11:-1], row[-1]
        url = "" if imported else f"/missing/{pk}/"
        yield Entry(
            when(reported_at),
            "missing",
            "Reported missing" + (" (imported history)" if imported else ""),
            detail=f"Reported by {reported_by}. {circumstances}".strip(),
            url=url,
            source="missing",
            person_id=person_id,
        )
        if graded_at:
            yield Entry(
                when(graded_at),
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
                when(found_at),
                "missing",
                f"Found at {where}",
                url=url,
                source="missing",
                person_id=person_id,
            )
        if closed_at and not imported:
            yield Entry(
                when(closed_at), "missing", "Missing episode closed", url=url, source="missing", person_id=person_id
            )
    for at, new_concerns, where, with_whom, voice, episode_id, person_id in checks:
        yield Entry(
            when(at),
            "safe_and_well",
            "Safe and well check" + (" (new concerns)" if new_concerns else ""),
            detail=f"Where: {where}. With: {with_whom}. In their words: {voice}",
            url=f"/missing/{episode_id}/safe-and-well/",
            source="missing",
            person_id=person_id,
        )
    for received_at, received_from, summary, episode_id, person_id in interviews:
        yield Entry(
            when(received_at),
            "rhi",
            f"Return home interview received from {received_from}",
            detail=summary,
            url=f"/missing/{episode_id}/",
            source="missing",
            person_id=person_id,
        )
    for created_at, places, person_id in plans:
        yield Entry(
            when(created_at),
            "trigger_plan",
            "Trigger plan recorded",
            detail=places,
            source="missing",
            person_id=person_id,
        )
