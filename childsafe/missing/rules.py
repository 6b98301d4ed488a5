"""Missing children: MP-1 to MP-13 (RULES.md). Guards are functions the services call; clocks are
queries the sweep runs, each with its horizon (the next deadline), see docs/adr/0004.

Report, 'The initial response to reports of missing children remains inconsistent' and 'The force
hasn't improved arrangements for missing children well enough' (December 2022 audit: five of six
missing-child cases inadequate).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, F, Max, Min, OuterRef

from childsafe.core import engine, memo, policy
from childsafe.core.engine import Finding, Notice, clock_rule, earliest_after
from childsafe.core.errors import RuleRefusal
from childsafe.core.models import Approval, OutboxMessage, Severity, User
from childsafe.core.roles import Role
from childsafe.incidents.models import IncidentType, PersonRole
from childsafe.incidents.services import close_guard
from childsafe.missing.models import (
    CHILD_GRADES,
    EpisodeLocation,
    LineOfEnquiry,
    LocationPlan,
    MissingEpisode,
    RiskGrade,
    TriggerPlan,
)
from childsafe.people.models import Person
from childsafe.people.selectors import marker_types_for
from childsafe.people.vocabulary import HIGH_HARM_MARKERS, marker_labels

SOURCE_RESPONSE = "Report, 'The initial response to reports of missing children remains inconsistent'."
SOURCE_ARRANGEMENTS = "Report, 'The force hasn't improved arrangements for missing children well enough'."
SOURCE_CASE = "Report, 'Case study: inconsistent risk assessment and investigation planning for a missing child'."

FIM_GRADE_MINUTES = policy.define(
    "missing.mp2_fim_grade_minutes",
    default=30,
    unit="minutes",
    rule_id="MP-2",
    description="The FIM grades a missing-child report within this long of the report.",
)
CII_ASSIGN_MINUTES = policy.define(
    "missing.mp2_cii_assign_minutes",
    default=60,
    unit="minutes",
    rule_id="MP-2",
    description="A medium-risk child is with the area CII within this long of the report.",
)
PRIORITY_EPISODES = policy.define(
    "missing.mp5_priority_episodes",
    default=3,
    unit="count",
    rule_id="MP-5",
    description="Episodes in the window that make a child priority missing.",
)
PRIORITY_WINDOW_DAYS = policy.define(
    "missing.mp5_priority_window_days",
    default=90,
    unit="days",
    rule_id="MP-5",
    description="The window for counting a child's missing episodes.",
)
TRIGGER_PLAN_HOURS = policy.define(
    "missing.mp5_trigger_plan_hours",
    default=24,
    unit="hours",
    rule_id="MP-5",
    description="A priority-missing child has a trigger plan within this long.",
)
FIRST_ACTION_HIGH = policy.define(
    "missing.mp6_first_action_high_minutes",
    default=30,
    unit="minutes",
    rule_id="MP-6",
    description="High risk: a line of enquiry with an owner within this long of grading.",
)
FIRST_ACTION_MEDIUM = policy.define(
    "missing.mp6_first_action_medium_minutes",
    default=60,
    unit="minutes",
    rule_id="MP-6",
    description="Medium risk: a line of enquiry with an owner within this long of grading.",
)
REVIEW_HIGH = policy.define(
    "missing.mp6_review_high_hours",
    default=2,
    unit="hours",
    rule_id="MP-6",
    description="High risk: a supervisory review at least this often while missing.",
)
REVIEW_MEDIUM = policy.define(
    "missing.mp6_review_medium_hours",
    default=6,
    unit="hours",
    rule_id="MP-6",
    description="Medium risk: a supervisory review at least this often while missing.",
)
SAFE_AND_WELL_HOURS = policy.define(
    "missing.mp8_safe_and_well_hours",
    default=24,
    unit="hours",
    rule_id="MP-8",
    description="The safe and well check is recorded within this long of return.",
)
LA_NOTICE_MINUTES = policy.define(
    "missing.mp9_la_notice_minutes",
    default=60,
    unit="minutes",
    rule_id="MP-9",
    description="The child's local authority is told of a return within this long.",
)
RHI_BACK_DAYS = policy.define(
    "missing.mp10_rhi_back_days",
    default=5,
    unit="days",
    rule_id="MP-10",
    description="The return home interview's findings are back with police within this long of return.",
)
HOTSPOT_CHILDREN = policy.define(
    "missing.mp12_hotspot_children",
    default=3,
    unit="count",
    rule_id="MP-12",
    description="Different children linked to one place in the window make a hotspot.",
)
HOTSPOT_WINDOW_DAYS = policy.define(
    "missing.mp12_hotspot_window_days",
    default=90,
    unit="days",
    rule_id="MP-12",
    description="The window for counting children linked to a place.",
)
HOTSPOT_PLAN_DAYS = policy.define(
    "missing.mp12_hotspot_plan_days",
    default=7,
    unit="days",
    rule_id="MP-12",
    description="A hotspot has a problem-solving plan with an owner within this long.",
)
# MP-10: the return home interview itself is due within 72 hours of return (statutory guidance): not a setting.
RHI_STATUTORY_HOURS = 72


def _minutes(setting: policy.PolicySetting) -> timedelta:
    return timedelta(minutes=int(policy.get(setting.key)))


def _hours(setting: policy.PolicySetting) -> timedelta:
    return timedelta(hours=int(policy.get(setting.key)))


def _days(setting: policy.PolicySetting) -> timedelta:
    return timedelta(days=int(policy.get(setting.key)))


def _episode_finding(
    ep: MissingEpisode,
    reason: str,
    *,
    due: datetime,
    owner_role: str = "",
    owner_user_id=None,
    severity: str = Severity.HIGH,
) -> Finding:
    return Finding(
        subject_type="missing.missingepisode",
        subject_id=str(ep.pk),
        subject_label=str(ep),
        person_id=ep.person_id,
        person_label=ep.person.full_name,
        owner_role=owner_role,
        owner_user_id=owner_user_id,
        owner_area_id=ep.owner_area_id,
        due_by=due,
        severity=severity,
        reason=reason,
        url=f"/missing/{ep.pk}/",
    )


def _open_live():
    """Episodes of children still missing: reported, not found, not closed."""
    return MissingEpisode.objects.filter(imported=False, found_at__isnull=True, closed_at__isnull=True)


# -- MP-1 ---------------------------------------------------------------------------------------------
engine.register("MP-1", kind="guard", title="A missing child is graded high or medium only", source=SOURCE_RESPONSE)


def check_grade_allowed(person: Person, grade: str, on_day) -> None:
    if grade not in RiskGrade.values:
        raise RuleRefusal(
            "MP-1", f"{grade!r} is not a risk grade. A missing child is graded high or medium.", field="grade"
        )
    if person.is_child_on(on_day) and grade not in CHILD_GRADES:
        raise RuleRefusal(
            "MP-1",
            f"A missing child can't be graded {RiskGrade(grade).label.lower()}. Force policy: "
            "a missing child is high or medium risk, never low.",
            field="grade",
        )


# -- MP-2 ---------------------------------------------------------------------------------------------
def _unassigned_medium():
    # A medium grade hands the episode to the area CII; the CII then assigns an officer in the case.
    return _open_live().filter(grade=RiskGrade.MEDIUM, officer_in_case__isnull=True)


def _mp2_horizon(now: datetime) -> datetime | None:
    ungraded = _open_live().filter(grade="", reported_at__gt=now - _minutes(FIM_GRADE_MINUTES))
    unassigned = _unassigned_medium().filter(reported_at__gt=now - _minutes(CII_ASSIGN_MINUTES))
    return earliest_after(
        [t + _minutes(FIM_GRADE_MINUTES) for t in ungraded.values_list("reported_at", flat=True)]
        + [t + _minutes(CII_ASSIGN_MINUTES) for t in unassigned.values_list("reported_at", flat=True)],
        now,
    )


@clock_rule(
    "MP-2",
    owner="FIM",
    title="The FIM grades every missing-child report within 30 minutes; medium goes to the area CII within 60",
    source=SOURCE_RESPONSE + " Delays before FIMs assessed and assigned.",
    horizon=_mp2_horizon,
)
def mp2_grading(now: datetime) -> Iterator[Finding]:
    grade_by = _minutes(FIM_GRADE_MINUTES)
    for ep in _open_live().filter(grade="", reported_at__lte=now - grade_by).select_related("person"):
        yield _episode_finding(
            ep,
            f"{ep.person.full_name} was reported missing at {ep.reported_at:%H:%M} and has not been graded by the FIM.",
            due=ep.reported_at + grade_by,
            owner_role=Role.FIM,
        )
    assign_by = _minutes(CII_ASSIGN_MINUTES)
    for ep in _unassigned_medium().filter(reported_at__lte=now - assign_by).select_related("person"):
        yield _episode_finding(
            ep,
            f"{ep.person.full_name} is graded medium risk and has no officer in the case from the area CII "
            f"{int(assign_by.total_seconds() // 60)} minutes after the report.",
            due=ep.reported_at + assign_by,
            owner_role=Role.CII,
        )


# -- MP-3 ---------------------------------------------------------------------------------------------
@clock_rule(
    "MP-3",
    owner="FIM",
    kind="prompt+alert",
    title="The grading addresses every marker; medium against a high-harm marker alerts the FIM",
    source=SOURCE_CASE + " Graded medium 'because of his age' despite firearms, "
    "knives, county lines and suicide markers.",
    horizon=lambda now: None,
)
def mp3_grade_against_markers(now: datetime) -> Iterator[Finding]:
    # Every open medium-graded episode at once, in a fixed number of statements however many there are
    # (ADR 0057): their children's clusters, the clusters' markers, then the possible duplicates of those
    # with no high-harm marker of their own, as the grading's prompt and the intelligence check find them.
    from childsafe.people.intelligence import unresolved_duplicates_many
    from childsafe.people.selectors import identity_clusters, marker_types

    episodes = list(_open_live().filter(grade=RiskGrade.MEDIUM).select_related("person"))
    if not episodes:
        return
    clusters = identity_clusters({ep.person_id for ep in episodes})
    held = marker_types(p for c in clusters.values() for p in c)
    own = {child: set().union(*(held.get(p, set()) for p in c)) & HIGH_HARM_MARKERS for child, c in clusters.items()}
    # A high-harm marker on a record that may be this child, neither linked, ruled out nor addressed,
    # counts as the child's own (PL-2): the failure the report found was a marker on another record.
    duplicates = unresolved_duplicates_many({child: clusters[child] for child, high in own.items() if not high})
    for ep in episodes:
        high = sorted(own[ep.person_id])
        if high:
            yield _episode_finding(
                ep,
                f"Grade does not reflect markers: {ep.person.full_name} is graded medium but has "
                f"{', '.join(marker_labels(high))}.",
                due=ep.graded_at or now,
                owner_role=Role.FIM,
                severity=Severity.CRITICAL,
            )
            continue
        _, their_markers = duplicates[ep.person_id]
        unaddressed = sorted(set(_not_addressed(their_markers, ep.markers_acknowledged or {})) & HIGH_HARM_MARKERS)
        if unaddressed:
            yield _episode_finding(
                ep,
                f"Grade does not reflect markers: {ep.person.full_name} is graded medium, and a record that may "
                f"be them has {', '.join(marker_labels(unaddressed))} (not linked, ruled out or addressed).",
                due=ep.graded_at or now,
                owner_role=Role.FIM,
                severity=Severity.CRITICAL,
            )


def markers_not_addressed(person: Person, acknowledged: dict[str, str]) -> list[str]:
    """MP-3 prompt: active markers with no note against them in the grading."""
    return sorted(m for m in marker_types_for(person.pk) if not str(acknowledged.get(m, "")).strip())


def duplicate_markers_not_addressed(person: Person, acknowledged: dict[str, str]) -> list[str]:
    """MP-3: markers on records that may be this child (unlinked, not ruled out) with no note against them."""
    from childsafe.people.intelligence import unresolved_duplicates
    from childsafe.people.selectors import identity_cluster

    _, marker_types = unresolved_duplicates(identity_cluster(person.pk))
    return _not_addressed(marker_types, acknowledged)


def _not_addressed(marker_types: dict[int, set[str]], acknowledged: dict[str, str]) -> list[str]:
    held = {t for types in marker_types.values() for t in types}
    return sorted(m for m in held if not str(acknowledged.get(m, "")).strip())


# -- MP-4 ---------------------------------------------------------------------------------------------
def _templated():
    return MissingEpisode.objects.filter(imported=False, closed_at__isnull=True).exclude(templated=[])


@clock_rule(
    "MP-4",
    owner="The grader's supervisor (the FIM, or a senior leader for a FIM)",
    kind="alert",
    title="A templated rationale or action (near-identical to other children's) is flagged to the supervisor",
    source=SOURCE_RESPONSE + " Some CIIs use templated wording in their initial risk grading.",
    horizon=lambda now: None,  # only a grading or an action (a write) changes it
)
def mp4_templated(now: datetime) -> Iterator[Finding]:
    for ep in _templated().select_related("person", "graded_by"):
        what = " and ".join(
            sorted({"the grading rationale" if t == "rationale" else "a line of enquiry" for t in ep.templated})
        )
        # To the grader's supervisor: a CII's is the FIM; a FIM's, the control room's senior leader.
        owner = Role.SENIOR_LEADER if ep.graded_by and ep.graded_by.role == Role.FIM else Role.FIM
        yield _episode_finding(
            ep,
            f"Templated wording: {what} for {ep.person.full_name} is nearly identical to other children's records.",
            due=ep.graded_at or ep.reported_at,
            owner_role=owner,
            severity=Severity.MEDIUM,
        )


# -- MP-5 ---------------------------------------------------------------------------------------------
YEAR = timedelta(days=365)


@memo.per_scope
def year_of_episodes(person_ids: list[int]) -> list[MissingEpisode]:
    """A child's missing episodes reported in the last 12 months, latest first, with where they were found
    and whether the child is looked after (`child_looked_after`): one read for an intelligence check."""
    from childsafe.core import clock

    return list(
        MissingEpisode.objects.filter(person_id__in=person_ids, reported_at__gt=clock.now() - YEAR)
        .select_related("found_location")
        .defer("questionnaire", "markers_acknowledged")
        .annotate(child_looked_after=F("person__looked_after"))
        .order_by("-reported_at")
    )


def priority_missing_since(person_ids: list[int] | None = None) -> dict[int, datetime]:
    """Children who are priority missing now, and since when: 3+ episodes in 90 days (imported history
    included), a looked-after child with any episode in that window, or a child at high exploitation risk.
    `person_ids` narrows it to one child's records (the intelligence check); None is the whole force."""
    from childsafe.core import clock

    now = clock.now()
    window = _days(PRIORITY_WINDOW_DAYS)
    need = int(policy.get(PRIORITY_EPISODES.key))
    recent = MissingEpisode.objects.filter(reported_at__gt=now - window, reported_at__lte=now)
    since: dict[int, datetime] = {}
    times: dict[int, list[datetime]] = {}
    if person_ids is not None:
        # One child's records (the intelligence check): their few recent reports in one query, counted here.
        looked_after: dict[int, datetime] = {}
        rows: Iterable[tuple[int, datetime, bool]]
        if memo.in_scope() and window <= YEAR:
            # The check reads the child's year of episodes for its history section: the window is in it.
            rows = sorted(
                (e.person_id, e.reported_at, e.child_looked_after)  # type: ignore[attr-defined]
                for e in year_of_episodes(person_ids)
                if now - window < e.reported_at <= now
            )
        else:
            rows = (
                recent.filter(person_id__in=person_ids)
                .order_by("person_id", "reported_at")
                .values_list("person_id", "reported_at", "person__looked_after")
            )
        for person_id, reported_at, is_looked_after in rows:
            times.setdefault(person_id, []).append(reported_at)
            if is_looked_after:
                looked_after.setdefault(person_id, reported_at)
        for person_id, reported in times.items():
            if len(reported) >= need:
                since[person_id] = reported[need - 1]
        for person_id, first in looked_after.items():
            since[person_id] = min(first, since.get(person_id, first))
        return _with_high_risk(since, person_ids)
    # One query for every repeat-missing child's report times, in order; the nth is when they became priority.
    repeat = recent.values("person_id").annotate(n=Count("id")).filter(n__gte=need).values("person_id")
    for person_id, reported_at in (
        recent.filter(person_id__in=repeat).order_by("person_id", "reported_at").values_list("person_id", "reported_at")
    ):
        times.setdefault(person_id, []).append(reported_at)
    for person_id, reported in times.items():
        since[person_id] = reported[need - 1]
    for person_id, first in (
        recent.filter(person__looked_after=True)
        .values("person_id")
        .annotate(t=Min("reported_at"))
        .values_list("person_id", "t")
    ):
        since[person_id] = min(first, since.get(person_id, first))
    return _with_high_risk(since, person_ids)


