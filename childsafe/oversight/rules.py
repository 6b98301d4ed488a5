"""Oversight: QG-2 to QG-6 (RULES.md). QG-2 (findings acted on) and QG-4 (actions done by their date)
are clocks the sweep runs; the others are views (the dashboard, the briefing, the skills registry).

Report, 'Summary of findings': the force's figures were not live, its audits not systematic and its
action plan not evidenced; the commissioner said "I expect evidence".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

from childsafe.core import engine, policy
from childsafe.core.engine import Finding, clock_rule, earliest_after
from childsafe.core.models import Severity

FINDINGS_DAYS = policy.define(
    "oversight.qg2_findings_days",
    default=14,
    unit="days",
    rule_id="QG-2",
    description="The officer and supervisor respond to a case audit's findings within this long.",
)


def _findings_horizon(now: datetime) -> datetime | None:
    from childsafe.oversight.models import CaseAudit

    days = timedelta(days=policy.get(FINDINGS_DAYS.key))
    graded = CaseAudit.objects.filter(responded_at__isnull=True, graded_at__isnull=False).exclude(grade="good")
    return earliest_after((g + days for g in graded.values_list("graded_at", flat=True) if g is not None), now)


@clock_rule(
    "QG-2",
    title="Case audits: sampled cases graded against criteria; findings go back to the officer and supervisor",
    source="Report, 'Summary of findings': audits were not systematic; findings were not fed back.",
    horizon=_findings_horizon,
    owner="The officer in the case and the supervisor",
)
def qg2_findings(now: datetime) -> Iterator[Finding]:
    from childsafe.oversight.models import CaseAudit, Grade

    days = timedelta(days=policy.get(FINDINGS_DAYS.key))
    audits = (
        CaseAudit.objects.filter(responded_at__isnull=True, graded_at__isnull=False)
        .exclude(grade=Grade.GOOD)
        .order_by("pk")
    )
    for a in audits:
        assert a.graded_at is not None
        for who, user_id in (("officer", a.officer_id), ("supervisor", a.supervisor_id)):
            if user_id is None or (who == "supervisor" and user_id == a.officer_id):
                continue
            yield Finding(
                subject_type="oversight.caseaudit",
                # The officer's task is the audit's own subject (a replay's `on:` finds it); the
                # supervisor's, the same audit with a suffix (one open alert per rule and subject).
                subject_id=str(a.pk) if who == "officer" else f"{a.pk}:supervisor",
                subject_label=a.subject_label,
                owner_user_id=user_id,
                owner_area_id=a.area_id,
                due_by=a.graded_at + days,
                severity=Severity.HIGH if a.grade == Grade.INADEQUATE else Severity.MEDIUM,
                reason=f"A case audit graded {a.get_grade_display().lower()}: {a.findings[:300]}",
                url=f"/oversight/case-audits/{a.pk}/",
            )


engine.register(
    "QG-3",
    kind="view",
    title="Live performance: demand, every clock's timeliness, backlogs, coverage, audit grades, language, workload",
    source="Report, 'Summary of findings': performance figures were not live and not drawn from the records.",
)


@engine.chore("dashboard-roll-up", every=timedelta(hours=1))
def qg3_roll_up() -> object:
    """Count the alerts cleared since the last roll-up into their months, so the dashboard reads five years
    in a few hundred rows (ADR 0062). The figures don't depend on it having run."""
    from childsafe.oversight import rollup

    return rollup.roll_up()


def _actions_horizon(now: datetime) -> datetime | None:
    from childsafe.core import clock
    from childsafe.oversight.models import Action, ActionStatus

    dues = Action.objects.exclude(status=ActionStatus.COMPLETE).values_list("due_on", flat=True)
    return earliest_after((datetime.combine(d + timedelta(days=1), time.min, tzinfo=clock.LONDON) for d in dues), now)


@clock_rule(
    "QG-4",
    title="Action plan: an action is complete only with evidence; an overdue action alerts its owner",
    source="Report, 'Summary of findings': the force had yet to act on all of the 2021 recommendations.",
    horizon=_actions_horizon,
    owner="The action's silver owner (else gold, else bronze)",
)
def qg4_overdue_actions(now: datetime) -> Iterator[Finding]:
    from childsafe.core import clock
    from childsafe.oversight.models import Action, ActionStatus

    today = now.astimezone(clock.LONDON).date()
    overdue = (
        Action.objects.exclude(status=ActionStatus.COMPLETE)
        .filter(due_on__lt=today)
        .select_related("recommendation")
        .order_by("pk")
    )
    for action in overdue:
        owner = action.silver_id or action.gold_id or action.bronze_id
        if owner is None:
            continue
        yield Finding(
            subject_type="oversight.action",
            subject_id=str(action.pk),
            subject_label=str(action)[:300],
            owner_user_id=owner,
            due_by=datetime.combine(action.due_on + timedelta(days=1), time.min, tzinfo=clock.LONDON),
            severity=Severity.MEDIUM,
            reason=f"Action plan {action.recommendation.reference}: an action was due on {action.due_on:%d %B %Y}.",
            url=f"/oversight/action-plan/{action.pk}/",
        )


engine.register(
    "QG-5",
    kind="view",
    title="Briefing: per area, children at high risk and perpetrators (perp on a page), always current",
    source="Report, 'Child exploitation': frontline officers were not briefed on the children and perpetrators.",
)

engine.register(
    "QG-6",
    kind="view",
    title="Skills registry: accreditations and training with expiry, used by INV-1 and RSO-8; coverage shown",
    source="Report, 'Investigation': investigations were allocated to officers without the right skills.",
)
