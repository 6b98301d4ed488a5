"""Referrals and partners: RF-1 to RF-10 (RULES.md). Guards are functions the services call; clocks
are queries with their next deadline (docs/adr/0004).

Report, 'Officers are improving the quality of information on PPNs', 'The force has an effective risk
assessment process for PPNs and referrals' and 'inefficient and ineffective' (schools told of domestic
abuse by a phone call, or not at all).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Case, CharField, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Cast

from childsafe.core import clock, engine, policy
from childsafe.core.engine import Finding, clock_rule, earliest_after
from childsafe.core.errors import RuleRefusal
from childsafe.core.models import Alert, OutboxMessage, Severity
from childsafe.core.roles import Role
from childsafe.missing.models import SafeAndWellCheck
from childsafe.missing.rules import ppn_check
from childsafe.people import calendars
from childsafe.people.selectors import names_by
from childsafe.people.vocabulary import SelfDefinedEthnicity
from childsafe.referrals import encompass
from childsafe.referrals.models import (
    EncompassNotification,
    Ppn,
    PpnChild,
    PpnDelay,
    PpnRequirement,
    PpnReview,
    PpnShare,
    PpnStatus,
    StrategyAction,
)

SOURCE_PPN = (
    "Report, 'Officers are improving the quality of information on PPNs so referrals to help children are better'."
)
SOURCE_ENCOMPASS = (
    "Report: 'automated systems aren't used to tell schools about pupils affected by domestic abuse "
    "incidents'; Domestic Abuse Act 2021 s49A (in force 7 November 2025)."
)
AWARE_SECTIONS = ("appearance", "words", "activity", "relationships", "environment")

TRIAGE_HOURS = policy.define(
    "referrals.rf3_triage_hours",
    default=24,
    unit="hours",
    rule_id="RF-3",
    description="VAT triages every PPN within this long of submission.",
)
VAT_DAILY_CAPACITY = policy.define(
    "referrals.rf3_vat_daily_capacity",
    default=40,
    unit="count",
    rule_id="RF-3",
    description="How many PPNs the VAT team can triage in a day: the VAT queue shows demand against it.",
)
ACK_WORKING_DAYS = policy.define(
    "referrals.rf6_acknowledge_working_days",
    default=1,
    unit="working days",
    rule_id="RF-6",
    description="A partner acknowledges a shared PPN within this many working days (the force calendar).",
)
RF9_SCHOOL_DAY_START = policy.define(
    "referrals.rf9_school_day_start",
    default="08:30",
    unit="time",
    rule_id="RF-9",
    description="When the school day starts (London time), for schools whose calendar doesn't set their own.",
)
RF7_HOURS = policy.define(
    "referrals.rf7_ppn_hours",
    default=24,
    unit="hours",
    rule_id="RF-7",
    description="A record showing a child at risk leads to a PPN within this long.",
)


def _hours(setting: policy.PolicySetting) -> timedelta:
    return timedelta(hours=int(policy.get(setting.key)))


# -- RF-1, RF-2 -----------------------------------------------------------------------------------------
engine.register(
    "RF-1",
    kind="guard",
    title="A PPN records AWARE (all five sections) and the voice of the child",
    source=SOURCE_PPN + " Officers don't always use AWARE; VAT doesn't query it.",
)
engine.register(
    "RF-2",
    kind="guard",
    title="A PPN records each child's self-defined ethnicity or 'not stated'",
    source=SOURCE_PPN + " Ethnicity isn't always recorded.",
)


def check_child_entry(name: str, aware: dict[str, str] | None, voice: str, ethnicity: str) -> None:
    aware = aware or {}
    missing = [s for s in AWARE_SECTIONS if not str(aware.get(s, "")).strip()]
    if missing or not (voice or "").strip():
        parts = [f"AWARE {', '.join(missing)}"] if missing else []
        if not (voice or "").strip():
            parts.append("the child's voice (their words, or why they were not spoken to)")
        raise RuleRefusal("RF-1", f"For {name}, record {' and '.join(parts)}.", field="aware")
    if not (ethnicity or "").strip():
        raise RuleRefusal(
            "RF-2", f"Record {name}'s self-defined ethnicity, or 'NS' if they chose not to say.", field="ethnicity"
        )
    if ethnicity not in SelfDefinedEthnicity.values:
        raise RuleRefusal(
            "RF-2",
            f"{ethnicity!r} is not a self-defined ethnicity code. Use one of the 18+1 codes "
            "(W1, W2, ... O9) or NS for not stated.",
            field="ethnicity",
        )


# -- RF-3 -----------------------------------------------------------------------------------------------
def _waiting():
    return Ppn.objects.filter(status=PpnStatus.SUBMITTED)


@clock_rule(
    "RF-3",
    owner="VAT",
    title="VAT triages every PPN within 24 hours",
    source=SOURCE_PPN,
    horizon=lambda now: earliest_after(
        [t + _hours(TRIAGE_HOURS) for t in _waiting().values_list("submitted_at", flat=True)], now
    ),
)
def rf3_triage(now: datetime) -> Iterator[Finding]:
    within = _hours(TRIAGE_HOURS)
    late = _waiting().filter(submitted_at__lte=now - within)
    named = _children_of(late)
    # Plain rows: a busy VAT queue is thousands at a force's size (bench/README.md, sweep).
    for ppn in late.order_by().values_list("pk", "reference", "submitted_at", named=True):
        children = named.get(ppn.pk, [])
        label = f"PPN {ppn.reference}"  # as str(Ppn)
        yield Finding(
            subject_type="referrals.ppn",
            subject_id=str(ppn.pk),
            subject_label=label,
            person_id=children[0][0] if children else None,
            person_ids=tuple(pid for pid, _ in children),
            person_label=", ".join(name for _, name in children),
            owner_role=Role.VAT,
            due_by=ppn.submitted_at + within,
            severity=Severity.HIGH,
            url=f"/referrals/{ppn.pk}/",
            reason=f"{label} has waited more than {within.total_seconds() / 3600:.0f} hours for VAT triage.",
        )


def _children_of(ppns: QuerySet[Ppn]) -> dict[int, list[tuple[int, str]]]:
    """Each of these PPNs' children, `(id, name)` in the order recorded, in one statement (the PPNs a
    subquery), without each child's whole record or the PPN's AWARE."""
    return names_by(PpnChild.objects.filter(ppn_id__in=ppns.order_by().values("pk")), "ppn_id")


engine.register("RF-4", kind="view", title="A returned PPN is seen by the officer's line manager", source=SOURCE_PPN)

# -- RF-5 -----------------------------------------------------------------------------------------------
SAMPLE_PERCENT = policy.define(
    "referrals.rf5_sample_percent",
    default=10,
    unit="percent",
    rule_id="RF-5",
    description="Each month a supervisor reviews at least this share of the PPNs their officers submitted.",
)
# Months further back than this are history: the leaders' page shows them, the sweep doesn't raise them.
SAMPLE_WATCH_MONTHS = 12


month_of, next_month = clock.month_of, clock.next_month  # the sample's months are London's


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The first moment of the month and of the next, London time."""
    return clock.london_start(month), clock.london_start(next_month(month))


