"""Investigations: INV-1 to INV-8 (RULES.md). Guards are functions the services call; clocks are queries
with their next deadline (docs/adr/0004).

Report, 'Investigation' and 'Decision-making', and the case study 'ineffective supervision hampers an
active CSE investigation': investigations allocated to officers without the skills, supervision that was
inconsistent, cases that stalled unnoticed, forensic samples returned and never resubmitted, devices
untouched for months, a suspect's remark about his own children never followed up, and a victim
identification officer's offer of help ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from django.db.models import Exists, OuterRef, Q

from childsafe.core import engine, policy
from childsafe.core.engine import Finding, clock_rule, earliest_after
from childsafe.core.models import Severity, User
from childsafe.core.roles import Rank, Role
from childsafe.investigations.models import (
    Bail,
    DfuRequest,
    ForensicSubmission,
    Investigation,
    InvestigationStatus,
    InvestigationType,
    SupervisionReview,
    VioOffer,
)
from childsafe.people.calendars import Calendar

SOURCE = "Report, 'Investigation'."
SOURCE_CASE = "Report, case study 'ineffective supervision hampers an active CSE investigation'."
SOURCE_DECISIONS = "Report, 'Decision-making'."

FIRST_REVIEW_HOURS = policy.define(
    "investigations.inv2_first_review_hours",
    default=72,
    unit="hours",
    rule_id="INV-2",
    description="The first supervision review of an investigation is due this long after allocation.",
)
REVIEW_DAYS = policy.define(
    "investigations.inv2_review_days",
    default=28,
    unit="days",
    rule_id="INV-2",
    description="After the first, a supervision review is due at least this often.",
)
DRIFT_SUPERVISOR_DAYS = policy.define(
    "investigations.inv3_supervisor_days",
    default=14,
    unit="days",
    rule_id="INV-3",
    description="An open investigation with no recorded activity for this long alerts the supervisor.",
)
DRIFT_DI_DAYS = policy.define(
    "investigations.inv3_di_days",
    default=28,
    unit="days",
    rule_id="INV-3",
    description="An open investigation with no recorded activity for this long alerts the detective inspector.",
)
DFU_START_DAYS = policy.define(
    "investigations.inv4_dfu_start_days",
    default=30,
    unit="days",
    rule_id="INV-4",
    description="A digital forensic request not started within this long alerts the officer in the case and the DI.",
)
RESUBMIT_WORKING_DAYS = policy.define(
    "investigations.inv5_resubmit_working_days",
    default=2,
    unit="days",
    rule_id="INV-5",
    description="A returned forensic submission is resubmitted within this many working days.",
)
BAIL_WARNING_DAYS = policy.define(
    "investigations.inv7_bail_warning_days",
    default=7,
    unit="days",
    rule_id="INV-7",
    description="The officer in the case is alerted this long before a suspect's bail ends.",
)
VIO_RESPONSE_DAYS = policy.define(
    "investigations.inv8_vio_response_days",
    default=7,
    unit="days",
    rule_id="INV-8",
    description="The officer in the case answers a victim identification officer's offer within this long.",
)


def _days(setting: policy.PolicySetting) -> timedelta:
    return timedelta(days=int(policy.get(setting.key)))


def _hours(setting: policy.PolicySetting) -> timedelta:
    return timedelta(hours=int(policy.get(setting.key)))


# -- working days (INV-5) ------------------------------------------------------------------------------
# The force works Monday to Friday except the bank holidays in England: the bank-holiday calendar with
# no term holidays, from people.calendars, so that a return on the Friday before a bank holiday Monday is
# due on the Wednesday, not the Sunday.
FORCE_CALENDAR = Calendar(base="england_bank_holidays")


def add_working_days(start: datetime, days: int, calendar: Calendar = FORCE_CALENDAR) -> datetime:
    """`start` moved on by `days` working days, at the same London time of day."""
    from childsafe.core.clock import LONDON

    local = start.astimezone(LONDON)
    day: date = local.date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if calendar.is_school_day(day):
            counted += 1
    return datetime.combine(day, local.time().replace(tzinfo=None), tzinfo=LONDON)


# -- INV-1 ---------------------------------------------------------------------------------------------
engine.register(
    "INV-1",
    kind="guard",
    title="Online CSA, CSE and complex child abuse go to an officer with the matching accreditation",
    source=SOURCE + " Investigations were allocated to officers without the right skills.",
)


# -- INV-2 ---------------------------------------------------------------------------------------------
_TYPES = dict(InvestigationType.choices)


def _label(reference: str, type_: str) -> str:
    """An investigation's label, as `str(investigation)` gives it, from plain columns."""
    return f"{reference} {_TYPES.get(type_, type_)}"


def _allocated():
    return Investigation.objects.filter(status=InvestigationStatus.ALLOCATED)


