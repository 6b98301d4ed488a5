"""Reads for the PPN pages: the VAT queue with its age profile and demand (RF-3), an officer's own
PPNs and, for a supervisor, their officers' returned ones (RF-4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404

from childsafe.core import clock, policy
from childsafe.core.models import OutboxMessage, User
from childsafe.incidents.models import Incident
from childsafe.missing.models import SafeAndWellCheck
from childsafe.people.models import Organisation, Person
from childsafe.referrals import encompass, rules
from childsafe.referrals.models import (
    EncompassNotification,
    Ppn,
    PpnDelay,
    PpnDraft,
    PpnDraftChild,
    PpnRequirement,
    PpnReview,
    PpnStatus,
)
from childsafe.referrals.services import SHAREABLE

# (label, from hours, to hours or None)
AGE_BANDS = [("Under 4 hours", 0, 4), ("4 to 12 hours", 4, 12), ("12 to 24 hours", 12, 24), ("Over 24 hours", 24, None)]


def _ppns() -> QuerySet[Ppn]:
    return Ppn.objects.select_related("submitted_by", "triaged_by", "incident")


def vat_queue() -> dict[str, Any]:
    """PPNs waiting for triage, oldest first, their ages in bands, and the week's demand against capacity."""
    now = clock.now()
    waiting = list(
        _ppns().filter(status=PpnStatus.SUBMITTED).order_by("submitted_at", "id").prefetch_related("children__person")
    )
    profile = []
    for label, low, high in AGE_BANDS:
        count = sum(
            1
            for p in waiting
            if now - p.submitted_at >= timedelta(hours=low)
            and (high is None or now - p.submitted_at < timedelta(hours=high))
        )
        profile.append({"label": label, "count": count})
    for p in waiting:
        p.age_hours = int((now - p.submitted_at).total_seconds() // 3600)
    demand = daily_demand(clock.today_london(), DEMAND_DAYS)
    return {
        "waiting": waiting,
        "profile": profile,
        "submitted_today": demand[-1].submitted,
        "triaged_today": demand[-1].triaged,
        "demand": demand,
        "capacity": demand[-1].capacity,
        "demand_summary": demand_summary(demand),
    }


DEMAND_DAYS = 7


@dataclass
class DemandDay:
    day: date
    submitted: int
    triaged: int
    capacity: int

    @property
    def over(self) -> bool:
        return self.submitted > self.capacity


def daily_demand(today: date, days: int) -> list[DemandDay]:
    """RF-3: PPNs submitted (demand) and triaged each London day, oldest first, against VAT's daily capacity."""
    first = today - timedelta(days=days - 1)
    start = datetime.combine(first, time(0), tzinfo=clock.LONDON)

    def per_day(field: str) -> dict[date, int]:
        rows = (
            Ppn.objects.filter(**{f"{field}__gte": start})
            .annotate(day=TruncDate(field, tzinfo=clock.LONDON))
            .values_list("day")
            .annotate(n=Count("id"))
        )
        return dict(rows)

    submitted, triaged = per_day("submitted_at"), per_day("triaged_at")
    capacity = int(policy.get(rules.VAT_DAILY_CAPACITY.key))
    return [
        DemandDay(d, submitted.get(d, 0), triaged.get(d, 0), capacity)
        for d in (first + timedelta(days=n) for n in range(days))
    ]


def demand_summary(demand: list[DemandDay]) -> str:
    """The week in one plain sentence: on which days demand went over what VAT can triage."""
    over = [d for d in demand if d.over]
    if not over:
        return (
            f"Demand stayed within VAT's capacity of {demand[-1].capacity} PPNs a day on each of the last "
            f"{len(demand)} days."
        )
    days = "; ".join(f"{d.day:%A} {d.day.day} {d.day:%B} ({d.submitted} submitted)" for d in over)
    return (
        f"Demand exceeded VAT's capacity of {over[-1].capacity} PPNs a day on {len(over)} of the last "
        f"{len(demand)} days: {days}."
    )


def my_ppns(user: User) -> list[Ppn]:
    return list(_ppns().filter(submitted_by=user).order_by("-submitted_at")[:100])


def my_drafts(user: User) -> list[PpnDraft]:
    """The user's own unsubmitted drafts, newest first. Nobody else's: drafts are seen only by their author."""
    return list(
        PpnDraft.objects.filter(author=user, submitted_ppn__isnull=True)
        .select_related("incident")
        .prefetch_related("children__person")
        .order_by("-updated_at", "-id")
    )


def draft_get(user: User, pk: int) -> PpnDraft:
    """The user's own draft (submitted or not); anyone else's is not there (404)."""
    draft = PpnDraft.objects.select_related("incident", "submitted_ppn").filter(pk=pk, author=user).first()
    if draft is None:
        raise Http404("No draft PPN with that reference.")
    return draft


def draft_children(draft: PpnDraft) -> list[PpnDraftChild]:
    return list(draft.children.select_related("person").order_by("id"))


def draft_others(draft: PpnDraft) -> list[Any]:
    """RF-8: the household's children the draft says are not referred, and the reasons so far."""
    return list(draft.other_people.select_related("person").order_by("id"))


def ppn_others(ppn: Ppn) -> list[Any]:
    """RF-8: the household's children not referred on this PPN, and why not."""
    return list(ppn.other_people.select_related("person").order_by("id"))


RETURNS_PAGE_SIZE = 25


def team_returns(user: User, page_number: Any = 1) -> Page:
    """RF-4: every PPN VAT returned to an officer this user line-manages, a page at a time (never cut short)."""
    returned = _ppns().filter(submitted_by__line_manager=user, status=PpnStatus.RETURNED).order_by("-triaged_at", "-id")
    return Paginator(returned, RETURNS_PAGE_SIZE).get_page(page_number)


@dataclass
class SampleRow:
    ppn: Ppn
    review: PpnReview | None


def supervisor_sample(user: User, month: date) -> dict[str, Any]:
    """RF-5: this supervisor's sample for the month, each PPN with the findings recorded on it (if any)."""
    sample = rules.ppn_sample(user.pk, month)
    ppns = _ppns().in_bulk(sample.picked)
    reviews = {r.ppn_id: r for r in PpnReview.objects.filter(reviewer=user, ppn_id__in=sample.picked)}
    return {
        "sample": sample,
        "rows": [SampleRow(ppns[pk], reviews.get(pk)) for pk in sample.picked if pk in ppns],
        "percent": policy.get(rules.SAMPLE_PERCENT.key),
        "officers": list(user.reports.filter(is_active=True).order_by("username")),
    }


@dataclass
class ComplianceRow:
    supervisor: User
    submitted: int
    required: int
    reviewed: int

    @property
    def done(self) -> bool:
        return self.reviewed >= self.required

    @property
    def short(self) -> int:
        return max(0, self.required - self.reviewed)


def sampling_compliance(month: date) -> list[ComplianceRow]:
    """RF-5 for leaders: every line manager, how many PPNs their officers submitted in the month, how many
    they had to review and how many they did. Those short of it first."""
    counts = {sid: c for (sid, m), c in rules.sampling_counts(month, month).items() if m == month}
    managers = set(User.objects.filter(reports__is_active=True).values_list("pk", flat=True)) | set(counts)
    users = User.objects.in_bulk(managers)
    percent = int(policy.get(rules.SAMPLE_PERCENT.key))
    rows = []
    for pk in managers:
        if pk in users:
            submitted, reviewed = counts.get(pk, (0, 0))
            rows.append(ComplianceRow(users[pk], submitted, rules.sample_required(submitted, percent), reviewed))
    return sorted(rows, key=lambda r: (r.done, r.supervisor.username))


def ppn_get(pk: int) -> Ppn:
    ppn = _ppns().filter(pk=pk).first()
    if ppn is None:
        raise Http404("No PPN with that reference.")
    return ppn


def ppn_children(ppn: Ppn) -> list[Any]:
    return list(ppn.children.select_related("person").order_by("id"))


def ppn_shares(ppn: Ppn) -> list[Any]:
    return list(ppn.shares.select_related("organisation", "acknowledged_by").order_by("organisation__name"))


def shareable_organisations() -> list[Organisation]:
    return list(Organisation.objects.filter(type__in=SHAREABLE).order_by("type", "name"))


def check_for_ppn(pk: int | None) -> SafeAndWellCheck | None:
    """A safe and well check with new concerns, to start its PPN from (None for no such check)."""
    if not pk:
        return None
    return SafeAndWellCheck.objects.select_related("episode__person").filter(pk=pk, new_concerns=True).first()


def suggested_partners(person_ids: list[int]) -> set[int]:
    """Issue 16: the children's local authorities and current schools, pre-ticked at triage (VAT decides)."""
    from childsafe.people.models import SchoolEnrolment

    authorities = Person.objects.filter(pk__in=person_ids, local_authority__isnull=False).values_list(
        "local_authority_id", flat=True
    )
    schools = SchoolEnrolment.objects.filter(person_id__in=person_ids, valid_to__isnull=True).values_list(
        "school_id", flat=True
    )
    return set(authorities) | set(schools)


def organisations(ids: list[int]) -> list[Organisation]:
    return list(Organisation.objects.filter(pk__in=ids).order_by("name"))


@dataclass
class ReconciliationRow:
    """One child of school age on one domestic abuse incident, and what happened to their notification."""

    incident: Incident
    person: Person
    notification: EncompassNotification | None
    state: str  # delivered on time, delivered late, waiting, cannot be sent, missing
    late_by: timedelta | None = None  # recorded this long after it happened (more than the RF-9 threshold)

    @property
    def late_text(self) -> str:
        return encompass.describe(self.late_by) if self.late_by else ""


def encompass_reconciliation(since: datetime, until: datetime) -> list[ReconciliationRow]:
    """RF-9's 100% reconciliation: every domestic abuse incident recorded in the window with a school-age
    child present or normally resident (encompass.qualifying), and its notification's state. A row with no
    notification is a gap (the RF-9 sweep raises an alert for it too)."""
    people = encompass.qualifying(
        encompass.candidates()
        .filter(incident__created_at__gte=since, incident__created_at__lt=until)
        .order_by("-incident__created_at", "id")
    )
    notes = {
        (n.incident_id, n.person_id): n
        for n in EncompassNotification.objects.filter(
            incident__created_at__gte=since, incident__created_at__lt=until
        ).select_related("organisation")
    }
    delivered = dict(
        OutboxMessage.objects.filter(kind="encompass", delivered_at__isnull=False).values_list(
            "source_id", "delivered_at"
        )
    )
    threshold = rules.late_recording_threshold()
    rows = []
    for ip in people:
        note = notes.get((ip.incident_id, ip.person_id))
        if note is None:
            state = "missing"
        elif note.problem:
            state = "cannot be sent"
        elif str(note.pk) in delivered:
            on_time = note.due_by is None or delivered[str(note.pk)] <= note.due_by
            state = "delivered on time" if on_time else "delivered late"
        else:
            state = "waiting"
        rows.append(ReconciliationRow(ip.incident, ip.person, note, state, encompass.late_by(ip.incident, threshold)))
    return rows


@dataclass
class DelayPage:
    """RF-7 for one safe and well check with new concerns: when the PPN is due, the delays approved."""

    check: SafeAndWellCheck
    due: datetime
    inspector_limit: datetime  # an inspector may approve up to here; a superintendent beyond
    delays: list[PpnDelay]
    ppn_submitted: bool
    delayed_until: datetime | None


def delay_page(check_pk: int) -> DelayPage:
    from childsafe.referrals.services import DELAY_INSPECTOR_LIMIT, ppn_delay_deadline

    check = (
        SafeAndWellCheck.objects.select_related("episode__person", "by").filter(pk=check_pk, new_concerns=True).first()
    )
    if check is None:
        raise Http404("No safe and well check with new concerns has that reference.")
    due = ppn_delay_deadline(check)
    delays = list(check.ppn_delays.select_related("approved_by", "recorded_by").order_by("-recorded_at", "-id"))
    now = clock.now()
    return DelayPage(
        check=check,
        due=due,
        inspector_limit=due + DELAY_INSPECTOR_LIMIT,
        delays=delays,
        ppn_submitted=rules.ppn_submitted_since(check.episode.person_id, check.at),
        delayed_until=max((d.until for d in delays if d.until > now), default=None),
    )


def open_requirement(pk: int | None) -> PpnRequirement | None:
    """An RF-7 requirement still waiting for its PPN (None once met, or for no such number)."""
    if not pk:
        return None
    return PpnRequirement.objects.filter(pk=pk, satisfied_at__isnull=True).first()


@dataclass
class RequirementPage:
    """RF-7 for one record that showed a child at risk: when the PPN is due, the delays approved."""

    requirement: PpnRequirement
    children: list[Person]
    due: datetime
    inspector_limit: datetime
    delays: list[PpnDelay]
    delayed_until: datetime | None


def requirement_page(pk: int) -> RequirementPage:
    from childsafe.referrals.services import DELAY_INSPECTOR_LIMIT, ppn_requirement_deadline

    requirement = PpnRequirement.objects.select_related("due_from", "satisfied_by").filter(pk=pk).first()
    if requirement is None:
        raise Http404("No PPN requirement has that reference.")
    due = ppn_requirement_deadline(requirement)
    delays = list(requirement.delays.select_related("approved_by").order_by("-recorded_at", "-id"))
    now = clock.now()
    return RequirementPage(
        requirement=requirement,
        children=sorted(requirement.children.all(), key=lambda p: p.full_name),
        due=due,
        inspector_limit=due + DELAY_INSPECTOR_LIMIT,
        delays=delays,
        delayed_until=max((d.until for d in delays if d.until > now), default=None),
    )


def requirements_for(subject_type: str, ids: list[int]) -> dict[int, PpnRequirement]:
    """RF-7 requirements started by these records of one type, by the record's id: one query."""
    rows = PpnRequirement.objects.filter(subject_type=subject_type, subject_id__in=[str(i) for i in ids])
    return {int(r.subject_id): r for r in rows}