def sample_required(submitted: int, percent: int | None = None) -> int:
    """How many of `submitted` PPNs the supervisor reviews: the policy share, rounded up (at least 1 of any)."""
    if not submitted:
        return 0
    percent = int(policy.get(SAMPLE_PERCENT.key)) if percent is None else percent
    return math.ceil(submitted * percent / 100)


@dataclass
class Sample:
    """One supervisor's RF-5 sample for one month: which PPNs, how many are needed, which are reviewed."""

    supervisor_id: int
    month: date
    submitted: int
    required: int
    reviewed: set[int]
    picked: list[int]  # the reviewed ones first, then the system's picks

    @property
    def done(self) -> bool:
        return len(self.reviewed) >= self.required

    @property
    def remaining(self) -> int:
        return max(0, self.required - len(self.reviewed))


def _rank(supervisor_id: int, month: date, ppn_id: int) -> str:
    """The order the system picks in: fixed by supervisor and month, so the sample is the same every time
    it is shown and nobody chooses which PPNs to look at."""
    return hashlib.sha256(f"RF-5:{supervisor_id}:{month:%Y-%m}:{ppn_id}".encode()).hexdigest()


def ppn_sample(supervisor_id: int, month: date) -> Sample:
    """The month's sample of PPNs submitted by officers whose line manager is this supervisor (RF-4's link)."""
    start, end = month_bounds(month)
    population = list(
        Ppn.objects.filter(
            submitted_by__line_manager_id=supervisor_id, submitted_at__gte=start, submitted_at__lt=end
        ).values_list("pk", flat=True)
    )
    reviewed = set(PpnReview.objects.filter(reviewer_id=supervisor_id, month=month).values_list("ppn_id", flat=True))
    required = sample_required(len(population))
    rest = sorted((p for p in population if p not in reviewed), key=lambda p: _rank(supervisor_id, month, p))
    picked = sorted(reviewed) + rest[: max(0, required - len(reviewed))]
    return Sample(supervisor_id, month, len(population), required, reviewed, picked)