def _with_high_risk(since: dict[int, datetime], person_ids: list[int] | None) -> dict[int, datetime]:
    # "or high exploitation risk": a current high CSE or CCE assessment (EX-1) makes a child priority.
    from django.apps import apps

    if apps.is_installed("childsafe.exploitation"):
        from childsafe.exploitation.selectors import high_risk_since

        for person_id, assessed in high_risk_since(person_ids).items():
            since[person_id] = min(assessed, since.get(person_id, assessed))
    return since


def has_current_trigger_plan(person_ids: list[int]) -> bool:
    from childsafe.core import clock

    return TriggerPlan.objects.filter(
        person_id__in=person_ids, ended_at__isnull=True, review_due__gte=clock.today_london()
    ).exists()


def _mp5_horizon(now: datetime) -> datetime | None:
    due = _hours(TRIGGER_PLAN_HOURS)
    return earliest_after([t + due for t in priority_missing_since().values()], now)


@clock_rule(
    "MP-5",
    owner="MHET",
    title="A priority-missing child has a current trigger plan within 24 hours",
    source=SOURCE_CASE + " Regularly reported missing, at high risk of criminal exploitation, but no "
    "trigger plan recorded.",
    horizon=_mp5_horizon,
)
def mp5_trigger_plans(now: datetime) -> Iterator[Finding]:
    due = _hours(TRIGGER_PLAN_HOURS)
    since = priority_missing_since()
    people = Person.objects.in_bulk(list(since))
    planned = set(
        TriggerPlan.objects.filter(
            person_id__in=list(since), ended_at__isnull=True, review_due__gte=now.date()
        ).values_list("person_id", flat=True)
    )
    for person_id, became in since.items():
        if person_id in planned or became + due > now:
            continue
        person = people[person_id]
        yield Finding(
            subject_type="people.person",
            subject_id=str(person_id),
            subject_label=person.full_name,
            person_id=person_id,
            person_label=person.full_name,
            owner_role=Role.MHET,
            due_by=became + due,
            severity=Severity.HIGH,
            url=f"/people/{person_id}/",
            reason=f"{person.full_name} is priority missing and has no current trigger plan.",
        )


