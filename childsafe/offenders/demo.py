"""Registered sex offenders for the synthetic demo force, with five years of history.

About 100 registered offenders per 100,000 residents (England and Wales: roughly 70,000 on the register
for 60 million people, so 115 per 100,000; rounded down for a mostly rural force). Each is an adult
resident the generator made, with a notifiable conviction, a notification period, an offender manager
in their area, risk assessments, annual notifications at a designated station, home visits at the
frequency their risk asks for (a few now overdue, so the sweep has findings), devices, and the odd
breach decided within a day. Rows are written in bulk inside the caller's transaction, like the rest
of the demo, and the whole is one act of collection with one audit event.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from django.db import transaction

from childsafe.core import audit, clock
from childsafe.core.models import Area, AuditCategory, User
from childsafe.core.roles import Rank, Role
from childsafe.demo.clocks import ClockOutcomes
from childsafe.offenders.models import (
    Breach,
    BreachDecision,
    BreachKind,
    Conviction,
    Device,
    Notification,
    NotificationKind,
    NotificationPlace,
    Offender,
    RiskAssessment,
    RiskLevel,
    SupervisionEntry,
    Visit,
    VisitKind,
)
from childsafe.offenders.rules import add_months
from childsafe.people.models import Person

PER_100K = 100
YEARS = 5
OFFENCES = (
    "Making indecent photographs of children",
    "Possession of indecent photographs of children",
    "Sexual assault",
    "Sexual communication with a child",
    "Voyeurism",
    "Exposure",
    "Attempting to meet a child following sexual grooming",
    "Sexual activity with a child",
)
LEVELS = [(RiskLevel.VERY_HIGH, 4), (RiskLevel.HIGH, 16), (RiskLevel.MEDIUM, 40), (RiskLevel.LOW, 40)]
MONTHS = {RiskLevel.VERY_HIGH: 1, RiskLevel.HIGH: 3, RiskLevel.MEDIUM: 6, RiskLevel.LOW: 12}
PERIODS = [(None, 30), (15, 15), (10, 25), (7, 15), (5, 15)]
DEVICES = ("Samsung phone", "iPhone", "Dell laptop", "Lenovo tablet", "Games console", "Desktop computer")


def _weighted(rng: random.Random, options):
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights=weights)[0]


def _officers(areas: list[Area]) -> dict[int | None, list[User]]:
    """Two synthetic OMU officers and a sergeant per area, without a password (nobody signs in as them)."""
    out: dict[int | None, list[User]] = {}
    for area in areas:
        team = []
        for n, rank in enumerate((Rank.SERGEANT, Rank.CONSTABLE, Rank.CONSTABLE)):
            user, created = User.objects.get_or_create(
                username=f"demo-omu-{area.code}-{n}",
                defaults={
                    "role": Role.OMU,
                    "rank": rank,
                    "area": area,
                    "first_name": "Synthetic",
                    "last_name": f"OMU {area.name} {n}",
                },
            )
            if created:
                user.set_unusable_password()
                user.save()
            team.append(user)
        for user in team[1:]:
            if user.line_manager_id != team[0].pk:
                user.line_manager = team[0]
                user.save(update_fields=["line_manager"])
        out[area.pk] = team
    return out


def generate_offenders(*, seed: int = 1, per_100k: int = PER_100K, years: int = YEARS) -> int:
    """Register about `per_100k` of every 100,000 residents, with `years` of history. Returns the count."""
    rng = random.Random(f"offenders-{seed}")
    now = clock.now()
    today = clock.today_london()
    adults = list(
        Person.objects.filter(
            sex="male",
            date_of_birth__lte=date(today.year - 25, 1, 1),
            date_of_birth__gte=date(today.year - 80, 1, 1),
            offender__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", "area_id")
    )
    residents = Person.objects.count()
    wanted = min(len(adults), round(residents * per_100k / 100_000))
    if wanted == 0:
        return 0
    chosen = rng.sample(adults, wanted)
    areas = list(Area.objects.order_by("pk"))
    teams = _officers(areas)
    fallback = next(iter(teams.values()))
    # Which past notifications, visits and breach decisions were late: often at the inspection, rarely
    # now (childsafe.demo.clocks); each late one leaves the alert its clock raised and cleared.
    clocks = ClockOutcomes(seed=seed, now=now, namespace="offenders")
    settled = now - timedelta(days=30)  # lateness only in work long done: today's caseload is as it was
    with transaction.atomic():
        offenders = Offender.objects.bulk_create(
            [
                Offender(
                    person_id=person_id,
                    period_years=_weighted(rng, PERIODS),
                    area_id=area_id,
                    manager=rng.choice(teams.get(area_id, fallback)[1:]),
                    photo_reference=f"ViSOR photo {seed}-{n:05d}",
                    created_at=now,
                    created_by=teams.get(area_id, fallback)[0],
                )
                for n, (person_id, area_id) in enumerate(chosen)
            ]
        )
        rows: dict[type, list] = {m: [] for m in (Conviction, Notification, RiskAssessment, Visit, Device, Breach)}
        officers_of: list[tuple[Visit, list[User]]] = []
        pending: list[tuple[str, Offender, Any, Any, str, str]] = []  # late clocks: (rule, offender, due, done, ...)
        supervision: list[SupervisionEntry] = []
        for offender in offenders:
            team = teams.get(offender.area_id, fallback)
            manager = offender.manager
            assert manager is not None
            # Convicted up to (period - 1) years ago so the period has not ended; indefinite up to 20.
            span_years = (offender.period_years or 21) - 1
            convicted = now - timedelta(days=rng.randint(30, max(31, span_years * 365)))
            rows[Conviction].append(
                Conviction(
                    offender=offender,
                    offence=rng.choice(OFFENCES),
                    notifiable=True,
                    court_result_at=convicted,
                    custody=False,
                    recorded_at=convicted,
                    recorded_by=manager,
                )
            )
            start = max(convicted, now - timedelta(days=365 * years))
            rows[Notification].append(
                Notification(
                    offender=offender,
                    kind=NotificationKind.INITIAL,
                    where=NotificationPlace.DESIGNATED_STATION,
                    valid=True,
                    at=convicted + timedelta(days=rng.randint(0, 2), hours=rng.randint(1, 8)),
                    recorded_by=manager,
                )
            )
            # Annual notifications: each within a year of the last, a few days early.
            last = convicted
            url = f"/offenders/{offender.pk}/"
            while True:
                due = add_months(last, 12)
                nxt = due - timedelta(days=rng.randint(1, 20))
                if nxt > now:
                    break
                if nxt >= start and clocks.late("RSO-1", due):
                    late_at = due + clocks.lateness("RSO-1", due)
                    if late_at < settled:
                        nxt = late_at
                        pending.append(("RSO-1", offender, due, nxt, "The annual notification was late.", url))
                if nxt >= start:
                    rows[Notification].append(
                        Notification(
                            offender=offender,
                            kind=NotificationKind.ANNUAL,
                            where=NotificationPlace.DESIGNATED_STATION,
                            valid=True,
                            at=nxt,
                            recorded_by=manager,
                        )
                    )
                last = nxt
            level = _weighted(rng, LEVELS)
            assessed = convicted + timedelta(days=rng.randint(3, 20))
            rows[RiskAssessment].append(
                RiskAssessment(
                    offender=offender,
                    level=level,
                    plan="Synthetic plan: home visits at the set frequency; device checks; liaison with probation.",
                    assessed_at=assessed,
                    assessed_by=manager,
                )
            )
            devices = [
                Device(offender=offender, description=d, declared=True, added_at=assessed, added_by=manager)
                for d in rng.sample(DEVICES, rng.randint(1, 2))
            ]
            rows[Device].extend(devices)
            # Home visits at the risk's frequency, a week or two early; about 1 in 12 now overdue.
            visit_at = assessed
            late = rng.random() < 1 / 12
            while True:
                due = add_months(visit_at, MONTHS[level])
                visit_at = due - timedelta(days=rng.randint(0, 14))
                if visit_at > now - (timedelta(days=60) if late else timedelta(0)):
                    break
                if visit_at < start:
                    continue
                if clocks.late("RSO-3", due) and (late_visit := due + clocks.lateness("RSO-3", due)) < settled:
                    visit_at = late_visit
                    pending.append(("RSO-3", offender, due, visit_at, "The home visit was overdue.", url))
                visit = Visit(
                    offender=offender,
                    kind=VisitKind.HOME,
                    announced=rng.random() < 0.3,
                    at=visit_at.replace(second=0, microsecond=0),
                    recorded_by=manager,
                )
                rows[Visit].append(visit)
                officers_of.append((visit, [manager, rng.choice(team)] if rng.random() < 0.9 else [manager]))
            if rng.random() < 0.08:
                found = now - timedelta(days=rng.randint(10, 365 * min(years, 3)))
                if found > convicted:
                    decided = found + timedelta(hours=rng.randint(1, 20))
                    if clocks.late("RSO-5", found):
                        decided = found + timedelta(hours=24) + clocks.lateness("RSO-5", found)
                    rows[Breach].append(
                        Breach(
                            offender=offender,
                            kind=rng.choice([BreachKind.LATE_NOTIFICATION, BreachKind.UNDECLARED_DEVICE]),
                            detail="Synthetic breach.",
                            found_at=found,
                            recorded_by=manager,
                            decision=BreachDecision.CRIME_RECORDED,
                            rationale="Synthetic crime reference.",
                            decided_at=decided,
                            decided_by=manager,
                            version=2,
                        )
                    )
            supervision.append(
                SupervisionEntry(
                    offender=offender,
                    note=f"Risk stays {RiskLevel(level).label.lower()}: plan reviewed with the offender manager; "
                    "next home visit as scheduled.",
                    at=assessed + timedelta(days=7),
                    by=team[0],
                )
            )
        for model, items in rows.items():
            model.objects.bulk_create(items, batch_size=2_000)
        SupervisionEntry.objects.bulk_create(supervision, batch_size=2_000)
        for rule, offender, due, done, reason, url in pending:
            clocks.add(
                rule, subject_type="offenders.offender", subject_id=offender.pk, label="Registered sex offender",
                person_id=offender.person_id, owner_role=Role.OMU, area_id=offender.area_id, due=due, done=done,
                reason=reason, url=url,
            )  # fmt: skip
        for breach in rows[Breach]:
            clocks.add(
                "RSO-5", subject_type="offenders.breach", subject_id=breach.pk, label="A breach of the notification "
                "requirements", person_id=breach.offender.person_id, owner_role=Role.OMU,
                area_id=breach.offender.area_id, due=breach.found_at + timedelta(hours=24), done=breach.decided_at,
                reason="No crime recorded or reason given within 24 hours of the breach.",
                url=f"/offenders/{breach.offender_id}/#breaches",
            )  # fmt: skip
        clocks.write()
        through = Visit.officers.through
        through.objects.bulk_create(
            [through(visit_id=v.pk, user_id=u.pk) for v, users in officers_of for u in dict.fromkeys(users)],
            batch_size=5_000,
        )
        audit.record(
            actor=None,
            category=AuditCategory.COLLECTION,
            event_type="demo.offenders",
            subject_type="demo",
            subject_id=seed,
            new={"offenders": len(offenders), **{m.__name__: len(v) for m, v in rows.items()}},
            channel="cli",
        )
    return len(offenders)
