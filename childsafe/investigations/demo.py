"""Synthetic investigations for a generated force (`childsafe generate --history 1`): five years of closed
child-abuse investigations and today's open caseload, with a DFU backlog, at a real force's volumes.

North Yorkshire (about 830,000 people) records a few thousand child-abuse investigations a year: about 18 a
year for each unit of the demo's scale (5,000 people). Investigations stay open for months, and a DFU
backlog of a year is what the inspectorate found, so the open caseload carries DFU requests waiting from
days to over a year, some with priority, some examined. Everything is seeded: the same force, seed and
history give the same records.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction

from childsafe.core import clock
from childsafe.core.models import Area, User
from childsafe.core.roles import Rank, Role
from childsafe.demo.clocks import ClockOutcomes
from childsafe.investigations.models import (
    Allocation,
    Bail,
    DfuRequest,
    Investigation,
    InvestigationOutcome,
    InvestigationPerson,
    InvestigationStatus,
    InvestigationType,
    PersonRole,
    SupervisionReview,
)
from childsafe.people.models import ADULT_AGE, Person

PER_YEAR = 18  # closed investigations a year per unit of scale
OPEN = 12  # open investigations per unit of scale
YEARS = 5
TYPES = [
    (InvestigationType.CHILD_SEXUAL_ABUSE, 25),
    (InvestigationType.PHYSICAL_ABUSE, 25),
    (InvestigationType.NEGLECT, 20),
    (InvestigationType.ONLINE_CHILD_ABUSE, 12),
    (InvestigationType.CSE, 8),
    (InvestigationType.CCE, 5),
    (InvestigationType.COMPLEX_CHILD_ABUSE, 2),
    (InvestigationType.OTHER, 3),
]
# The clocks' deadlines (the rules' policy defaults), for timing the closed cases.
FIRST_REVIEW = timedelta(hours=72)  # INV-2
DRIFT = timedelta(days=14)  # INV-3, to the supervisor
DFU_START = timedelta(days=30)  # INV-4
# How long an open investigation's DFU request has waited (days), weighted like the backlog the report found.
DFU_WAITS = [(5, 30), (45, 25), (120, 20), (250, 15), (420, 10)]


def _officers(prefix: str, role: str, rank: str, n: int) -> list[User]:
    wanted = [f"{prefix}-{k:02d}" for k in range(n)]
    existing = {u.username: u for u in User.objects.filter(username__in=wanted)}
    areas = list(Area.objects.order_by("code"))
    out = []
    for k, username in enumerate(wanted):
        user = existing.get(username)
        if user is None:
            user = User(
                username=username,
                role=role,
                rank=rank,
                first_name="Synthetic",
                last_name=f"{role.title()} {k:02d}",
                area=areas[k % len(areas)] if areas else None,
            )
            user.set_unusable_password()  # nobody signs in as them
            user.save()
        out.append(user)
    return out


def generate_investigations(*, scale: float, history: float = 1.0, seed: int = 1) -> dict[str, int]:
    """Add closed investigations (x `history`) over five years and an open caseload. Returns counts."""
    rng = random.Random(f"investigations:{seed}")
    now = clock.now()
    adult_cut = clock.today_london().replace(year=clock.today_london().year - ADULT_AGE, day=1)
    children = list(
        Person.objects.filter(date_of_birth__gt=adult_cut, synthetic_truth_id__isnull=True)
        .order_by("pk")
        .values_list("pk", "area_id")
    )
    adults = list(
        Person.objects.filter(date_of_birth__lte=adult_cut, synthetic_truth_id__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:50_000]
    )
    if not children or not adults:
        return {"closed": 0, "open": 0, "dfu_waiting": 0}
    detectives = _officers("history-investigator", Role.INVESTIGATOR, Rank.CONSTABLE, max(4, int(12 * scale)))
    sergeants = _officers("history-sergeant", Role.SUPERVISOR, Rank.SERGEANT, max(2, int(4 * scale)))
    _officers("history-di", Role.SUPERVISOR, Rank.INSPECTOR, 3)
    types, weights = zip(*TYPES, strict=True)
    counter = Investigation.objects.filter(reference__startswith="INVH").count()

    def reference(at: datetime) -> str:
        nonlocal counter
        counter += 1
        return f"INVH{seed}-{at.astimezone(clock.LONDON):%Y%m%d}-{counter:06d}"

    # Which closed cases were supervised late or drifted, and their DFU waits: late at the inspection,
    # improving since (childsafe.demo.clocks).
    clocks = ClockOutcomes(seed=seed, now=now, namespace=f"investigations:{counter}")
    closed_n = round(PER_YEAR * scale * YEARS * history)
    open_n = max(1, round(OPEN * scale))
    plans: list[tuple[datetime, bool]] = [
        (now - timedelta(days=rng.uniform(60, YEARS * 365)), True) for _ in range(closed_n)
    ] + [(now - timedelta(days=rng.uniform(1, 200)), False) for _ in range(open_n)]
    invs: list[Investigation] = []
    victims: list[int] = []
    # The open caseload goes round the areas, so every area's team has open cases however small the force.
    by_area: dict[int | None, list[tuple[int, int | None]]] = {}
    for child in children:
        by_area.setdefault(child[1], []).append(child)
    area_keys = sorted((a for a in by_area if a is not None), key=int) or [None]
    opened_so_far = 0
    for opened, closed in plans:
        officer, sergeant = rng.choice(detectives), rng.choice(sergeants)
        allocated = opened + timedelta(hours=rng.uniform(1, 30))
        if closed:
            victim, child_area = rng.choice(children)
        else:
            victim, child_area = rng.choice(by_area[area_keys[opened_so_far % len(area_keys)]])
            opened_so_far += 1
        victims.append(victim)
        last = allocated + timedelta(days=rng.uniform(0, 40)) if not closed else allocated + timedelta(days=60)
        invs.append(
            Investigation(
                reference=reference(opened),
                type=rng.choices(types, weights)[0],
                summary="Synthetic record: a child-abuse investigation.",
                area_id=child_area,
                status=InvestigationStatus.CLOSED if closed else InvestigationStatus.ALLOCATED,
                opened_at=opened,
                officer=officer,
                supervisor=sergeant,
                allocated_at=allocated,
                review_due_at=min(last, now) + timedelta(days=rng.uniform(-10, 28)),
                last_activity_at=min(last, now),
                closed_at=opened + timedelta(days=rng.uniform(30, 200)) if closed else None,
                closed_by=sergeant if closed else None,
                outcome=rng.choice(InvestigationOutcome.values) if closed else "",
                closure_rationale="Synthetic record: outcome reviewed with the CPS and the family told."
                if closed
                else "",
            )
        )
    with transaction.atomic():
        Investigation.objects.bulk_create(invs, batch_size=500)
        people, allocations, reviews, dfu, bails = [], [], [], [], []
        for inv, victim in zip(invs, victims, strict=True):
            label, url = f"{inv.reference} {inv.get_type_display()}", f"/investigations/{inv.pk}/"
            first_review, review_due = inv.allocated_at + timedelta(hours=48), inv.allocated_at + FIRST_REVIEW
            if inv.closed_at:
                if clocks.late("INV-2", inv.allocated_at):  # INV-2: the first review within 72 hours
                    first_review = review_due + clocks.lateness("INV-2", inv.allocated_at)
                clocks.add(
                    "INV-2", subject_type="investigations.investigation", subject_id=inv.pk, label=label,
                    person_id=victim, owner_role=Role.SUPERVISOR, area_id=inv.area_id, due=review_due,
                    done=first_review, reason="The investigation's first supervisory review is overdue.",
                    url=f"/investigations/{inv.pk}/supervise/",
                )  # fmt: skip
                if clocks.late("INV-3", inv.opened_at):  # INV-3: a spell of drift, 14 days without activity
                    quiet = inv.allocated_at + timedelta(days=clocks.rng.uniform(5, 40))
                    clocks.add(
                        "INV-3", subject_type="investigations.investigation", subject_id=inv.pk, label=label,
                        person_id=victim, owner_role=Role.SUPERVISOR, area_id=inv.area_id,
                        due=quiet + DRIFT, done=quiet + DRIFT + clocks.lateness("INV-3", inv.opened_at),
                        reason="No activity on the investigation for 14 days.", url=url,
                    )  # fmt: skip
            people.append(InvestigationPerson(investigation=inv, person_id=victim, role=PersonRole.VICTIM))
            suspect = rng.choice(adults)
            people.append(InvestigationPerson(investigation=inv, person_id=suspect, role=PersonRole.SUSPECT))
            allocations.append(
                Allocation(investigation=inv, officer=inv.officer, by=inv.supervisor, at=inv.allocated_at)
            )
            reviews.append(
                SupervisionReview(
                    investigation=inv,
                    by=inv.supervisor,
                    at=first_review,
                    lines_of_enquiry="Synthetic record: interview the victim (ABE), seize devices, house-to-house.",
                    safeguarding_actions="Synthetic record: strategy meeting held; PPN submitted.",
                    other_children="Synthetic record: none known in the suspect's household.",
                    next_review_at=inv.allocated_at + timedelta(days=28),
                )
            )
            if rng.random() < 0.45:
                if inv.closed_at:
                    submitted = inv.opened_at + timedelta(days=2)
                    # INV-4: started within 30 days, or (as the year's record says) after a wait.
                    started = submitted + timedelta(days=5 + (rng.uniform(5, 90) - 5) * 23 / 85)
                    if clocks.late("INV-4", submitted):
                        started = submitted + DFU_START + clocks.lateness("INV-4", submitted)
                    completed = max(inv.closed_at, started + timedelta(days=3))
                else:
                    wait = rng.choices([w for w, _ in DFU_WAITS], [p for _, p in DFU_WAITS])[0]
                    submitted = now - timedelta(days=wait * rng.uniform(0.6, 1.3))
                    started = submitted + timedelta(days=20) if rng.random() < 0.25 else None
                    completed = None
                    if started and started > now:
                        started = None
                dfu.append(
                    DfuRequest(
                        investigation=inv,
                        devices=rng.choice(
                            [["mobile phone"], ["laptop", "mobile phone"], ["tablet"], ["games console"]]
                        ),
                        priority=rng.random() < 0.15,
                        priority_reason="Synthetic record: the child is still in contact with the suspect.",
                        submitted_at=submitted,
                        submitted_by=inv.officer,
                        started_at=started,
                        completed_at=completed,
                        results="Synthetic record: examined; findings on the file." if completed else "",
                    )
                )
            if not inv.closed_at and rng.random() < 0.3:
                bails.append(
                    Bail(
                        investigation=inv,
                        suspect_id=suspect,
                        conditions="Not to contact the victim or enter the street where they live.",
                        set_at=inv.allocated_at,
                        set_by=inv.officer,
                        ends_at=now + timedelta(days=rng.uniform(-3, 60)),
                    )
                )
        for model, rows in (
            (InvestigationPerson, people),
            (Allocation, allocations),
            (SupervisionReview, reviews),
            (DfuRequest, dfu),
            (Bail, bails),
        ):
            model.objects.bulk_create(rows, batch_size=500)  # type: ignore[attr-defined]
        for request in dfu:
            inv = request.investigation
            if inv.closed_at:
                clocks.add(
                    "INV-4", subject_type="investigations.dfurequest", subject_id=request.pk,
                    label=f"DFU request for {inv.reference}", person_id=None, owner_role=Role.INVESTIGATOR,
                    area_id=inv.area_id, due=request.submitted_at + DFU_START, done=request.started_at,
                    reason="The DFU request was not started within 30 days.", url=f"/investigations/{inv.pk}/",
                )  # fmt: skip
        clocks.write()
    return {
        "closed": closed_n,
        "open": open_n,
        "dfu_waiting": sum(1 for r in dfu if r.started_at is None),
    }