# -- MP-6 ---------------------------------------------------------------------------------------------
def _mp6_periods() -> dict[tuple[str, str], timedelta]:
    """MP-6's four settings, read once per sweep rather than once per open episode."""
    return {
        ("first", RiskGrade.HIGH): _minutes(FIRST_ACTION_HIGH),
        ("first", ""): _minutes(FIRST_ACTION_MEDIUM),
        ("review", RiskGrade.HIGH): _hours(REVIEW_HIGH),
        ("review", ""): _hours(REVIEW_MEDIUM),
    }


def _first_action_due(ep: MissingEpisode, periods: dict[tuple[str, str], timedelta]) -> datetime | None:
    if not ep.graded_at:
        return None
    return ep.graded_at + periods[("first", RiskGrade.HIGH if ep.grade == RiskGrade.HIGH else "")]


def _review_due(
    ep: MissingEpisode, last_review: datetime | None, periods: dict[tuple[str, str], timedelta]
) -> datetime | None:
    if not ep.graded_at:
        return None
    every = periods[("review", RiskGrade.HIGH if ep.grade == RiskGrade.HIGH else "")]
    return (last_review or ep.graded_at) + every


def _mp6_rows():
    actions = LineOfEnquiry.objects.filter(episode=OuterRef("pk"))
    return (
        _open_live()
        .exclude(grade="")
        .select_related("person")
        .annotate(has_action=Exists(actions), last_review=Max("reviews__at"))
    )


