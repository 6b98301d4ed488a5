"""Police protections for the demo force: tens a year (issue 12), siblings often together, most ended with
their designated officer, handover and outcome recorded, and a few open today, one of them past 48 hours so
PP-2 has something to say. Seeded, like the rest of the demo (childsafe.demo)."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta

from childsafe.core import clock
from childsafe.core.models import OutboxMessage, OutboxStatus, User
from childsafe.core.roles import Rank, Role
from childsafe.demo.clocks import ClockOutcomes
from childsafe.people.models import ADULT_AGE, Organisation, Person, Relationship
from childsafe.people.vocabulary import RelationshipType
from childsafe.protection.models import (
    EndOutcome,
    EventKind,
    Offences,
    PlaceOfSafety,
    PoliceProtection,
    ProtectedChild,
    ProtectionEvent,
    ProtectionNotice,
)

PER_YEAR = 30  # per unit of scale (about 5,000 people): a small force's tens a year
OPEN = 2  # per unit of scale, in police protection today
YEARS = 5
REASONS = [
    "Parent found heavily intoxicated and unable to care for the children; no other adult available.",
    "Children found home alone overnight; house cold, no food; parent not contactable.",
    "Domestic abuse incident; the children at immediate risk if they stayed; perpetrator refusing to leave.",
    "Young child found wandering near the road at night; home chaotic and unsafe.",
    "Parent in mental health crisis threatening to harm themselves and the children.",
]
PLACES = [
    (PlaceOfSafety.FOSTER_CARE, "Emergency foster placement arranged by children's services", 45),
    (PlaceOfSafety.RELATIVE, "Grandparent's home, assessed by the emergency duty team", 30),
    (PlaceOfSafety.LA_ACCOMMODATION, "Local authority emergency accommodation", 15),
    (PlaceOfSafety.HOSPITAL, "Children's ward, district hospital", 8),
    (PlaceOfSafety.POLICE_STATION, "Police station family room", 2),
]
ENDS = [
    (EndOutcome.RETURNED_HOME, "Parent sober and a safety plan agreed with children's services; home visit done.", 35),
    (EndOutcome.RELEASED_TO_RELATIVE, "Grandparent assessed as a safe carer by children's services.", 30),
    (EndOutcome.LA_ACCOMMODATION, "Parent agreed section 20 accommodation; children's services took over.", 20),
    (EndOutcome.EMERGENCY_PROTECTION_ORDER, "Emergency protection order granted by the family court.", 15),
]


def _officers(rank: str, role: str, count: int) -> list[User]:
    wanted = [f"history-{rank}-{n:02d}" for n in range(count)]
    existing = {u.username: u for u in User.objects.filter(username__in=wanted)}
    out = []
    for username in wanted:
        user = existing.get(username)
        if user is None:
            user = User(username=username, role=role, rank=rank, first_name="Synthetic", last_name=username[-2:])
            user.set_unusable_password()
            user.save()
        out.append(user)
    return out


def _households(rng: random.Random) -> list[list[Person]]:
    """Children in groups of siblings (one query for the children, one for their sibling links)."""
    today = clock.today_london()
    born_after = today.replace(year=today.year - ADULT_AGE + 1)
    children = {
        p.pk: p
        for p in Person.objects.filter(date_of_birth__gt=born_after).only(
            "pk", "forenames", "surname", "date_of_birth", "local_authority_id", "area_id"
        )
    }
    links = defaultdict(set)
    # A join on the dates, not a list of ids: at force scale a list of every child is more parameters than
    # SQLite takes in one statement.
    for a, b in Relationship.objects.filter(
        type=RelationshipType.SIBLING,
        from_person__date_of_birth__gt=born_after,
        to_person__date_of_birth__gt=born_after,
    ).values_list("from_person_id", "to_person_id"):
        links[a].add(b)
        links[b].add(a)
    seen: set[int] = set()
    groups = []
    for pk in sorted(children):
        if pk in seen:
            continue
        group = sorted({pk, *links[pk]} - seen)[:3]
        seen.update(group)
        groups.append([children[g] for g in group])
    rng.shuffle(groups)
    return groups


def generate_protections(*, scale: float, seed: int = 1, open_caseload: bool = True) -> int:
    """Add YEARS of police protections (PER_YEAR x scale a year) and, if asked, today's open ones."""
    rng = random.Random(seed * 7919 + 46)
    constables = _officers(Rank.CONSTABLE, Role.RESPONSE_OFFICER, 8)
    inspectors = _officers(Rank.INSPECTOR, Role.SUPERVISOR, 4)
    groups = _households(rng)
    closed = int(PER_YEAR * scale * YEARS)
    opened = max(1, round(OPEN * scale)) if open_caseload else 0
    if not groups:
        return 0
    now = clock.now()
    clocks = ClockOutcomes(seed=seed, now=now, namespace="protection")
    emails = dict(Organisation.objects.filter(children__isnull=False).distinct().values_list("pk", "email"))
    made = 0
    for n in range(closed + opened):
        children = [c for c in groups[n % len(groups)] if c.date_of_birth]
        is_open = n >= closed
        if is_open:
            # The first open one has passed 48 hours: the designated officer and their supervisor are alerted.
            held = timedelta(hours=50 if n == closed else rng.randint(2, 40))
            removed = now - held
        else:
            removed = now - timedelta(days=rng.uniform(3, YEARS * 365))
        day = removed.astimezone(clock.LONDON).date()
        children = [c for c in children if c.is_child_on(day)]
        if not children:
            continue
        kind, place, _ = rng.choices(PLACES, weights=[w for *_, w in PLACES])[0]
        offences = rng.choices([Offences.YES, Offences.NO, Offences.UNKNOWN], weights=[40, 35, 25])[0]
        initiator = rng.choice(constables)
        designated = rng.choice(inspectors)
        created = removed + timedelta(minutes=rng.randint(10, 50))
        answered = offences == Offences.NO or is_open is False or rng.random() < 0.5
        p = PoliceProtection.objects.create(
            reference=f"PP-DEMO-{created.astimezone(clock.LONDON):%Y%m%d}-{n:05d}",
            initiated_by=initiator,
            area_id=children[0].area_id,
            removed_at=removed,
            reason=rng.choice(REASONS),
            place_kind=kind,
            place_name=place,
            place_rationale="No placement available until the morning; kept in the family room, never a cell."
            if kind == PlaceOfSafety.POLICE_STATION
            else "",
            la_informed_at=removed + timedelta(minutes=rng.randint(5, 40)),
            parents_informed="Told in person at the address." if rng.random() < 0.6 else "Told by phone.",
            offences_against_child=offences,
            investigation_reference=f"INV-{created:%Y}-{n:05d}" if answered and offences == Offences.YES else "",
            offences_reason="Neglect referred to the child abuse investigation team for assessment."
            if answered and offences == Offences.UNKNOWN
            else "",
            created_at=created,
            designated_officer=designated,
            designated_at=created + timedelta(minutes=rng.randint(20, 120)),
        )
        ProtectedChild.objects.bulk_create(
            [
                ProtectedChild(protection=p, person=c, wishes=f"{c.forenames} asked to stay with family.", open=is_open)
                for c in children
            ]
        )
        events = [
            ProtectionEvent(protection=p, at=removed, kind=EventKind.STARTED, by=initiator, text=p.reason),
            ProtectionEvent(
                protection=p, at=p.designated_at, kind=EventKind.DESIGNATED, by=designated, officer=designated
            ),
        ]
        last = designated
        if not is_open and rng.random() < 0.3:
            nxt = rng.choice([i for i in inspectors if i != designated])
            events.append(
                ProtectionEvent(
                    protection=p,
                    at=p.designated_at + timedelta(hours=rng.randint(6, 12)),
                    kind=EventKind.HANDOVER,
                    by=designated,
                    officer=nxt,
                    text="End of shift; strategy meeting booked with children's services.",
                )
            )
            last = nxt
        if not is_open:
            outcome, why, _ = rng.choices(ENDS, weights=[w for *_, w in ENDS])[0]
            ended = removed + timedelta(hours=rng.randint(6, 70))
            PoliceProtection.objects.filter(pk=p.pk).update(
                ended_at=ended, ended_by=last, end_outcome=outcome, end_rationale=why, designated_officer=last
            )
            # PP-2: held past 48 hours, the warning was raised; it cleared when the protection ended, in time.
            clocks.add(
                "PP-2", subject_type="protection.policeprotection", subject_id=p.pk, label=str(p),
                person_id=children[0].pk, owner_role=Role.SUPERVISOR, area_id=p.area_id,
                due=removed + timedelta(hours=72), done=ended, raised=removed + timedelta(hours=48),
                reason="Police protection ends at 72 hours at the latest.", url=f"/protection/{p.pk}/",
            )  # fmt: skip
            events.append(ProtectionEvent(protection=p, at=ended, kind=EventKind.ENDED, by=last, text=why))
        ProtectionEvent.objects.bulk_create(events)
        for la_id in sorted({c.local_authority_id for c in children if c.local_authority_id}):
            acknowledged = (
                created + timedelta(hours=rng.randint(1, 20)) if (not is_open or rng.random() < 0.5) else None
            )
            ProtectionNotice.objects.create(
                protection=p, organisation_id=la_id, sent_at=created, acknowledged_at=acknowledged
            )
            OutboxMessage.objects.create(
                kind="police_protection",
                idempotency_key=f"police_protection:{p.pk}:{la_id}",
                recipient=emails.get(la_id) or "children@demo.invalid",
                recipient_organisation_id=la_id,
                subject="Police protection: a child you are responsible for is in police protection",
                body="Synthetic message: no personal details by design.",
                person_id=children[0].pk,
                source_type="protection.policeprotection",
                source_id=str(p.pk),
                status=OutboxStatus.DELIVERED,
                created_at=created,
                deliver_by=created + timedelta(hours=1),
                next_attempt_at=created,
                attempts=1,
                delivered_at=created + timedelta(seconds=rng.randint(5, 120)),
            )
        made += 1
    clocks.write()
    return made
