"""Offender management: RSO-1 to RSO-8 (RULES.md). Clocks are queries the sweep runs, each with its
horizon (the next deadline), so the replay jumps to deadlines; guards and prompts are called by services.

Report, 'Managing those posing a risk to children': no routine process to notice convictions,
"seen/noted/agreed" supervision, staff without ViSOR training recording risk plans, breaches not
recorded or enforced, and delays in referring contact with children and disclosing risk to parents.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Exists, Max, OuterRef, Q, Subquery

from childsafe.core import engine, policy
from childsafe.core.engine import Finding, clock_rule, earliest_after
from childsafe.core.errors import RuleRefusal
from childsafe.core.models import Severity, User
from childsafe.core.roles import SUPERVISING_ROLES, Rank, Role
from childsafe.core.supervision import superficial_entry_problem
from childsafe.offenders.models import (
    CHANGE_KINDS,
    Breach,
    ChildContact,
    ContactChild,
    Conviction,
    Disclosure,
    Notification,
    NotificationKind,
    Offender,
    RiskAssessment,
    RiskLevel,
    SupervisorAbsence,
    Visit,
    VisitKind,
)
from childsafe.referrals.models import PpnChild

SOURCE = "Report, 'Managing those posing a risk to children'."
LONDON = ZoneInfo("Europe/London")

# RSO-1: the notification requirements are law (Sexual Offences Act 2003 ss.83-85 and the Sexual
# Offences Act 2003 (Notification Requirements) (England and Wales) Regulations 2012): not settings.
INITIAL_NOTIFICATION = timedelta(days=3)
CHANGE_NOTIFICATION = timedelta(days=3)
WEEKLY_NOTIFICATION = timedelta(days=7)
FOREIGN_TRAVEL_NOTICE = timedelta(days=7)
ANNUAL_MONTHS = 12

VISIT_MONTHS = {
    RiskLevel.VERY_HIGH: policy.define(
        "offenders.rso3_very_high_months",
        default=1,
        unit="months",
        rule_id="RSO-3",
        description="A very high risk offender has a home visit at least this often.",
    ),
    RiskLevel.HIGH: policy.define(
        "offenders.rso3_high_months",
        default=3,
        unit="months",
        rule_id="RSO-3",
        description="A high risk offender has a home visit at least this often.",
    ),
    RiskLevel.MEDIUM: policy.define(
        "offenders.rso3_medium_months",
        default=6,
        unit="months",
        rule_id="RSO-3",
        description="A medium risk offender has a home visit at least this often.",
    ),
    RiskLevel.LOW: policy.define(
        "offenders.rso3_low_months",
        default=12,
        unit="months",
        rule_id="RSO-3",
        description="A low risk offender has a home visit at least this often.",
    ),
}
BREACH_DECISION_HOURS = policy.define(
    "offenders.rso5_breach_hours",
    default=24,
    unit="hours",
    rule_id="RSO-5",
    description="A breach is recorded as a crime, or a supervisor records why not, within this long.",
)
CONTACT_PPN_HOURS = policy.define(
    "offenders.rso6_ppn_hours",
    default=24,
    unit="hours",
    rule_id="RSO-6",
    description="A PPN about each child an offender had contact with is submitted within this long.",
)
CONTACT_DISCLOSURE_HOURS = policy.define(
    "offenders.rso6_disclosure_hours",
    default=48,
    unit="hours",
    rule_id="RSO-6",
    description="A decision on disclosure to the parent or carer is recorded within this long of the contact.",
)
CONTACT_WELFARE_HOURS = policy.define(
    "offenders.rso6_welfare_hours",
    default=48,
    unit="hours",
    rule_id="RSO-6",
    description="Each child an offender had contact with has a welfare check within this long.",
)


def _hours(setting: policy.PolicySetting) -> timedelta:
    return timedelta(hours=int(policy.get(setting.key)))


def add_months(when: datetime, months: int) -> datetime:
    """Calendar months on the London wall clock: 15 May 12:00 plus 3 is 15 August 12:00 (the 31st of a
    month with fewer days falls back to its last day). So "every 3 months" means what an officer's diary
    means, between 89 and 92 days, not a fixed count of days."""
    local = when.astimezone(LONDON)
    years, month0 = divmod(local.month - 1 + months, 12)
    year, month = local.year + years, month0 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    return local.replace(year=year, month=month, day=day).astimezone(UTC)


# -- the notification period and custody: shared by every clock -----------------------------------------


@dataclass
class OffenderState:
    """What the RSO clocks need about one offender, built for all offenders in a few queries."""

    offender_id: int
    period_years: int | None
    first_conviction_at: datetime | None = None
    clock_start: datetime | None = None  # latest start of a notifiable conviction's clock
    in_custody: bool = False
    last_valid_at: datetime | None = None
    last_initial_at: datetime | None = None
    address_kind: str = ""  # the latest valid initial/change of address/weekly notification's kind
    open_changes: list[tuple[str, datetime]] = field(default_factory=list)  # (kind, due)

    def period_ends_at(self) -> datetime | None:
        if self.period_years is None or self.first_conviction_at is None:
            return None
        return add_months(self.first_conviction_at, 12 * self.period_years)

    def active(self, now: datetime) -> bool:
        """On the register and at liberty: the clocks run."""
        if self.first_conviction_at is None or self.in_custody:
            return False
        ends = self.period_ends_at()
        return ends is None or ends > now

    def notification_deadlines(self) -> list[tuple[datetime, str]]:
        """RSO-1: each notification the law requires next, with when it is due."""
        due: list[tuple[datetime, str]] = []
        if self.clock_start is not None and (self.last_initial_at is None or self.last_initial_at < self.clock_start):
            due.append((self.clock_start + INITIAL_NOTIFICATION, "The initial notification"))
        elif self.last_valid_at is not None:
            due.append((add_months(self.last_valid_at, ANNUAL_MONTHS), "The annual notification"))
            if self.address_kind == NotificationKind.WEEKLY_NO_FIXED_ABODE:
                due.append((self.last_valid_at + WEEKLY_NOTIFICATION, "The weekly notification (no fixed abode)"))
        for kind, when in self.open_changes:
            due.append((when, f"A valid notification of {NotificationKind(kind).label.lower()}"))
        return due


def _scoped(queryset, offender_ids: list[int] | None, field_name: str = "offender_id"):
    # All offenders (the sweep) is no filter at all: a thousand ids in an IN list cost more to build
    # and plan than the rows they select.
    return queryset if offender_ids is None else queryset.filter(**{f"{field_name}__in": offender_ids})


def offender_states(offender_ids: list[int] | None = None, *, notifications: bool = True) -> dict[int, OffenderState]:
    """Every offender's clock state (or those asked for), in six queries whatever the count; two without
    the notifications (what RSO-3 needs: custody and the period)."""
    offenders = _scoped(Offender.objects.order_by(), offender_ids, "pk")
    states = {pk: OffenderState(pk, years) for pk, years in offenders.values_list("pk", "period_years")}
    convictions = _scoped(Conviction.objects.filter(notifiable=True), offender_ids).values_list(
        "offender_id", "court_result_at", "custody", "released_at"
    )
    for offender_id, result_at, custody, released_at in convictions:
        s = states[offender_id]
        if s.first_conviction_at is None or result_at < s.first_conviction_at:
            s.first_conviction_at = result_at
        if custody and released_at is None:
            s.in_custody = True
        start = released_at if custody else result_at
        if start is not None and (s.clock_start is None or start > s.clock_start):
            s.clock_start = start
    if not notifications:
        return states
    valid = _scoped(Notification.objects.filter(valid=True), offender_ids)
    for offender_id, last in valid.values("offender_id").annotate(last=Max("at")).values_list("offender_id", "last"):
        states[offender_id].last_valid_at = last
    initials = valid.filter(kind=NotificationKind.INITIAL).values("offender_id").annotate(last=Max("at"))
    for offender_id, last in initials.values_list("offender_id", "last"):
        states[offender_id].last_initial_at = last
    address_kinds = [
        NotificationKind.INITIAL,
        NotificationKind.CHANGE_OF_ADDRESS,
        NotificationKind.WEEKLY_NO_FIXED_ABODE,
    ]
    # Only offenders who ever notified weekly can be on weekly notification: a small set. Their
    # address notifications in time order; each offender's last one says whether they still are.
    weekly = valid.filter(kind=NotificationKind.WEEKLY_NO_FIXED_ABODE).values("offender_id")
    latest_address = (
        valid.filter(kind__in=address_kinds, offender_id__in=weekly)
        .order_by("offender_id", "at")
        .values_list("offender_id", "kind")
    )
    for offender_id, kind in latest_address:
        states[offender_id].address_kind = kind
    # A change notified anywhere but a designated station: a valid one of the same kind is still owed.
    later_valid = Notification.objects.filter(
        offender_id=OuterRef("offender_id"), kind=OuterRef("kind"), valid=True, at__gte=OuterRef("at")
    )
    open_invalid = (
        _scoped(Notification.objects.filter(valid=False), offender_ids)
        .exclude(kind__in=[NotificationKind.INITIAL, NotificationKind.ANNUAL, NotificationKind.WEEKLY_NO_FIXED_ABODE])
        .filter(~Exists(later_valid))
        .values_list("offender_id", "kind", "at", "event_at")
    )
    for offender_id, kind, at, event_at in open_invalid:
        if kind in CHANGE_KINDS:
            when = (event_at or at) + CHANGE_NOTIFICATION
        else:  # foreign travel: 7 days before departure
            when = (event_at - FOREIGN_TRAVEL_NOTICE) if event_at else at
        states[offender_id].open_changes.append((kind, when))
    return states


# -- RSO-1 and RSO-2: notifications ---------------------------------------------------------------------

engine.register(
    "RSO-2",
    kind="clock",
    title="A notifiable conviction starts the notification clock when the court result is recorded",
    source=SOURCE + " The unit waited for the offender to register after a later sentencing hearing.",
)


def _offender_finding(offender: Offender, reason: str, due: datetime, severity: str = Severity.HIGH) -> Finding:
    return Finding(
        subject_type="offenders.offender",
        subject_id=str(offender.pk),
        reason=reason,
        subject_label=f"Registered sex offender {offender.person.full_name}",
        person_id=offender.person_id,
        person_label=offender.person.full_name,
        owner_role=Role.OMU,
        owner_user_id=offender.manager_id,
        owner_area_id=offender.area_id,
        due_by=due,
        severity=severity,
        url=f"/offenders/{offender.pk}/",
    )


def _offenders(ids) -> dict[int, Offender]:
    return {o.pk: o for o in Offender.objects.order_by().filter(pk__in=list(ids)).select_related("person")}


# Bounds for narrowing the sweep to offenders who could be late, kept a few days wide of the exact
# calendar arithmetic so the narrowing never drops one who is.
MARGIN = timedelta(days=3)


def _rso1_candidates(now: datetime) -> list[int]:
    """Offenders who could owe a notification now; the sweep works out the rest exactly for these only.

    Those with no valid notification in the last year, those on weekly notification, those who owe a
    valid one for a change notified elsewhere, and those with a conviction or release and no initial
    notification since: nobody else can be late."""
    recent = Notification.objects.filter(
        offender_id=OuterRef("pk"), valid=True, at__gte=add_months(now, -ANNUAL_MONTHS) + MARGIN
    )
    no_recent = Offender.objects.order_by().filter(~Exists(recent)).values_list("pk", flat=True)
    valid = Notification.objects.filter(offender_id=OuterRef("offender_id"), valid=True)
    weekly = Notification.objects.filter(valid=True, kind=NotificationKind.WEEKLY_NO_FIXED_ABODE).values_list(
        "offender_id", flat=True
    )
    changes = (
        Notification.objects.filter(valid=False)
        .exclude(kind__in=[NotificationKind.INITIAL, NotificationKind.ANNUAL, NotificationKind.WEEKLY_NO_FIXED_ABODE])
        .filter(~Exists(valid.filter(kind=OuterRef("kind"), at__gte=OuterRef("at"))))
        .values_list("offender_id", flat=True)
    )
    initial = valid.filter(kind=NotificationKind.INITIAL)
    started = (
        Conviction.objects.filter(notifiable=True)
        .filter(
            Q(custody=False, court_result_at__lte=now) & ~Exists(initial.filter(at__gte=OuterRef("court_result_at")))
            | Q(custody=True, released_at__lte=now) & ~Exists(initial.filter(at__gte=OuterRef("released_at")))
        )
        .values_list("offender_id", flat=True)
    )
    return sorted({*no_recent, *weekly, *changes, *started})


def _rso1_overdue(now: datetime) -> Iterator[tuple[int, datetime, str]]:
    for state in offender_states(_rso1_candidates(now)).values():
        if not state.active(now):
            continue
        late = sorted(d for d in state.notification_deadlines() if d[0] <= now)
        if late:
            yield state.offender_id, late[0][0], late[0][1]


def _rso1_horizon(now: datetime) -> datetime | None:
    times: list[datetime | None] = []
    for state in offender_states().values():
        if not state.active(now):
            continue
        times.extend(when for when, _ in state.notification_deadlines())
        times.append(state.period_ends_at())
    return earliest_after(times, now)


@clock_rule(
    "RSO-1",
    kind="guard+clock",
    horizon=_rso1_horizon,
    title="Notifications are made in person at a designated station, on time",
    source=SOURCE + " Sexual Offences Act 2003 ss.83-85.",
)
def rso1_notification_overdue(now: datetime) -> Iterator[Finding]:
    late = list(_rso1_overdue(now))
    offenders = _offenders(o for o, _, _ in late)
    for offender_id, due, what in late:
        local = due.astimezone(LONDON)
        yield _offender_finding(
            offenders[offender_id],
            f"{what} was due by {local:%d %B %Y %H:%M} and has not been made in person at a designated station.",
            due,
        )


def check_notification_place(where: str) -> str | None:
    """RSO-1's prompt: the message when a notification was not made at a designated station."""
    if where == "designated_station":
        return None
    return (
        "A notification must be made in person at a designated police station. This one is recorded but "
        "marked not valid, and the offender still has to notify at a station: the deadline keeps running."
    )