def _mp6_horizon(now: datetime) -> datetime | None:
    times = []
    periods = _mp6_periods()
    for ep in _mp6_rows():
        if not ep.has_action:
            times.append(_first_action_due(ep, periods))
        times.append(_review_due(ep, ep.last_review, periods))
    overdue = LineOfEnquiry.objects.filter(
        episode__in=_open_live(), done_at__isnull=True, delay_reason="", due_at__isnull=False
    ).aggregate(t=Min("due_at"))["t"]
    return earliest_after([*times, overdue], now)


@clock_rule(
    "MP-6",
    owner="FIM for high risk, the area CII for medium; the officer in the case",
    title="Investigation plan: a line of enquiry with an owner, supervisory reviews, reasons for delay",
    source=SOURCE_CASE + " No specific lines of enquiry; over two hours before his room was searched.",
    horizon=_mp6_horizon,
)
def mp6_investigation_plan(now: datetime) -> Iterator[Finding]:
    overdue_actions = set(
        LineOfEnquiry.objects.filter(done_at__isnull=True, delay_reason="", due_at__lte=now).values_list(
            "episode_id", flat=True
        )
    )
    periods = _mp6_periods()
    for ep in _mp6_rows():
        problems, due = [], None
        first_due = _first_action_due(ep, periods)
        if not ep.has_action and first_due and first_due <= now:
            problems.append("no line of enquiry with an owner")
            due = first_due
        review_due = _review_due(ep, ep.last_review, periods)
        if review_due and review_due <= now:
            problems.append("supervisory review overdue")
            due = min(d for d in (due, review_due) if d)
        if ep.pk in overdue_actions:
            problems.append("an overdue action has no reason for the delay")
            due = due or now
        if problems:
            owner_role = Role.FIM if ep.grade == RiskGrade.HIGH else Role.CII
            yield _episode_finding(
                ep,
                f"{ep.person.full_name} ({ep.get_grade_display().lower()} risk, missing): {'; '.join(problems)}.",
                due=due or now,
                owner_role=owner_role,
                owner_user_id=ep.officer_in_case_id,
            )