def sampling_counts(first: date, last: date) -> dict[tuple[int, date], tuple[int, int]]:
    """(supervisor id, month) -> (PPNs their officers submitted, PPNs they reviewed), for months first..last."""
    start, _ = month_bounds(first)
    _, end = month_bounds(last)
    counts: dict[tuple[int, date], list[int]] = {}
    # The months, in order; each PPN's is the first whose end is after its time. Compared in SQL (a CASE),
    # not truncated: SQLite truncates a date in a Python function called for every row, which at a big
    # force's volume was most of the sweep.
    months = [first]
    while months[-1] < last:
        months.append(next_month(months[-1]))
    which_month = Case(
        *(When(submitted_at__lt=month_bounds(m)[1], then=Value(i)) for i, m in enumerate(months)),
        output_field=IntegerField(),
    )
    # Every status listed, so the months are read through the (status, submitted_at) index, not every PPN
    # ever submitted (a scan that grew with history).
    submitted = (
        Ppn.objects.filter(
            status__in=PpnStatus.values,
            submitted_by__line_manager__isnull=False,
            submitted_at__gte=start,
            submitted_at__lt=end,
        )
        .annotate(month=which_month)
        .values_list("submitted_by__line_manager_id", "month")
        .annotate(n=Count("id"))
        .order_by()
    )
    for manager_id, index, n in submitted:
        counts.setdefault((manager_id, months[index]), [0, 0])[0] += n
    reviewed = (
        PpnReview.objects.filter(month__gte=first, month__lte=last)
        .values_list("reviewer_id", "month")
        .annotate(n=Count("id"))
    )
    for reviewer_id, month, n in reviewed:
        counts.setdefault((reviewer_id, month), [0, 0])[1] += n
    return {key: (a, b) for key, (a, b) in counts.items()}


def _sample_horizon(now: datetime) -> datetime:
    return month_bounds(month_of(now))[1]