# -- RSO-3: home visits by risk -------------------------------------------------------------------------


def visit_months(level: str) -> int:
    return int(policy.get(VISIT_MONTHS[RiskLevel(level)].key))


def visit_intervals() -> dict[str, int]:
    return {level: visit_months(level) for level in RiskLevel.values}


def visits_due(
    offender_ids: list[int] | None = None, months: dict[str, int] | None = None
) -> dict[int, tuple[datetime, str]]:
    """Each assessed offender's next home visit: (due, level). From the first risk assessment, then
    from the last home visit after it; an office interview does not count."""
    first: dict[int, datetime] = {}
    latest: dict[int, str] = {}
    assessments = _scoped(RiskAssessment.objects.all(), offender_ids)
    for offender_id, level, at in assessments.order_by("offender_id", "assessed_at").values_list(
        "offender_id", "level", "assessed_at"
    ):
        first.setdefault(offender_id, at)
        latest[offender_id] = level
    homes = dict(
        _scoped(Visit.objects.filter(kind=VisitKind.HOME), offender_ids)
        .values("offender_id")
        .annotate(last=Max("at"))
        .values_list("offender_id", "last")
    )
    months = months or visit_intervals()
    due: dict[int, tuple[datetime, str]] = {}
    for offender_id, first_at in first.items():
        last_home = homes.get(offender_id)
        base = max(first_at, last_home) if last_home else first_at
        level = latest[offender_id]
        due[offender_id] = (add_months(base, months[level]), level)
    return due