# -- MP-7 ---------------------------------------------------------------------------------------------
engine.register(
    "MP-7",
    kind="guard",
    title="A child who returns before the report is complete is still a "
    "missing episode; no closing as 'concern for safety'",
    source=SOURCE_RESPONSE + " Children who returned before a report was made were closed as concern for safety.",
)


@close_guard
def mp7_concern_for_safety(incident, actor: User, approval: Approval | None) -> None:
    if incident.type != IncidentType.CONCERN_FOR_SAFETY:
        return
    unaccounted = incident.people.filter(role=PersonRole.CHILD, present=False).exclude(
        person_id__in=MissingEpisode.objects.filter(incident=incident).values("person_id")
    )
    if not unaccounted.exists():
        return
    # A supervisor's approval of this closure, decided by them with their reason (core.approvals checks
    # that they are not the person who asked).
    if approval is not None and approval.decided_by_id is not None and approval.decision_reason.strip():
        return
    names = ", ".join(ip.person.full_name for ip in unaccounted.select_related("person"))
    raise RuleRefusal(
        "MP-7",
        f"{names} was reported as not where they should be. Record the missing episode "
        "(even if they have come back) before closing, or ask a supervisor to record why not.",
    )


# -- MP-8 ---------------------------------------------------------------------------------------------
def _returned_without_check():
    return MissingEpisode.objects.filter(
        imported=False, found_at__isnull=False, closed_at__isnull=True, safe_and_well__isnull=True
    )


