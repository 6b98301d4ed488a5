"""The demo history's clocks: which past cases were done late, and the alerts their clocks raised.

The inspectorate found the force's children's work late in 2021 (Operation Encompass after the school day,
missing reports graded late, safe and well checks and return home interviews missed, PPNs waiting for
triage and partners, investigations unsupervised, a year's DFU backlog); the post-inspection review found
it improving. The demo's five years of history tell that story through the records themselves: each
generator asks `ClockOutcomes.late(rule, when)` whether a case was done late, times the record
accordingly (the Encompass email delivered after the school day began, the safe and well check two days
after the return), and hands the clock's outcome to `ClockOutcomes.add`, which writes the alert the
rule's sweep would have raised and cleared: raised at the deadline, cleared when the work was done. The
dashboard reads those alerts (ADR 0020), so its timeliness falls from the early years to the last.

Seeded: the same force, seed and history give the same outcomes.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.db import connection

from childsafe.core.models import Alert

YEARS = 5
LATE_THEN = 0.40  # the share of cases late five years ago, at the inspection (before each rule's weight)
LATE_NOW = 0.03  # and in the last months, once the improvements took hold
# How each clock compares with the average: the report's sharpest findings weigh more.
WEIGHT = {
    "RF-9": 1.3,  # Encompass notices after the school day began
    "RF-6": 1.2,  # shared PPNs waiting for the partner
    "RF-3": 1.0,
    "RF-10": 0.8,
    "MP-2": 1.1,  # missing reports graded late
    "MP-6": 0.6,
    "MP-8": 1.0,
    "MP-9": 0.9,
    "MP-10": 1.2,  # return home interviews
    "CR-3": 0.8,
    "INV-2": 1.2,  # investigations unsupervised
    "INV-3": 0.9,
    "INV-4": 1.6,  # the DFU backlog
    "PP-2": 0.0,  # nobody held past 72 hours: the warnings at 48 hours only
    "RSO-1": 0.4,
    "RSO-3": 0.9,
    "RSO-5": 0.7,
}
# A late case's typical lateness (the mean of an exponential), as a multiple of 1 hour, at the inspection;
# it shrinks with the share late (a force catching up is late by less).
LATENESS_HOURS = {
    "RF-9": 14,
    "RF-6": 30,
    "RF-3": 20,
    "RF-10": 5 * 24,
    "MP-2": 1.5,
    "MP-6": 4,
    "MP-8": 30,
    "MP-9": 5,
    "MP-10": 4 * 24,
    "CR-3": 2,
    "INV-2": 6 * 24,
    "INV-3": 10 * 24,
    "INV-4": 90 * 24,
    "PP-2": 2,
    "RSO-1": 10 * 24,
    "RSO-3": 30 * 24,
    "RSO-5": 36,
}

ALERT_COLUMNS = (
    "rule_id", "subject_type", "subject_id", "subject_label", "person_id", "owner_role", "owner_area_id",
    "severity", "reason", "url", "raised_at", "due_by", "last_seen_at", "escalation_level", "escalated_at",
    "cleared_at",
)  # fmt: skip


def late_share(rule_id: str, at: datetime, now: datetime) -> float:
    """The chance a case of this clock that started at `at` was done late: high at the inspection five years
    ago, falling (fastest in the middle years, as the action plan's work landed) to a few per cent."""
    years_ago = min(YEARS, max(0.0, (now - at).total_seconds() / (365.25 * 86400)))
    base = LATE_NOW + (LATE_THEN - LATE_NOW) * (years_ago / YEARS) ** 1.5
    return min(0.9, base * WEIGHT.get(rule_id, 1.0))


class ClockOutcomes:
    """Decides lateness for the history's cases and collects the alerts their clocks raised."""

    def __init__(self, *, seed: int, now: datetime, namespace: str = "") -> None:
        self.rng = random.Random(f"clocks:{namespace}:{seed}")
        self.now = now
        self.dt = connection.ops.adapt_datetimefield_value
        self.rows: list[tuple[Any, ...]] = []

    def late(self, rule_id: str, at: datetime) -> bool:
        return self.rng.random() < late_share(rule_id, at, self.now)

    def lateness(self, rule_id: str, at: datetime) -> timedelta:
        """How late a late case was: at least a few minutes, longer in the early years."""
        mean = LATENESS_HOURS.get(rule_id, 12) * (0.4 + late_share(rule_id, at, self.now) / max(LATE_THEN, 0.01))
        hours = self.rng.expovariate(1 / mean) + mean / 20
        return timedelta(hours=min(hours, 40 * mean))

    def done_by(self, rule_id: str, at: datetime, due: datetime, on_time: timedelta) -> datetime:
        """When the work was done: within `on_time` of `at` (so before `due`) or, if late, after `due`."""
        if self.late(rule_id, at):
            return due + self.lateness(rule_id, at)
        window = max(0.0, min(on_time.total_seconds(), (due - at).total_seconds() - 60))
        return at + timedelta(seconds=self.rng.uniform(window / 10, window))

    def add(
        self,
        rule_id: str,
        *,
        subject_type: str,
        subject_id: Any,
        label: str,
        person_id: int | None,
        owner_role: str,
        area_id: int | None,
        due: datetime,
        done: datetime | None,
        reason: str,
        url: str,
        raised: datetime | None = None,
        severity: str = "high",
    ) -> bool:
        """The alert the rule's sweep raised (at `raised`, by default the deadline) and cleared when the work
        was `done`; nothing if the work was done before the deadline and no warning was raised. Returns
        whether an alert was added."""
        raised = raised or due
        if done is None or done <= raised or raised >= self.now:
            return False
        done = min(done, self.now - timedelta(minutes=1))
        late_by = done - due
        escalated = late_by > timedelta(hours=LATENESS_HOURS.get(rule_id, 12))
        dt = self.dt
        self.rows.append(
            (
                rule_id, subject_type, str(subject_id), label[:300], person_id, owner_role, area_id, severity,
                reason[:500], url, dt(raised), dt(due), dt(done), 1 if escalated else 0,
                dt(due + timedelta(hours=LATENESS_HOURS.get(rule_id, 12))) if escalated else None, dt(done),
            )
        )  # fmt: skip
        return True

    def write(self) -> int:
        from childsafe.demo.generator import _insert

        rows, self.rows = self.rows, []
        _insert(Alert, ALERT_COLUMNS, rows)
        return len(rows)


# -- Case audits (QG-2): five years of graded samples, inadequate at the inspection, mostly good now ------

AUDITS_PER_AREA = 2  # cases of each type an area's auditors grade a month (people, not the force's size)
GOOD = (0.20, 0.70)  # the share graded good five years ago, and now
INADEQUATE = (0.35, 0.04)
FINDINGS = {
    "good": "Thorough: risk identified, the child's voice recorded, partners told in time.",
    "requires_improvement": "The child's voice is not recorded and the supervisor's direction is missing.",
    "inadequate": "Risk not identified; no supervision recorded; information not shared with partners.",
}


def audit_grade_shares(at: datetime, now: datetime) -> tuple[float, float]:
    """The chance a case audited at `at` was graded good, and inadequate."""
    f = min(1.0, max(0.0, (now - at).total_seconds() / (365.25 * 86400 * YEARS))) ** 1.3
    return GOOD[1] + (GOOD[0] - GOOD[1]) * f, INADEQUATE[1] + (INADEQUATE[0] - INADEQUATE[1]) * f


def generate_audit_history(*, seed: int, now: datetime, years: int = YEARS) -> int:
    """Each past month's case audit sample (AUDITS_PER_AREA of each type in each area), graded as the year
    was: the grades feed the dashboard (QG-2, QG-3). The current month is left for the force to sample."""
    from django.urls import reverse

    from childsafe.core import clock
    from childsafe.core.models import User
    from childsafe.core.roles import Role
    from childsafe.oversight.models import AuditCriterion, CaseAudit, CaseType, Grade
    from childsafe.oversight.services import CASE_SOURCES

    rng = random.Random(f"audits:{seed}")
    auditor = User.objects.filter(username="history-audit-lead").first()
    if auditor is None:
        auditor = User(username="history-audit-lead", role=Role.SENIOR_LEADER, first_name="Synthetic",
                       last_name="Audit lead")  # fmt: skip
        auditor.set_unusable_password()
        auditor.save()
    questions: dict[str, list[str]] = {}
    for case_type, question in AuditCriterion.objects.filter(active=True).values_list("case_type", "question"):
        questions.setdefault(case_type, []).append(question)
    this_month = now.astimezone(clock.LONDON).date().replace(day=1)
    since = now - timedelta(days=365 * years)
    labels = {
        CaseType.MISSING: ("person__forenames", "person__surname"),
        CaseType.OFFENDER: ("person__forenames", "person__surname"),
        CaseType.REFERRAL: ("reference",),
        CaseType.INVESTIGATION: ("reference",),
        CaseType.PROTECTION: ("reference",),
    }
    made: list[CaseAudit] = []
    for case_type, source in CASE_SOURCES.items():
        model = apps.get_model(source.model)
        by_month: dict[tuple[Any, Any], list[tuple[Any, ...]]] = {}
        for row in (
            model._default_manager.filter(**{f"{source.started}__gte": since})
            .order_by("pk")
            .values_list("pk", source.started, source.area, *labels[case_type])
        ):
            month = row[1].astimezone(clock.LONDON).date().replace(day=1)
            if month < this_month:
                by_month.setdefault((month, row[2]), []).append(row)
        for (month, area_id), rows in sorted(by_month.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
            for pk, _, _, *name in rng.sample(rows, min(AUDITS_PER_AREA, len(rows))):
                graded = datetime.combine(month, datetime.min.time(), tzinfo=clock.LONDON) + timedelta(
                    days=31 + rng.uniform(1, 20)
                )
                graded = min(graded, now - timedelta(hours=1))
                good, inadequate = audit_grade_shares(graded, now)
                draw = rng.random()
                grade = Grade.GOOD if draw < good else Grade.INADEQUATE if draw > 1 - inadequate else None
                grade = grade or Grade.REQUIRES_IMPROVEMENT
                asked = questions.get(case_type, [])
                missed = {Grade.GOOD: 0, Grade.REQUIRES_IMPROVEMENT: 1, Grade.INADEQUATE: 2}[grade]
                noes = set(rng.sample(asked, min(missed, len(asked))))
                label = _audit_label(case_type, pk, name)
                made.append(
                    CaseAudit(
                        case_type=case_type, subject_type=model._meta.label_lower, subject_id=str(pk),
                        subject_label=label, url=reverse(source.url_name, args=[pk]) if source.url_name else "",
                        area_id=area_id, month=month, sampled_at=graded - timedelta(days=rng.uniform(5, 15)),
                        grade=grade, answers={q: "no" if q in noes else "yes" for q in asked},
                        findings=FINDINGS[grade], auditor=auditor, graded_at=graded,
                        response="Discussed with the officer; practice note issued." if grade != Grade.GOOD else "",
                        responded_at=graded + timedelta(days=3) if grade != Grade.GOOD else None,
                    )
                )  # fmt: skip
    CaseAudit.objects.bulk_create(made, batch_size=1000, ignore_conflicts=True)
    return len(made)


def _audit_label(case_type: str, pk: Any, name: list[Any]) -> str:
    from childsafe.oversight.models import CaseType

    if case_type == CaseType.MISSING:
        return f"Missing episode {pk}: {' '.join(name)}"
    if case_type == CaseType.OFFENDER:
        return f"{' '.join(name)} (registered sex offender)"
    if case_type == CaseType.REFERRAL:
        return f"PPN {name[0]}"
    if case_type == CaseType.PROTECTION:
        return f"Police protection {name[0]}"
    return str(name[0])