def _rso3_candidates(now: datetime, months: dict[str, int]) -> list[int]:
    """Offenders whose home visit could be due now: no home visit within their risk level's interval.
    The sweep works out the exact due time for these only."""
    latest_level = Subquery(
        RiskAssessment.objects.filter(offender_id=OuterRef("pk")).order_by("-assessed_at").values("level")[:1]
    )
    due_now = Q()
    for level in RiskLevel.values:
        # A home visit after this keeps the next one in the future; a first assessment after it too.
        since = add_months(now, -months[level]) + MARGIN
        home = Visit.objects.filter(offender_id=OuterRef("pk"), kind=VisitKind.HOME, at__gte=since)
        assessed = RiskAssessment.objects.filter(offender_id=OuterRef("pk"), assessed_at__lte=since)
        due_now |= Q(level=level) & ~Exists(home) & Exists(assessed)
    return list(Offender.objects.order_by().annotate(level=latest_level).filter(due_now).values_list("pk", flat=True))


def _rso3_active(
    now: datetime, offender_ids: list[int] | None = None, months: dict[str, int] | None = None
) -> tuple[dict[int, tuple[datetime, str]], dict[int, OffenderState]]:
    due = visits_due(offender_ids, months)
    states = offender_states(offender_ids, notifications=False)
    return {k: v for k, v in due.items() if states[k].active(now)}, states