@clock_rule(
    "MP-8",
    owner="The officer in the case and their supervisor",
    title="A safe and well check is recorded within 24 hours of return",
    source="Report: paper booklets about children who ran away, scanned and never read.",
    horizon=lambda now: earliest_after(
        [t + _hours(SAFE_AND_WELL_HOURS) for t in _returned_without_check().values_list("found_at", flat=True)], now
    ),
)
def mp8_safe_and_well(now: datetime) -> Iterator[Finding]:
    within = _hours(SAFE_AND_WELL_HOURS)
    for ep in _returned_without_check().filter(found_at__lte=now - within).select_related("person"):
        yield _episode_finding(
            ep,
            f"{ep.person.full_name} returned at {ep.found_at:%d %b %H:%M}; no safe and well check recorded.",
            due=ep.found_at + within,
            owner_role=Role.SUPERVISOR,
            owner_user_id=ep.officer_in_case_id,
        )


# -- MP-9 ---------------------------------------------------------------------------------------------
def _returned_not_notified(now: datetime):
    delivered = OutboxMessage.objects.filter(
        kind="missing_return",
        source_type="missing.missingepisode",
        source_id=OuterRef("pk_str"),
        delivered_at__isnull=False,
    )
    from django.db.models import CharField
    from django.db.models.functions import Cast

    # Returns since the deadline and the watch, or still alerted: not every return ever (engine.WATCH).
    watched = engine.recent_or_alerted(
        "MP-9", MissingEpisode, "found_at", now - _minutes(LA_NOTICE_MINUTES) - engine.WATCH
    )
    return (
        MissingEpisode.objects.filter(watched, imported=False, found_at__isnull=False)
        .annotate(pk_str=Cast("pk", CharField()))
        .annotate(told=Exists(delivered))
        .filter(told=False)
    )