@clock_rule(
    "INV-2",
    title="Supervision: first review within 72 hours of allocation, then every 28 days",
    source=SOURCE_CASE + " Supervision was inconsistent and gave no direction.",
    horizon=lambda now: earliest_after(list(_allocated().values_list("review_due_at", flat=True)), now),
)
def inv2_supervision(now: datetime) -> Iterator[Finding]:
    # Whether each has been reviewed in the same query (not one query per overdue investigation); only the
    # columns the finding uses.
    # columns the finding uses, as plain rows: at a force's size there are thousands (bench/README.md, sweep).
    reviewed = SupervisionReview.objects.filter(investigation=OuterRef("pk"))
    due = (
        _allocated()
        .filter(review_due_at__lte=now)
        .annotate(reviewed=Exists(reviewed))
        .values_list("pk", "reference", "type", "supervisor_id", "area_id", "review_due_at", "reviewed", named=True)
    )
    for inv in due:
        first = not inv.reviewed
        yield Finding(
            subject_type="investigations.investigation",
            subject_id=str(inv.pk),
            subject_label=_label(inv.reference, inv.type),
            owner_role=Role.SUPERVISOR,
            owner_user_id=inv.supervisor_id,
            owner_area_id=inv.area_id,
            due_by=inv.review_due_at,
            severity=Severity.HIGH,
            url=f"/investigations/{inv.pk}/supervise/",
            reason=(
                f"Investigation {inv.reference} has had no supervision review since it was allocated."
                if first
                else f"Investigation {inv.reference}'s supervision review is overdue."
            ),
        )


# -- INV-3 ---------------------------------------------------------------------------------------------
def _detective_inspector(area_id: int | None, cache: dict[int | None, int | None]) -> int | None:
    """The area's detective inspector: a supervisor of inspector rank or above in the area."""
    if area_id not in cache:
        candidates = User.objects.filter(Q(area_id=area_id), is_active=True, role=Role.SUPERVISOR).exclude(
            rank__in=[Rank.CONSTABLE, Rank.SERGEANT, Rank.STAFF, ""]
        )
        cache[area_id] = candidates.order_by("id").values_list("pk", flat=True).first()
    return cache[area_id]


def _drift_horizon(now: datetime) -> datetime | None:
    supervisor, di = _days(DRIFT_SUPERVISOR_DAYS), _days(DRIFT_DI_DAYS)
    times = []
    for last in _allocated().values_list("last_activity_at", flat=True):
        times += [last + supervisor, last + di]
    return earliest_after(times, now)


@clock_rule(
    "INV-3",
    title="Drift: no activity for 14 days alerts the supervisor, 28 days the DI",
    source=SOURCE + " Investigations stalled and nobody noticed.",
    horizon=_drift_horizon,
)
def inv3_drift(now: datetime) -> Iterator[Finding]:
    supervisor, di = _days(DRIFT_SUPERVISOR_DAYS), _days(DRIFT_DI_DAYS)
    inspectors: dict[int | None, int | None] = {}
    drifting = _allocated().filter(last_activity_at__lte=now - supervisor)
    # Plain rows of the columns used: thousands at a force's size (bench/README.md, sweep).
    for inv in drifting.values_list(
        "pk", "reference", "type", "supervisor_id", "area_id", "last_activity_at", named=True
    ):
        days = (now - inv.last_activity_at).days
        to_di = inv.last_activity_at <= now - di
        yield Finding(
            subject_type="investigations.investigation",
            subject_id=str(inv.pk),
            subject_label=_label(inv.reference, inv.type),
            owner_role=Role.SUPERVISOR,
            owner_user_id=_detective_inspector(inv.area_id, inspectors) if to_di else inv.supervisor_id,
            owner_area_id=inv.area_id,
            due_by=inv.last_activity_at + (di if to_di else supervisor),
            severity=Severity.HIGH if to_di else Severity.MEDIUM,
            url=f"/investigations/{inv.pk}/",
            reason=(
                f"No activity has been recorded on investigation {inv.reference} for {days} days"
                + (": the detective inspector is told." if to_di else ".")
            ),
        )


# -- INV-4 ---------------------------------------------------------------------------------------------
def _dfu_waiting():
    return DfuRequest.objects.filter(started_at__isnull=True)


@clock_rule(
    "INV-4",
    title="A DFU request not started within 30 days alerts the officer in the case and the DI",
    source=SOURCE + " Devices in a child-rape case were untouched six months after submission.",
    horizon=lambda now: earliest_after(
        [t + _days(DFU_START_DAYS) for t in _dfu_waiting().values_list("submitted_at", flat=True)], now
    ),
)
def inv4_dfu(now: datetime) -> Iterator[Finding]:
    within = _days(DFU_START_DAYS)
    waiting = _dfu_waiting().filter(submitted_at__lte=now - within)
    # Plain rows of the columns used (bench/README.md, sweep).
    for request in waiting.values_list(
        "pk",
        "investigation_id",
        "investigation__reference",
        "investigation__officer_id",
        "investigation__area_id",
        "submitted_by_id",
        "submitted_at",
        "priority",
        named=True,
    ):
        reference = request.investigation__reference
        yield Finding(
            subject_type="investigations.dfurequest",
            subject_id=str(request.pk),
            subject_label=f"DFU request for {reference}",  # as str(DfuRequest)
            owner_role=Role.INVESTIGATOR,
            owner_user_id=request.investigation__officer_id or request.submitted_by_id,
            owner_area_id=request.investigation__area_id,
            due_by=request.submitted_at + within,
            severity=Severity.HIGH if request.priority else Severity.MEDIUM,
            url=f"/investigations/{request.investigation_id}/",
            reason=(
                f"The devices submitted to the DFU for {reference} have not been examined after "
                f"{(now - request.submitted_at).days} days: the officer in the case and the DI are told."
            ),
        )


