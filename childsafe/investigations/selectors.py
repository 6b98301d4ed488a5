"""Reads for the investigation pages: one investigation (need to know), the allocation candidates with their
accreditations and open workload (INV-1), the DFU queue and its backlog by age band (INV-4), lists.

Each is a fixed number of queries whatever the force's size: the candidate list is three, the DFU queue
two (the queue page is limited, the backlog is one grouped count)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404

from childsafe.core import access, clock
from childsafe.core.models import Alert, Skill, User, UserSkill
from childsafe.core.roles import Capability, Role
from childsafe.investigations.models import (
    ACCREDITATION,
    Allocation,
    DfuRequest,
    Investigation,
    InvestigationPerson,
    InvestigationStatus,
    InvestigationType,
    PersonRole,
    VioOffer,
)
from childsafe.investigations.services import can_reach
from childsafe.referrals.selectors import requirements_for

LIST_LIMIT = 200


def _can_read(user: User) -> bool:
    return access.can(user, Capability.INVESTIGATION_WORK) or access.can(user, Capability.DFU_EXAMINE)


def _people() -> Prefetch:
    return Prefetch(
        "people", queryset=InvestigationPerson.objects.select_related("person").order_by("role", "id"), to_attr="named"
    )


def investigation_for_user(user: User, pk: int) -> Investigation:
    """One investigation, if the user may read it (a record outside their reach does not exist for them)."""
    if not _can_read(user):
        access.require(user, Capability.INVESTIGATION_WORK)
    inv = (
        Investigation.objects.select_related("officer", "supervisor", "opened_by", "closed_by", "incident", "area")
        .prefetch_related(_people())
        .filter(pk=pk)
        .first()
    )
    if inv is None or not can_reach(user, inv):
        raise Http404("No investigation with that reference.")
    return inv


def victims(inv: Investigation) -> list:
    return [ip.person for ip in getattr(inv, "named", []) if ip.role == PersonRole.VICTIM]


def suspects(inv: Investigation) -> list:
    return [ip.person for ip in getattr(inv, "named", []) if ip.role == PersonRole.SUSPECT]


@dataclass
class Page:
    inv: Investigation
    allocations: list
    reviews: list
    activities: list
    accesses: list
    bails: list
    dfu: list
    forensic: list
    offers: list
    alerts: list
    unanswered_offers: list
    requirements: dict  # RF-7: the PPN requirement each access record started, by its id
    own_requirement: object  # RF-7 on the investigation itself (a child victim), or None


def investigation_page(inv: Investigation) -> Page:
    offers = list(inv.vio_offers.select_related("offered_by", "responded_by"))
    access_ids = list(inv.accesses.values_list("pk", flat=True))
    subjects = Q(subject_type="investigations.investigation", subject_id=str(inv.pk))
    for model, ids in (
        ("investigations.dfurequest", inv.dfu_requests.values_list("pk", flat=True)),
        ("investigations.bail", inv.bails.values_list("pk", flat=True)),
        ("investigations.forensicsubmission", inv.forensic_submissions.values_list("pk", flat=True)),
        ("investigations.viooffer", [o.pk for o in offers]),
        ("investigations.suspectaccess", access_ids),
    ):
        subjects |= Q(subject_type=model, subject_id__in=[str(i) for i in ids])
    accesses = list(inv.accesses.select_related("suspect", "by").prefetch_related("children"))
    requirements = requirements_for("investigations.suspectaccess", access_ids)
    for access_record in accesses:
        access_record.ppn_requirement = requirements.get(access_record.pk)  # type: ignore[attr-defined]
    return Page(
        inv=inv,
        allocations=list(inv.allocations.select_related("officer", "by")),
        reviews=list(inv.reviews.select_related("by").order_by("-at", "-id")),
        activities=list(inv.activities.select_related("by").order_by("-at", "-id")[:50]),
        accesses=accesses,
        bails=list(inv.bails.select_related("suspect", "set_by")),
        dfu=list(inv.dfu_requests.select_related("submitted_by")),
        forensic=list(inv.forensic_submissions.all()),
        offers=offers,
        alerts=list(Alert.objects.open().filter(subjects).order_by("due_by")),
        unanswered_offers=[o for o in offers if o.responded_at is None],
        requirements=requirements,
        own_requirement=requirements_for("investigations.investigation", [inv.pk]).get(inv.pk),
    )


def investigations_for(user: User) -> QuerySet[Investigation]:
    """Open investigations the user works: their own cases first for an investigator, the area's for a
    supervisor, every open one for the force-wide teams."""
    if not _can_read(user):
        access.require(user, Capability.INVESTIGATION_WORK)
    qs = Investigation.objects.exclude(status=InvestigationStatus.CLOSED)
    if user.role == Role.SUPERVISOR and user.area_id:
        qs = qs.filter(Q(area_id=user.area_id) | Q(supervisor=user))
    elif user.role not in (Role.DFU, Role.SUPERVISOR):
        qs = qs.filter(Q(officer=user) | Q(opened_by=user) | Q(area_id=user.area_id, officer__isnull=True))
    return qs.select_related("officer", "supervisor").order_by("-opened_at", "-id")[:LIST_LIMIT]


# -- INV-1: the candidate list -------------------------------------------------------------------------
@dataclass
class Candidate:
    officer: User
    skills: list[str]
    open_cases: int
    accredited: bool
    other_area: bool
    problem: str


def candidates(inv: Investigation) -> list[Candidate]:
    """Investigators who could take it: their accreditations and current open workload, accredited and
    least loaded first. Three queries whatever the number of officers."""
    officers = list(User.objects.filter(is_active=True, role=Role.INVESTIGATOR).select_related("area"))
    today = clock.today_london()
    held: dict[int, list[str]] = {}
    awards = (
        UserSkill.objects.filter(user__in=officers, awarded_on__lte=today)
        .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        .select_related("skill")
    )
    for award in awards:
        held.setdefault(award.user_id, []).append(award.skill.code)
    names = {a.skill.code: a.skill.name for a in awards}
    load = dict(
        Investigation.objects.filter(officer__in=officers)
        .exclude(status=InvestigationStatus.CLOSED)
        .values_list("officer_id")
        .annotate(n=Count("id"))
    )
    needed = ACCREDITATION.get(InvestigationType(inv.type)) if inv.type in InvestigationType.values else None
    rows = []
    for officer in officers:
        codes = held.get(officer.pk, [])
        accredited = needed is None or needed in codes
        rows.append(
            Candidate(
                officer=officer,
                skills=sorted(names.get(c, c) for c in codes),
                open_cases=load.get(officer.pk, 0),
                accredited=accredited,
                other_area=bool(inv.area_id and officer.area_id and officer.area_id != inv.area_id),
                problem="" if accredited else "Not accredited for this type",
            )
        )
    rows.sort(key=lambda c: (not c.accredited, c.other_area, c.open_cases, c.officer.username))
    return rows


# -- INV-4: the DFU queue and backlog ------------------------------------------------------------------
AGE_BANDS = [
    ("Under 30 days", 0, 30),
    ("30 to 90 days", 30, 90),
    ("90 to 180 days", 90, 180),
    ("180 to 365 days", 180, 365),
    ("Over a year", 365, None),
]
QUEUE_LIMIT = 100


@dataclass
class Band:
    label: str
    count: int
    percent: int  # of the largest band, for the bar's length


def dfu_queue(user: User) -> QuerySet[DfuRequest]:
    """Requests not yet complete: priority first, then oldest first (the `dfu_queue` index)."""
    if not _can_read(user):
        access.require(user, Capability.DFU_EXAMINE)
    return (
        DfuRequest.objects.filter(completed_at__isnull=True)
        .select_related("investigation__officer", "submitted_by")
        # Waiting before in examination (NULLs first on both databases), then priority, then oldest first.
        .order_by(F("started_at").asc(nulls_first=True), "-priority", "submitted_at", "id")[:QUEUE_LIMIT]
    )


def dfu_backlog(now: datetime | None = None) -> list[Band]:
    """Requests not started, by how long they have waited: one grouped count."""
    now = now or clock.now()
    aggregates = {}
    for n, (_, low, high) in enumerate(AGE_BANDS):
        window = Q(submitted_at__lte=now - timedelta(days=low))
        if high is not None:
            window &= Q(submitted_at__gt=now - timedelta(days=high))
        aggregates[f"band{n}"] = Count("id", filter=window)
    counts = DfuRequest.objects.filter(started_at__isnull=True).aggregate(**aggregates)
    largest = max(counts.values(), default=0) or 1
    return [
        Band(label, counts[f"band{n}"], round(100 * counts[f"band{n}"] / largest))
        for n, (label, _, _) in enumerate(AGE_BANDS)
    ]


def unanswered_offers(inv: Investigation) -> list[VioOffer]:
    return list(inv.vio_offers.filter(responded_at__isnull=True).select_related("offered_by"))


@dataclass
class OverrideCount:
    label: str
    count: int


def allocation_overrides(days: int = 365) -> list[OverrideCount]:
    """INV-1's overrides (an investigation given to an officer without the accreditation its type needs),
    counted by accreditation over the last `days`: one grouped count, for leaders to see how often."""
    since = clock.now() - timedelta(days=days)
    rows = (
        Allocation.objects.filter(at__gte=since)
        .exclude(override_accreditation="")
        .values_list("override_accreditation")
        .annotate(n=Count("id"))
        .order_by("override_accreditation")
    )
    names = dict(Skill.objects.values_list("code", "name"))
    return [OverrideCount(names.get(code, code), n) for code, n in rows]