@clock_rule(
    "MP-9",
    owner="MHET",
    title="On return, the child's local authority is told within 1 hour",
    source="Report, summary: delays in telling the local authority when a missing child is returned home.",
    horizon=lambda now: earliest_after(
        [t + _minutes(LA_NOTICE_MINUTES) for t in _returned_not_notified(now).values_list("found_at", flat=True)], now
    ),
)
def mp9_local_authority_told(now: datetime) -> Iterator[Finding]:
    within = _minutes(LA_NOTICE_MINUTES)
    for ep in _returned_not_notified(now).filter(found_at__lte=now - within).select_related("person"):
        yield _episode_finding(
            ep,
            f"The local authority has not been told that {ep.person.full_name} returned.",
            due=ep.found_at + within,
            owner_role=Role.MHET,
        )


# -- MP-10 --------------------------------------------------------------------------------------------
# Statutory guidance: the local authority offers a return home interview within 72 hours of return (law, not
# a setting). Its information is due back with police within 5 days (a setting); then the local
# authority's manager is told by email as well as MHET.
RHI_STATUTORY = timedelta(hours=72)


def _awaiting_rhi(now: datetime):
    # Returns since the deadline and the watch, or still alerted: not every return ever (engine.WATCH).
    watched = engine.recent_or_alerted("MP-10", MissingEpisode, "found_at", now - _days(RHI_BACK_DAYS) - engine.WATCH)
    return MissingEpisode.objects.filter(
        watched, imported=False, found_at__isnull=False, return_interviews__isnull=True
    )


@clock_rule(
    "MP-10",
    owner="MHET, then the local authority's manager",
    title="The return home interview is held within 72 hours and its information is back within 5 days",
    source=SOURCE_ARRANGEMENTS + " Delays in receiving information from return home interviews, not "
    "escalated to children's social care managers.",
    horizon=lambda now: earliest_after(
        [
            t + d
            for t in _awaiting_rhi(now).values_list("found_at", flat=True)
            for d in (RHI_STATUTORY, _days(RHI_BACK_DAYS))
        ],
        now,
    ),
)
def mp10_return_home_interview(now: datetime) -> Iterator[Finding]:
    back = _days(RHI_BACK_DAYS)
    first = min(RHI_STATUTORY, back)
    for ep in _awaiting_rhi(now).filter(found_at__lte=now - first).select_related("person", "person__local_authority"):
        la = ep.person.local_authority
        overdue = ep.found_at + back <= now
        if not overdue:
            yield _episode_finding(
                ep,
                f"The return home interview for {ep.person.full_name}, returned {ep.found_at:%d %b}, was due within "
                "72 hours: no information yet. Chase the local authority.",
                due=ep.found_at + RHI_STATUTORY,
                owner_role=Role.MHET,
                severity=Severity.MEDIUM,
            )
            continue
        notice = None
        if la is not None and la.manager_email:
            notice = Notice(
                kind="rhi_overdue",
                recipient=la.manager_email,
                organisation_id=la.pk,
                label=f"{la.name} (manager)",
                key=f"rhi_overdue:{ep.pk}",
                subject="Return home interview information overdue",
                body=(
                    f"{la.name},\n\nThe information from a return home interview is overdue: the child returned "
                    f"{(now - ep.found_at).days} days ago (police reference "
                    f"{ep.incident.reference if ep.incident_id and ep.incident else ep.pk}). Statutory guidance asks "
                    "for the interview within 72 hours of return. The details are in the Childsafe partner portal: "
                    f"{settings.CHILDSAFE_BASE_URL}/partners/\n\nThis message contains no personal details by design."
                ),
            )
        contact = f" Escalated to {la.name}'s manager ({la.manager_email})." if notice and la else ""
        yield replace(
            _episode_finding(
                ep,
                f"No return home interview information for {ep.person.full_name}, returned "
                f"{ep.found_at:%d %b}.{contact}",
                due=ep.found_at + back,
                owner_role=Role.MHET,
                severity=Severity.HIGH,
            ),
            notice=notice,
        )