def _rso3_horizon(now: datetime) -> datetime | None:
    due, states = _rso3_active(now)
    return earliest_after([d for d, _ in due.values()] + [s.period_ends_at() for s in states.values()], now)


@clock_rule(
    "RSO-3",
    horizon=_rso3_horizon,
    title="Home visits at least as often as the assessed risk requires",
    source=SOURCE,
)
def rso3_home_visit_overdue(now: datetime) -> Iterator[Finding]:
    months = visit_intervals()
    due, _ = _rso3_active(now, _rso3_candidates(now, months), months)
    late = {k: v for k, v in due.items() if v[0] <= now}
    offenders = _offenders(late)
    for offender_id, (when, level) in late.items():
        yield _offender_finding(
            offenders[offender_id],
            f"{RiskLevel(level).label} risk: a home visit was due by {when.astimezone(LONDON):%d %B %Y} "
            f"(every {months[level]} month(s)). An office interview does not count.",
            when,
            Severity.HIGH if level in (RiskLevel.VERY_HIGH, RiskLevel.HIGH) else Severity.MEDIUM,
        )


def lone_visit_prompt(officer_count: int) -> str | None:
    if officer_count > 1:
        return None
    return "A visit by one officer is lone working. It counts, but say why no second officer went and who knew."


# -- RSO-4: devices -------------------------------------------------------------------------------------

