"""Reads of people for views, the API, rules and the replay."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet

from childsafe.core import clock
from childsafe.core.models import Alert, User
from childsafe.people import identity
from childsafe.people.chronology import Entry, chronology
from childsafe.people.models import (
    IdentityLink,
    Person,
    PersonAddress,
    PersonName,
    Relationship,
    SchoolEnrolment,
    WarningMarker,
)
from childsafe.people.sections import PageSection, sections
from childsafe.people.vocabulary import HIGH_HARM_MARKERS, INVERSE_LABEL, RelationshipType

MAX_CLUSTER = 50


def identity_cluster(person_id: int) -> list[int]:
    """The person's id and every record linked to it as the same person, directly or through others."""
    seen = {person_id}
    frontier = {person_id}
    while frontier and len(seen) < MAX_CLUSTER:
        links = (
            IdentityLink.objects.filter(unlinked_at__isnull=True)
            .filter(Q(person_a_id__in=frontier) | Q(person_b_id__in=frontier))
            .values_list("person_a_id", "person_b_id")
        )
        found = {pid for pair in links for pid in pair} - seen
        seen |= found
        frontier = found
    return sorted(seen)


def active_markers(person_ids: list[int], on: date | None = None) -> QuerySet[WarningMarker]:
    """Markers in force on any of these records (a child and its linked duplicates: PL-2)."""
    day = on or clock.today_london()
    return (
        WarningMarker.objects.filter(person_id__in=person_ids, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=day))
        .order_by("type", "start_date")
    )


def marker_types_for(person_id: int) -> set[str]:
    """Every active marker type that counts for this child, wherever it is recorded."""
    return set(active_markers(identity_cluster(person_id)).values_list("type", flat=True))


def possible_duplicates(
    *, forenames: str, surname: str, date_of_birth: date | None, exclude: list[int] | None = None, limit: int = 10
) -> list[tuple[Person, identity.Match]]:
    """People who may be this person (PL-2), best first, each with why it matched.

    Candidates come in order of how telling the evidence is, each query small and indexed, so that a
    common surname at force scale can't crowd out the same date of birth: (1) the same or day/month-
    swapped date of birth; (2) a surname that sounds or starts alike, born the same year or either side;
    (3) without a date of birth, a surname that sounds alike.
    """
    key = identity.phonetic_key(surname)
    fkey = identity.phonetic_key(forenames)
    prefix = identity.normalise(surname)[:3]
    name_q = Q()
    if key:
        # Sounds alike, or starts alike: metaphone misses "Hughs"/"Hughes", a prefix catches it.
        name_q = Q(surname_key=key) | Q(surname__istartswith=prefix)
        name_q |= Q(pk__in=PersonName.objects.filter(surname_key=key).values("person_id"))
    queries = []
    if date_of_birth is not None:
        dobs = [date_of_birth] + ([t] if (t := identity.transposed(date_of_birth)) else [])
        queries.append(Q(date_of_birth__in=dobs))
        years = [date_of_birth.year - 1, date_of_birth.year, date_of_birth.year + 1]
        if name_q:
            queries.append(name_q & Q(date_of_birth__year__in=years))
        if fkey:
            queries.append(Q(forename_key=fkey, date_of_birth__year=date_of_birth.year))
    elif name_q:
        queries.append(name_q)
    seen: set[int] = set(exclude or [])
    scored = []
    for q in queries:
        for person in (
            Person.objects.filter(q).exclude(pk__in=seen).only("pk", "forenames", "surname", "date_of_birth")[:500]
        ):
            seen.add(person.pk)
            match = identity.score(
                forenames, surname, date_of_birth, person.forenames, person.surname, person.date_of_birth
            )
            if match.score >= identity.DUPLICATE_THRESHOLD:
                match.person_id = person.pk
                scored.append((person, match))
    scored.sort(key=lambda pm: pm[1].score, reverse=True)
    return scored[:limit]