# -- INV-5 ---------------------------------------------------------------------------------------------
def _returned():
    return ForensicSubmission.objects.filter(returned_at__isnull=False, resubmitted_at__isnull=True)


@clock_rule(
    "INV-5",
    title="A returned forensic submission is resubmitted within 2 working days",
    source=SOURCE + " Samples returned for wrong forms were not resubmitted.",
    horizon=lambda now: earliest_after(list(_returned().values_list("resubmit_due_at", flat=True)), now),
)
def inv5_resubmit(now: datetime) -> Iterator[Finding]:
    for sub in _returned().filter(resubmit_due_at__lte=now).select_related("investigation"):
        inv = sub.investigation
        yield Finding(
            subject_type="investigations.forensicsubmission",
            subject_id=str(sub.pk),
            subject_label=str(sub)[:300],
            owner_role=Role.INVESTIGATOR,
            owner_user_id=inv.officer_id or sub.submitted_by_id,
            owner_area_id=inv.area_id,
            due_by=sub.resubmit_due_at,
            severity=Severity.HIGH,
            url=f"/investigations/{inv.pk}/",
            reason=f"{sub.item} for {inv.reference} was returned ({sub.return_reason}) and has not been resubmitted.",
        )


# -- INV-6 ---------------------------------------------------------------------------------------------
engine.register(
    "INV-6",
    kind="prompt",
    title="A suspect's access to children prompts a PPN for those children (RF-7's clock starts)",
    source=SOURCE_CASE + " The suspect said he had children of his own; nobody followed it up.",
)


# -- INV-7 ---------------------------------------------------------------------------------------------
def _current_bail():
    return Bail.objects.filter(ended_at__isnull=True)


@clock_rule(
    "INV-7",
    title="Bail: an alert 7 days before bail ends",
    source=SOURCE,
    horizon=lambda now: earliest_after(
        [t - _days(BAIL_WARNING_DAYS) for t in _current_bail().values_list("ends_at", flat=True)], now
    ),
)
def inv7_bail(now: datetime) -> Iterator[Finding]:
    warning = _days(BAIL_WARNING_DAYS)
    for bail in _current_bail().filter(ends_at__lte=now + warning).select_related("investigation", "suspect"):
        inv = bail.investigation
        ended = bail.ends_at <= now
        yield Finding(
            subject_type="investigations.bail",
            subject_id=str(bail.pk),
            subject_label=str(bail),
            person_id=bail.suspect_id,
            person_label=bail.suspect.full_name,
            owner_role=Role.INVESTIGATOR,
            owner_user_id=inv.officer_id or bail.set_by_id,
            owner_area_id=inv.area_id,
            due_by=bail.ends_at,
            severity=Severity.HIGH if ended else Severity.MEDIUM,
            url=f"/investigations/{inv.pk}/",
            reason=(
                f"{bail.suspect.full_name}'s bail for {inv.reference} has ended with no outcome recorded."
                if ended
                else f"{bail.suspect.full_name}'s bail for {inv.reference} ends within {warning.days} days."
            ),
        )


# -- INV-8 ---------------------------------------------------------------------------------------------
def _unanswered():
    return VioOffer.objects.filter(responded_at__isnull=True)


@clock_rule(
    "INV-8",
    title="A victim identification officer's offer of help is answered within 7 days",
    source=SOURCE_DECISIONS + " A victim identification officer's offer of help was not taken up.",
    horizon=lambda now: earliest_after(
        [t + _days(VIO_RESPONSE_DAYS) for t in _unanswered().values_list("offered_at", flat=True)], now
    ),
)
def inv8_vio(now: datetime) -> Iterator[Finding]:
    within = _days(VIO_RESPONSE_DAYS)
    for offer in _unanswered().filter(offered_at__lte=now - within).select_related("investigation"):
        inv = offer.investigation
        yield Finding(
            subject_type="investigations.viooffer",
            subject_id=str(offer.pk),
            subject_label=str(offer),
            owner_role=Role.INVESTIGATOR,
            owner_user_id=inv.officer_id,
            owner_area_id=inv.area_id,
            due_by=offer.offered_at + within,
            severity=Severity.MEDIUM,
            url=f"/investigations/{inv.pk}/",
            reason=f"The victim identification officer's offer of help on {inv.reference} has had no answer.",
        )