@clock_rule(
    "RF-5",
    owner="Supervisor (their own officers' PPNs)",
    title="Each month a supervisor reviews 10% of their officers' PPNs",
    source=SOURCE_PPN + " Line managers don't check their officers' PPNs.",
    # A month's sample falls due when the month ends: the first moment of the next month, London time.
    horizon=_sample_horizon,
)
def rf5_line_manager_sample(now: datetime) -> Iterator[Finding]:
    last = month_of(now) - timedelta(days=1)  # the last day of the last month that has ended
    last = last.replace(day=1)
    first = last
    for _ in range(SAMPLE_WATCH_MONTHS - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    percent = int(policy.get(SAMPLE_PERCENT.key))
    for (supervisor_id, month), (submitted, reviewed) in sorted(sampling_counts(first, last).items()):
        required = sample_required(submitted, percent)
        if reviewed >= required:
            continue
        yield Finding(
            subject_type="referrals.ppnsample",
            subject_id=f"{supervisor_id}:{month:%Y-%m}",
            subject_label=f"PPN sample for {month:%B %Y}",
            owner_role=Role.SUPERVISOR,
            owner_user_id=supervisor_id,
            due_by=month_bounds(month)[1],
            severity=Severity.MEDIUM,
            url=f"/referrals/sample/?month={month:%Y-%m}",
            reason=(
                f"{reviewed} of the {required} PPNs in your {month:%B %Y} sample are reviewed "
                f"({percent}% of the {submitted} your officers submitted)."
            ),
        )


def _rf6_horizon(now: datetime) -> datetime | None:
    days = int(policy.get(ACK_WORKING_DAYS.key))
    return earliest_after(
        [calendars.add_working_days(t, days) for t in _unacknowledged().values_list("shared_at", flat=True)], now
    )


# -- RF-6 -----------------------------------------------------------------------------------------------
def _unacknowledged():
    return PpnShare.objects.filter(acknowledged_at__isnull=True)


@clock_rule(
    "RF-6",
    owner="VAT",
    title="A shared PPN is acknowledged by the partner within 1 working day",
    source=SOURCE_PPN,
    horizon=_rf6_horizon,
)
def rf6_acknowledged(now: datetime) -> Iterator[Finding]:
    days = int(policy.get(ACK_WORKING_DAYS.key))
    # A working day is at least a day, so nothing shared in the last day can be due yet.
    shares = _unacknowledged().filter(shared_at__lte=now - timedelta(days=1))
    named = _children_of(Ppn.objects.filter(pk__in=shares.order_by().values("ppn_id")))
    for share in shares.select_related("ppn", "organisation"):
        due = calendars.add_working_days(share.shared_at, days)
        if due > now:
            continue
        children = named.get(share.ppn_id, [])
        yield Finding(
            subject_type="referrals.ppnshare",
            subject_id=str(share.pk),
            subject_label=f"{share.ppn} to {share.organisation}",
            person_id=children[0][0] if children else None,
            person_ids=tuple(pid for pid, _ in children),
            person_label=", ".join(name for _, name in children),
            owner_role=Role.VAT,
            due_by=due,
            severity=Severity.MEDIUM,
            url=f"/referrals/{share.ppn_id}/",
            reason=f"{share.organisation} has not acknowledged {share.ppn}.",
        )


# -- RF-7 -----------------------------------------------------------------------------------------------
def _ppn_since(person_field: str, time_field: str):
    return PpnChild.objects.filter(person_id=OuterRef(person_field), ppn__submitted_at__gte=OuterRef(time_field))


def _at_risk_without_ppn(now: datetime):
    """Records that show a child at risk (a safe and well check with new concerns, ...) with no PPN since.

    Checks since the deadline and the watch, still alerted, or delayed: not every check ever (engine.WATCH)."""
    from childsafe.core import clock

    delayed = PpnDelay.objects.filter(safe_and_well=OuterRef("pk"), until__gt=clock.now())
    since = now - _hours(RF7_HOURS) - engine.WATCH
    # A check held back by an approved delay had no alert while it lasted: watched until the delay is history.
    paused = PpnDelay.objects.filter(until__gte=since, safe_and_well__isnull=False).values_list(
        "safe_and_well_id", flat=True
    )
    watched = engine.recent_or_alerted("RF-7", SafeAndWellCheck, "at", since, also=paused)
    return (
        SafeAndWellCheck.objects.filter(watched, new_concerns=True)
        .annotate(referred=Exists(_ppn_since("episode__person_id", "at")), delayed=Exists(delayed))
        .filter(referred=False, delayed=False)
    )


def _open_requirements():
    """PPN requirements opened by other apps' records (a suspect's access to children...) and not yet met.

    A requirement is met in the same transaction as the PPN that meets it (services.ppn_submit), so the
    open ones are exactly the work still owed: the sweep reads them by the `ppn_requirements_open` index."""
    return PpnRequirement.objects.filter(satisfied_at__isnull=True)


def _requirement_delayed_until(now: datetime) -> dict[int, datetime]:
    rows = PpnDelay.objects.filter(requirement__isnull=False, requirement__satisfied_at__isnull=True, until__gt=now)
    delayed: dict[int, datetime] = {}
    for requirement_id, until in rows.values_list("requirement_id", "until"):
        delayed[requirement_id] = max(until, delayed.get(requirement_id, until))
    return delayed


def _rf7_horizon(now: datetime) -> datetime | None:
    within = _hours(RF7_HOURS)
    return earliest_after(
        [t + within for t in _at_risk_without_ppn(now).values_list("at", flat=True)]
        + [t + within for t in _open_requirements().values_list("started_at", flat=True)]
        + list(PpnDelay.objects.filter(until__gt=now).values_list("until", flat=True)),
        now,
    )


@clock_rule(
    "RF-7",
    owner="Supervisor of the officer who recorded it",
    title="A record that shows a child at risk leads to a PPN within 24 hours",
    source="Report: 'PPNs for missing children aren't always completed by response officers when other "
    "concerns are established'; a referral was held back 42 days; PPNs were delayed until search "
    "warrants were executed.",
    # The next deadline, or the end of an approved delay.
    horizon=_rf7_horizon,
)
def rf7_ppn_due(now: datetime) -> Iterator[Finding]:
    within = _hours(RF7_HOURS)
    yield from _requirements_due(now, within)
    for check in _at_risk_without_ppn(now).filter(at__lte=now - within).select_related("episode__person", "by"):
        person = check.episode.person
        yield Finding(
            subject_type="missing.safeandwellcheck",
            subject_id=str(check.pk),
            subject_label=f"Safe and well check for {person.full_name}",
            person_id=person.pk,
            person_label=person.full_name,
            owner_role=Role.SUPERVISOR,
            owner_user_id=check.by_id,
            due_by=check.at + within,
            severity=Severity.HIGH,
            url=f"/referrals/delay/{check.pk}/",
            reason=f"The safe and well check for {person.full_name} found new concerns and no PPN has been submitted.",
        )


def _requirements_due(now: datetime, within: timedelta) -> Iterator[Finding]:
    delayed = _requirement_delayed_until(now)
    due = _open_requirements().filter(started_at__lte=now - within).select_related("due_from")
    for requirement in due.prefetch_related("children"):
        if requirement.pk in delayed:
            continue
        children = sorted(requirement.children.all(), key=lambda p: p.full_name)
        names = ", ".join(p.full_name for p in children)
        first = children[0] if children else None
        yield Finding(
            # The originating record, so that the alert sits on the record that showed the risk.
            subject_type=requirement.subject_type,
            subject_id=requirement.subject_id,
            subject_label=str(requirement)[:300],
            person_id=first.pk if first else None,
            person_label=names[:200],
            owner_role=Role.SUPERVISOR,
            owner_user_id=requirement.due_from_id,
            due_by=requirement.started_at + within,
            severity=Severity.HIGH,
            url=f"/referrals/requirement/{requirement.pk}/",
            reason=(
                f"{requirement} showed {'a risk to ' + names if names else 'children at risk (not yet named)'}"
                f" and no PPN has been submitted: {requirement.reason}"
            ),
        )


@ppn_check
def ppn_submitted_since(person_id: int, since: datetime) -> bool:
    return PpnChild.objects.filter(person_id=person_id, ppn__submitted_at__gte=since).exists()


engine.register(
    "RF-8", kind="prompt", title="A PPN asks about other children (household, access, friends)", source=SOURCE_PPN
)


# -- RF-9 -----------------------------------------------------------------------------------------------
# Notifications older than this are history: the reconciliation report shows them, the sweep doesn't scan them.
ENCOMPASS_WATCH = timedelta(days=30)
LATE_RECORDING_HOURS = policy.define(
    "referrals.rf9_late_recording_hours",
    default=24,
    unit="hours",
    rule_id="RF-9",
    description="An incident recorded more than this long after it happened has its Operation Encompass "
    "notification flagged as late (it is still sent).",
)


def late_recording_threshold() -> timedelta:
    return _hours(LATE_RECORDING_HOURS)


def _undelivered_encompass():
    """Notifications not yet delivered (a late delivery clears the alert; the lateness stays on the record)."""
    from childsafe.core import clock

    delivered = OutboxMessage.objects.filter(
        kind="encompass",
        source_type="referrals.encompassnotification",
        source_id=OuterRef("pk_str"),
        delivered_at__isnull=False,
    )
    return (
        EncompassNotification.objects.filter(created_at__gte=clock.now() - ENCOMPASS_WATCH)
        .annotate(pk_str=Cast("pk", CharField()))
        .annotate(delivered=Exists(delivered))
        .filter(delivered=False)
    )


@clock_rule(
    "RF-9",
    owner="VAT",
    title="Operation Encompass: the school's Key Adult is told before the next school day starts",
    source=SOURCE_ENCOMPASS,
    horizon=lambda now: earliest_after(list(_undelivered_encompass().values_list("due_by", flat=True)), now),
)
def rf9_encompass(now: datetime) -> Iterator[Finding]:
    for note in _undelivered_encompass().select_related("person", "organisation", "incident"):
        if note.problem:
            reason = f"Operation Encompass for {note.person.full_name} can't be sent: {note.problem}"
        elif note.due_by and note.due_by <= now:
            reason = (
                f"Operation Encompass for {note.person.full_name} was not delivered to "
                f"{note.organisation or 'the local authority'} before the school day began."
            )
        else:
            continue
        yield Finding(
            subject_type="referrals.encompassnotification",
            subject_id=str(note.pk),
            subject_label=f"Encompass {note.incident.reference}",
            person_id=note.person_id,
            person_label=note.person.full_name,
            owner_role=Role.VAT,
            due_by=note.due_by or now,
            severity=Severity.HIGH,
            url=f"/incidents/{note.incident_id}/",
            reason=reason,
        )
    # The 100% reconciliation: a qualifying child with no notification at all (the hook creates one in the
    # same transaction as the incident, so a gap means a deletion or a write that bypassed the service).
    # Always due now; it clears itself once a notification exists. The sweep looks at incidents recorded
    # within the engine's watch window and at the gaps it has already alerted, so its cost grows with
    # recent work, not with years of history; the reconciliation page and report check all history.
    alerted = (
        Alert.objects.open()
        .filter(rule_id="RF-9", subject_type="incidents.incidentperson")
        .values_list("subject_id", flat=True)
    )
    # Two statements, not one with an OR: the recent incidents through the (type, created_at) index, and the
    # alerted gaps by id. With the OR, SQLite read every domestic abuse incident ever recorded.
    gaps = {ip.pk: ip for ip in encompass.gaps(Q(incident__created_at__gte=now - engine.WATCH))}
    if alerted_ids := sorted(int(s) for s in alerted):
        gaps.update((ip.pk, ip) for ip in encompass.gaps(Q(pk__in=alerted_ids)))
    for ip in sorted(gaps.values(), key=lambda ip: (ip.incident.created_at, ip.pk)):
        yield Finding(
            subject_type="incidents.incidentperson",
            subject_id=str(ip.pk),
            subject_label=f"Encompass {ip.incident.reference}: {ip.person.full_name}"[:300],
            person_id=ip.person_id,
            person_label=ip.person.full_name,
            owner_role=Role.VAT,
            due_by=ip.incident.created_at,
            severity=Severity.HIGH,
            url=f"/incidents/{ip.incident_id}/",
            reason=(
                f"Domestic abuse incident {ip.incident.reference} has no Operation Encompass notification for "
                f"{ip.person.full_name}. Find out why, and make sure their school's Key Adult (or the local "
                "authority) is told today."
            ),
        )


def _open_actions():
    return StrategyAction.objects.filter(done_at__isnull=True)


@clock_rule(
    "RF-10",
    owner="The action's owner",
    kind="view",
    title="Strategy meeting decisions and actions on the child's record, each action followed up as a clock",
    source="Report: strategy meeting decisions and actions must be stored in one known place and followed up.",
    horizon=lambda now: earliest_after(list(_open_actions().values_list("due_at", flat=True)), now),
)
def rf10_strategy_actions(now: datetime) -> Iterator[Finding]:
    for action in _open_actions().filter(due_at__lte=now).select_related("meeting__person"):
        person = action.meeting.person
        yield Finding(
            subject_type="referrals.strategyaction",
            subject_id=str(action.pk),
            subject_label=action.action[:300],
            person_id=person.pk,
            person_label=person.full_name,
            owner_user_id=action.owner_id,
            due_by=action.due_at,
            severity=Severity.MEDIUM,
            url=f"/people/{person.pk}/",
            reason=f"Strategy meeting action for {person.full_name} is overdue: {action.action}",
        )