# -- MP-11 --------------------------------------------------------------------------------------------
engine.register(
    "MP-11",
    kind="guard",
    title="An episode closes only with a supervisor's sign-off, the return, "
    "the safe and well check, and MP-8's PPN where needed",
    source=SOURCE_CASE,
)


def check_can_close(episode: MissingEpisode, actor: User) -> None:
    from childsafe.core import access
    from childsafe.core.roles import Capability

    if not access.can(actor, Capability.MISSING_SIGN_OFF):
        raise RuleRefusal("MP-11", "A supervisor, FIM or CII signs off the closure of a missing episode.")
    if episode.found_at is None:
        raise RuleRefusal("MP-11", "Record the child's return before closing the episode.")
    check = getattr(episode, "safe_and_well", None)
    if check is None:
        raise RuleRefusal("MP-11", "Record the safe and well check before closing the episode.")
    if check.new_concerns and not ppn_recorded_for(episode):
        raise RuleRefusal(
            "MP-11",
            "The safe and well check found new concerns: submit a PPN for the child before closing the episode (MP-8).",
        )


# Referrals registers how to tell whether a PPN was submitted for a child since a moment (MP-8, MP-11).
PpnCheck = Callable[[int, datetime], bool]
PPN_CHECKS: list[PpnCheck] = []


def ppn_check(fn: PpnCheck) -> PpnCheck:
    PPN_CHECKS.append(fn)
    return fn


def ppn_recorded_for(episode: MissingEpisode) -> bool:
    """A PPN for the child submitted since the safe and well check found new concerns."""
    check = getattr(episode, "safe_and_well", None)
    since = check.at if check else episode.reported_at
    return any(fn(episode.person_id, since) for fn in PPN_CHECKS)


# -- MP-12 --------------------------------------------------------------------------------------------
def hotspots(now: datetime) -> dict[int, datetime]:
    """Places linked to 3+ different children's episodes in 90 days, and when each became a hotspot."""
    window = _days(HOTSPOT_WINDOW_DAYS)
    need = int(policy.get(HOTSPOT_CHILDREN.key))
    recent = EpisodeLocation.objects.filter(at__gt=now - window, at__lte=now)
    candidates = (
        recent.values("location_id")
        .annotate(n=Count("episode__person_id", distinct=True))
        .filter(n__gte=need)
        .values_list("location_id", flat=True)
    )
    result: dict[int, datetime] = {}
    for location_id in candidates:
        seen: set[int] = set()
        for person_id, at in (
            recent.filter(location_id=location_id).order_by("at").values_list("episode__person_id", "at")
        ):
            seen.add(person_id)
            if len(seen) >= need:
                result[location_id] = at
                break
    return result


def _unplanned_hotspots(now: datetime) -> dict[int, datetime]:
    spots = hotspots(now)
    planned = set(
        LocationPlan.objects.filter(location_id__in=list(spots), closed_at__isnull=True).values_list(
            "location_id", flat=True
        )
    )
    return {loc: since for loc, since in spots.items() if loc not in planned}


@clock_rule(
    "MP-12",
    owner="MHET",
    title="A hotspot has a problem-solving plan with an owner within 7 days",
    source="Report: 'a disused hotel was discussed because missing children were known to go there ... no "
    "one had dealt with it'.",
    horizon=lambda now: earliest_after([t + _days(HOTSPOT_PLAN_DAYS) for t in _unplanned_hotspots(now).values()], now),
)
def mp12_hotspots(now: datetime) -> Iterator[Finding]:
    from childsafe.people.models import Location

    within = _days(HOTSPOT_PLAN_DAYS)
    spots = _unplanned_hotspots(now)
    places = Location.objects.in_bulk(list(spots))
    for location_id, since in spots.items():
        if since + within > now:
            continue
        place = places[location_id]
        yield Finding(
            subject_type="people.location",
            subject_id=str(location_id),
            subject_label=str(place),
            owner_role=Role.MHET,
            due_by=since + within,
            severity=Severity.HIGH,
            url=f"/missing/places/{location_id}/",
            reason=f"{place} is a hotspot: different missing children keep being found there. It needs a "
            "problem-solving plan with an owner.",
        )


engine.register(
    "MP-13",
    kind="view",
    title="MHET works from one worklist, not three spreadsheets",
    source=SOURCE_ARRANGEMENTS + " Three separate logs for missing children, exploitation risk and "
    "other safeguarding concerns.",
)