def search(
    *, text: str = "", date_of_birth: date | None = None, queryset: QuerySet[Person] | None = None, limit: int = 25
) -> list[tuple[Person, identity.Match]]:
    """Person search by name and/or date of birth, ranked, with why each matched."""
    words = identity.normalise(text).split()
    base = queryset if queryset is not None else Person.objects.all()
    if not words and date_of_birth is None:
        return []
    if len(words) >= 2:
        forenames, surname = " ".join(words[:-1]), words[-1]
    elif words:
        forenames, surname = "", words[0]
    else:
        forenames = surname = ""
    q = Q()
    if surname:
        q |= Q(surname_key=identity.phonetic_key(surname)) | Q(surname__istartswith=surname[:3])
        q |= Q(pk__in=PersonName.objects.filter(surname_key=identity.phonetic_key(surname)).values("person_id"))
        if not forenames:
            q |= Q(forenames__istartswith=surname)
    if date_of_birth is not None:
        dobs = [date_of_birth] + ([t] if (t := identity.transposed(date_of_birth)) else [])
        dob_q = Q(date_of_birth__in=dobs)
        q = (q & (dob_q | Q(date_of_birth__year=date_of_birth.year))) if words else dob_q
    results = []
    for person in base.filter(q).only("pk", "forenames", "surname", "date_of_birth")[:1000]:
        if forenames or surname:
            match = identity.score(
                forenames or person.forenames,
                surname,
                date_of_birth,
                person.forenames,
                person.surname,
                person.date_of_birth,
            )
            if not forenames and identity.normalise(person.forenames).startswith(surname):
                match.reasons.insert(0, "first name matches")
        else:
            match = identity.Match(
                person.pk,
                1.0 if person.date_of_birth == date_of_birth else 0.85,
                [identity.dob_similarity(date_of_birth, person.date_of_birth)[1]],
            )
        match.person_id = person.pk
        results.append((person, match))
    results.sort(key=lambda pm: (-pm[1].score, pm[0].surname, pm[0].forenames))
    return results[:limit]


@dataclass
class RelationshipView:
    label: str
    other: Person
    since: date | None


@dataclass
class PersonPage:
    person: Person
    cluster: list[int]
    linked: list[Person]
    links: list[IdentityLink]
    markers: list[WarningMarker]
    high_harm: bool
    addresses: list[PersonAddress]
    enrolments: list[SchoolEnrolment]
    relationships: list[RelationshipView]
    alerts: list[Alert]
    chronology: list[Entry] = field(default_factory=list)
    age: int | None = None
    sections: list[PageSection] = field(default_factory=list)  # what the work apps add (people/sections.py)


def person_page(person: Person, user: User | None) -> PersonPage:
    """Everything the child's page shows, in a fixed number of queries."""
    cluster = identity_cluster(person.pk)
    others = [pid for pid in cluster if pid != person.pk]
    markers = list(active_markers(cluster).select_related("person"))
    relationships = [
        RelationshipView(RelationshipType(r.type).label, r.to_person, r.valid_from)
        for r in Relationship.objects.filter(from_person_id__in=cluster, valid_to__isnull=True).select_related(
            "to_person"
        )
    ] + [
        RelationshipView(INVERSE_LABEL[RelationshipType(r.type)], r.from_person, r.valid_from)
        for r in Relationship.objects.filter(to_person_id__in=cluster, valid_to__isnull=True).select_related(
            "from_person"
        )
    ]
    return PersonPage(
        person=person,
        cluster=cluster,
        linked=list(Person.objects.filter(pk__in=others)),
        links=list(
            IdentityLink.objects.filter(Q(person_a_id__in=cluster) | Q(person_b_id__in=cluster))
            .filter(unlinked_at__isnull=True)
            .select_related("person_a", "person_b")
        ),
        markers=markers,
        high_harm=any(m.type in HIGH_HARM_MARKERS for m in markers),
        addresses=list(PersonAddress.objects.filter(person_id__in=cluster).select_related("location")),
        enrolments=list(SchoolEnrolment.objects.filter(person_id__in=cluster).select_related("school")),
        relationships=relationships,
        alerts=list(Alert.objects.open().filter(person_id__in=cluster).order_by("due_by")),
        chronology=chronology(cluster, user),
        age=person.age_on(clock.today_london()),
        sections=sections(cluster, user),
    )