engine.register(
    "RSO-4",
    kind="prompt",
    title="Each visit records which of the offender's devices were checked",
    source=SOURCE,
)


# -- RSO-5: breaches ------------------------------------------------------------------------------------


def _undecided_breaches():
    # Index breaches_undecided: undecided breaches by age.
    return Breach.objects.filter(decided_at__isnull=True)


def _rso5_horizon(now: datetime) -> datetime | None:
    limit = _hours(BREACH_DECISION_HOURS)
    first = (
        _undecided_breaches().filter(found_at__gt=now - limit).order_by("found_at").values_list("found_at", flat=True)
    )
    found = first.first()
    return found + limit if found else None


@clock_rule(
    "RSO-5",
    horizon=_rso5_horizon,
    title="A breach is recorded as a crime, or a supervisor records why not, within 24 hours",
    source=SOURCE + " Breaches were not recorded or enforced.",
)
def rso5_breach_undecided(now: datetime) -> Iterator[Finding]:
    limit = _hours(BREACH_DECISION_HOURS)
    undecided = _undecided_breaches().filter(found_at__lte=now - limit)
    for breach in undecided.select_related("offender__person", "offender__manager"):
        offender = breach.offender
        # Deciding against a crime is a supervisor's act, so the alert goes to the offender manager's
        # sergeant (their line manager, or the cover they named while away), or else to the area's OMU.
        sergeant = supervisor_covering(
            offender.manager.line_manager_id if offender.manager else None, now.astimezone(LONDON).date()
        )
        yield Finding(
            subject_type="offenders.breach",
            subject_id=str(breach.pk),
            reason=f"{breach.get_kind_display()} found {breach.found_at.astimezone(LONDON):%d %B %Y %H:%M}: "
            "not recorded as a crime, and no supervisor has recorded why not.",
            subject_label=f"Breach by {offender.person.full_name}",
            person_id=offender.person_id,
            person_label=offender.person.full_name,
            owner_role=Role.OMU,
            owner_user_id=sergeant,
            owner_area_id=offender.area_id,
            due_by=breach.found_at + limit,
            severity=Severity.HIGH,
            url=f"/offenders/{offender.pk}/#breaches",
        )


def supervisor_covering(user_id: int | None, on) -> int | None:
    """Who takes work routed to this supervisor on this day: the named cover while they are away (RSO-7)."""
    seen = set()
    while user_id is not None and user_id not in seen:
        seen.add(user_id)
        cover = (
            SupervisorAbsence.objects.filter(supervisor_id=user_id, starts_on__lte=on, ends_on__gte=on)
            .values_list("cover_id", flat=True)
            .first()
        )
        if cover is None:
            return user_id
        user_id = cover
    return user_id


def is_supervisor(user: User) -> bool:
    return user.role in SUPERVISING_ROLES or user.has_rank(Rank.SERGEANT)


def check_breach_decision(actor: User, decision: str) -> None:
    """RSO-5: anything short of recording a crime is a supervisor's decision, with the reason."""
    if decision != "crime_recorded" and not is_supervisor(actor):
        raise RuleRefusal(
            "RSO-5",
            "Only a supervisor (sergeant or above) may decide not to record a breach as a crime. "
            "Record the crime, or ask your sergeant to record why not.",
            field="decision",
        )


# -- RSO-6: contact with children -----------------------------------------------------------------------


