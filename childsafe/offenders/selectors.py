"""Reads for the offender pages, the person's page, the intelligence check and the rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Prefetch, Q
from django.http import Http404

from childsafe.core import access, clock
from childsafe.core.models import Area, User
from childsafe.core.roles import Capability
from childsafe.offenders import rules
from childsafe.offenders.models import (
    Breach,
    ChildContact,
    Conviction,
    Offender,
    RiskAssessment,
    RiskLevel,
    Visit,
)
from childsafe.people.access import person_for_user

RISK_ORDER = {RiskLevel.VERY_HIGH: 0, RiskLevel.HIGH: 1, RiskLevel.MEDIUM: 2, RiskLevel.LOW: 3, "": 4}


def offender_for_user(
    user: User, pk: int, *, reasons: dict[str, str] | None = None, event_type: str = "offender.view"
) -> Offender:
    """An offender's record, through the person's need to know; the view is logged (DPA 2018 s62)."""
    access.require(user, Capability.OFFENDER_VIEW)
    offender = Offender.objects.select_related("person", "area", "manager").filter(pk=pk).first()
    if offender is None:
        raise Http404("No offender with that reference.")
    # The API passes its one justification under "*"; the pages, the reasons given per person.
    justification = (reasons or {}).get(str(offender.person_id)) or (reasons or {}).get("*", "")
    person_for_user(user, offender.person_id, justification=justification, event_type=event_type)
    return offender


@dataclass
class CaseloadRow:
    offender: Offender
    level: str
    level_label: str
    visit_due: datetime | None
    visit_overdue: bool
    notification_due: datetime | None
    notification_what: str
    notification_overdue: bool
    in_custody: bool
    open_breaches: int
    open_contacts: int


@dataclass
class Caseload:
    area: Area | None
    rows: list[CaseloadRow]
    by_risk: dict[str, int] = field(default_factory=dict)
    visits_overdue: int = 0
    visits_due_30_days: int = 0
    notifications_overdue: int = 0
    open_breaches: int = 0
    open_contacts: int = 0


def caseload(area: Area | None) -> Caseload:
    """An area team's offenders: risk, the next home visit and notification, open breaches and contacts.

    The same state the RSO clocks read, so the page and the alerts never disagree."""
    now = clock.now()
    offenders = Offender.objects.select_related("person", "manager")
    if area is not None:
        offenders = offenders.filter(area=area)
    offenders = offenders.annotate(
        open_breaches=Count("breaches", filter=Q(breaches__decided_at__isnull=True), distinct=True)
    )
    listed = list(offenders)
    ids = [o.pk for o in listed]
    states = rules.offender_states(ids)
    visits = rules.visits_due(ids)
    contacts = {}
    for state in rules.contact_states(now, ChildContact.objects.filter(offender_id__in=ids)):
        if state.deadlines():
            contacts[state.contact.offender_id] = contacts.get(state.contact.offender_id, 0) + 1
    rows = []
    for o in listed:
        state = states[o.pk]
        active = state.active(now)
        due = sorted(state.notification_deadlines()) if active else []
        visit = visits.get(o.pk) if active else None
        level = visits[o.pk][1] if o.pk in visits else ""
        rows.append(
            CaseloadRow(
                offender=o,
                level=level,
                level_label=RiskLevel(level).label if level else "Not assessed",
                visit_due=visit[0] if visit else None,
                visit_overdue=bool(visit and visit[0] <= now),
                notification_due=due[0][0] if due else None,
                notification_what=due[0][1] if due else "",
                notification_overdue=bool(due and due[0][0] <= now),
                in_custody=state.in_custody,
                open_breaches=o.open_breaches,
                open_contacts=contacts.get(o.pk, 0),
            )
        )
    rows.sort(key=lambda r: (RISK_ORDER[r.level], r.offender.person.surname, r.offender.person.forenames))
    result = Caseload(area, rows)
    for r in rows:
        result.by_risk[r.level_label] = result.by_risk.get(r.level_label, 0) + 1
        result.visits_overdue += r.visit_overdue
        if r.visit_due and not r.visit_overdue and (r.visit_due - now).days < 30:
            result.visits_due_30_days += 1
        result.notifications_overdue += r.notification_overdue
        result.open_breaches += r.open_breaches
        result.open_contacts += r.open_contacts
    return result


@dataclass
class OffenderPage:
    offender: Offender
    convictions: list
    orders: list
    notifications: list
    assessments: list
    visits: list
    devices: list
    breaches: list
    contacts: list
    disclosures: list
    supervision: list
    in_custody: bool
    period_ends_at: datetime | None
    period_over: bool
    notification_deadlines: list[tuple[datetime, str]]
    visit_due: tuple[datetime, str] | None
    contact_states: dict[int, rules.ContactState]


def offender_page(offender: Offender) -> OffenderPage:
    now = clock.now()
    state = rules.offender_states([offender.pk])[offender.pk]
    ends = state.period_ends_at()
    contacts = list(offender.child_contacts.select_related("recorded_by").prefetch_related("children__person"))
    return OffenderPage(
        offender=offender,
        convictions=list(offender.convictions.select_related("recorded_by")),
        orders=list(offender.orders.all()),
        notifications=list(offender.notifications.select_related("recorded_by")),
        assessments=list(offender.assessments.select_related("assessed_by")),
        visits=list(
            offender.visits.select_related("recorded_by").prefetch_related("officers", Prefetch("devices_checked"))
        ),
        devices=list(offender.devices.select_related("added_by")),
        breaches=list(offender.breaches.select_related("recorded_by", "decided_by")),
        contacts=contacts,
        disclosures=list(offender.disclosures.select_related("to", "decided_by")),
        supervision=list(offender.supervision.select_related("by")),
        in_custody=state.in_custody,
        period_ends_at=ends,
        period_over=ends is not None and ends <= now,
        notification_deadlines=sorted(state.notification_deadlines()) if state.active(now) else [],
        visit_due=rules.visits_due([offender.pk]).get(offender.pk) if state.active(now) else None,
        contact_states={s.contact.pk: s for s in rules.contact_states(now, offender.child_contacts.all())},
    )


def latest_risk(offender_ids: list[int]) -> dict[int, RiskAssessment]:
    latest: dict[int, RiskAssessment] = {}
    for a in RiskAssessment.objects.filter(offender_id__in=offender_ids).order_by("assessed_at"):
        latest[a.offender_id] = a
    return latest


def open_breach(offender: Offender, pk: int) -> Breach:
    breach = offender.breaches.filter(pk=pk).first()
    if breach is None:
        raise Http404("No such breach on this offender's record.")
    return breach


def last_visits(offender_ids: list[int]) -> dict[int, Visit]:
    last: dict[int, Visit] = {}
    for v in Visit.objects.filter(offender_id__in=offender_ids).order_by("at"):
        last[v.offender_id] = v
    return last


def new_court_results(*, since: datetime) -> list[Conviction]:
    """The daily list: notifiable court results recorded since `since` (index notifiable_results_by_day)."""
    return list(
        Conviction.objects.filter(notifiable=True, recorded_at__gte=since)
        .select_related("offender__person", "recorded_by")
        .order_by("-recorded_at")
    )


@dataclass
class ComplianceMonth:
    month_end: datetime
    assessed: int
    on_time: int

    @property
    def percent(self) -> int:
        return round(100 * self.on_time / self.assessed) if self.assessed else 100


def visit_compliance(offender_ids: list[int], *, months: int = 12) -> list[ComplianceMonth]:
    """Home-visit compliance at the end of each of the last `months` months: of the offenders assessed by
    then, how many had no home visit overdue (RSO-3, as the rule counted it at that moment)."""
    now = clock.now()
    intervals = rules.visit_intervals()
    assessments: dict[int, list[tuple[datetime, str]]] = {}
    for offender_id, at, level in (
        RiskAssessment.objects.filter(offender_id__in=offender_ids)
        .order_by("assessed_at")
        .values_list("offender_id", "assessed_at", "level")
    ):
        assessments.setdefault(offender_id, []).append((at, level))
    homes: dict[int, list[datetime]] = {}
    for offender_id, at in (
        Visit.objects.filter(offender_id__in=list(assessments), kind="home")
        .order_by("at")
        .values_list("offender_id", "at")
    ):
        homes.setdefault(offender_id, []).append(at)
    result = []
    for k in range(months, 0, -1):
        end = rules.add_months(now, -k + 1) if k > 1 else now
        assessed = on_time = 0
        for offender_id, history in assessments.items():
            known = [(at, level) for at, level in history if at <= end]
            if not known:
                continue
            assessed += 1
            visits = [v for v in homes.get(offender_id, []) if known[0][0] <= v <= end]
            base = max(known[0][0], visits[-1]) if visits else known[0][0]
            if rules.add_months(base, intervals[known[-1][1]]) > end:
                on_time += 1
        result.append(ComplianceMonth(end, assessed, on_time))
    return result


@dataclass
class BriefingRow:
    offender: Offender
    level: str
    address: str


def briefing(area: Area) -> list[BriefingRow]:
    """Offenders at liberty and on the register in an area, highest risk first, with their address."""
    from childsafe.people.models import PersonAddress

    now = clock.now()
    today = clock.today_london()
    offenders = list(Offender.objects.filter(area=area).select_related("person", "manager"))
    ids = [o.pk for o in offenders]
    states = rules.offender_states(ids, notifications=False)
    levels = {k: v[1] for k, v in rules.visits_due(ids).items()}
    addresses: dict[int, str] = {}
    for person_id, line1, town, postcode in (
        PersonAddress.objects.filter(person_id__in=[o.person_id for o in offenders])
        .exclude(valid_to__lt=today)
        .order_by("valid_from")
        .values_list("person_id", "location__line1", "location__town", "location__postcode")
    ):
        addresses[person_id] = ", ".join(p for p in (line1, town, postcode) if p)
    rows = [
        BriefingRow(o, levels.get(o.pk, ""), addresses.get(o.person_id, "No address recorded"))
        for o in offenders
        if states[o.pk].active(now)
    ]
    rows.sort(key=lambda r: (RISK_ORDER[r.level], r.offender.person.surname))
    return rows