@dataclass
class ContactState:
    contact: ChildContact
    missing_ppn: list[str]
    missing_welfare: list[str]
    disclosed: bool

    def deadlines(self) -> list[tuple[datetime, str]]:
        at = self.contact.at
        due: list[tuple[datetime, str]] = []
        if self.missing_ppn:
            due.append((at + _hours(CONTACT_PPN_HOURS), f"no PPN about {', '.join(self.missing_ppn)}"))
        if not self.disclosed:
            due.append((at + _hours(CONTACT_DISCLOSURE_HOURS), "no decision on disclosure to a parent or carer"))
        if self.missing_welfare:
            due.append((at + _hours(CONTACT_WELFARE_HOURS), f"no welfare check on {', '.join(self.missing_welfare)}"))
        return due


def contact_states(now: datetime, contacts=None) -> list[ContactState]:
    """Contacts with anything still owed: recent ones, and any with an open RSO-6 alert."""
    if contacts is None:
        longest = max(_hours(CONTACT_PPN_HOURS), _hours(CONTACT_DISCLOSURE_HOURS), _hours(CONTACT_WELFARE_HOURS))
        contacts = ChildContact.objects.filter(
            engine.recent_or_alerted("RSO-6", ChildContact, "at", now - longest - engine.WATCH)
        )
    contacts = list(contacts.select_related("offender__person"))
    children = ContactChild.objects.filter(contact__in=contacts).select_related("person", "contact")
    by_contact: dict[int, list[ContactChild]] = {}
    for child in children:
        by_contact.setdefault(child.contact_id, []).append(child)
    # RSO-6's PPN: a PPN naming the child submitted after the contact. (When RF-7 is generalised to any
    # source, open an RF-7 requirement here instead, so the PPN delay approvals apply to offenders too.)
    ppns: set[tuple[int, int]] = set()
    for child in children:
        if PpnChild.objects.filter(person_id=child.person_id, ppn__submitted_at__gte=child.contact.at).exists():
            ppns.add((child.contact_id, child.person_id))
    states = []
    for contact in contacts:
        kids = by_contact.get(contact.pk, [])
        disclosed = Disclosure.objects.filter(offender_id=contact.offender_id, decided_at__gte=contact.at).exists()
        states.append(
            ContactState(
                contact,
                [k.person.full_name for k in kids if (contact.pk, k.person_id) not in ppns],
                [k.person.full_name for k in kids if k.welfare_checked_at is None],
                disclosed,
            )
        )
    return states


def _rso6_horizon(now: datetime) -> datetime | None:
    return earliest_after([when for s in contact_states(now) for when, _ in s.deadlines()], now)


@clock_rule(
    "RSO-6",
    horizon=_rso6_horizon,
    title="An offender's contact with a child: a PPN in 24 hours, a disclosure decision in 48",
    source=SOURCE + " Delays in referring offenders' contact with children and in disclosing risk to parents.",
)
def rso6_contact_unresolved(now: datetime) -> Iterator[Finding]:
    for state in contact_states(now):
        late = sorted(d for d in state.deadlines() if d[0] <= now)
        if not late:
            continue
        contact = state.contact
        offender = contact.offender
        yield Finding(
            subject_type="offenders.childcontact",
            subject_id=str(contact.pk),
            reason=f"Contact with children on {contact.at.astimezone(LONDON):%d %B %Y}: "
            + "; ".join(what for _, what in late)
            + ".",
            subject_label=f"{offender.person.full_name}'s contact with children",
            person_id=offender.person_id,
            person_label=offender.person.full_name,
            owner_role=Role.OMU,
            owner_user_id=offender.manager_id,
            owner_area_id=offender.area_id,
            due_by=late[0][0],
            severity=Severity.HIGH,
            url=f"/offenders/{offender.pk}/#contacts",
        )


# -- RSO-7 and RSO-8: guards ----------------------------------------------------------------------------

engine.register(
    "RSO-7",
    kind="guard",
    title="A supervision entry says what was decided and why, not only 'seen' or 'noted'",
    source=SOURCE + " Supervision entries said only 'seen', 'noted' or 'agreed'.",
)


def check_supervision_entry(note: str) -> None:
    problem = superficial_entry_problem(note)
    if problem:
        raise RuleRefusal("RSO-7", problem, field="note")


engine.register(
    "RSO-8",
    kind="guard",
    title="Only ViSOR-trained staff record risk management plans",
    source=SOURCE + " Staff without ViSOR training were recording risk plans.",
)


def check_visor(actor: User) -> None:
    if not actor.has_skill("visor"):
        raise RuleRefusal(
            "RSO-8",
            "Only ViSOR-trained staff may record or change a risk management plan, and the skills registry "
            "has no current ViSOR training for you. Ask a trained colleague, or your sergeant to book the course.",
            field="plan",
        )
