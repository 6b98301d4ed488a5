"""Reads of people for views, the API, rules and the replay."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from childsafe.core import clock, compiled, memo
from childsafe.core.models import Alert, User
from childsafe.people import page_reads
from childsafe.people.chronology import Entry, chronology
from childsafe.people.models import (
    ADULT_AGE,
    IdentityLink,
    Person,
    PersonAddress,
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
        links: Iterable[tuple[int, int]]
        if frontier == {person_id} and memo.in_scope():
            # On a page or in a check, the first step is the links the page shows (ADR 0053): one read.
            links = [
                (link.person_a_id, link.person_b_id)
                for link in page_reads.identity_links([person_id])
                if link.unlinked_at is None
            ]
        else:
            links = (
                IdentityLink.objects.filter(unlinked_at__isnull=True)
                .filter(Q(person_a_id__in=frontier) | Q(person_b_id__in=frontier))
                .values_list("person_a_id", "person_b_id")
            )
        found = {pid for pair in links for pid in pair} - seen
        seen |= found
        frontier = found
    return sorted(seen)


def identity_clusters(person_ids: Iterable[int]) -> dict[int, list[int]]:
    """`identity_cluster` of each of many people at once (a clock over its open cases): one statement per
    step of the links, whatever the number of people, and the same clusters as asking one by one."""
    seen = {pid: {pid} for pid in person_ids}
    frontier = {pid: {pid} for pid in seen}
    while any(frontier.values()):
        wanted = set().union(*frontier.values())
        linked: dict[int, set[int]] = {}
        for a, b in (
            IdentityLink.objects.filter(unlinked_at__isnull=True)
            .filter(Q(person_a_id__in=wanted) | Q(person_b_id__in=wanted))
            .values_list("person_a_id", "person_b_id")
        ):
            linked.setdefault(a, set()).update((a, b))
            linked.setdefault(b, set()).update((a, b))
        for pid, edge in frontier.items():
            if not edge or len(seen[pid]) >= MAX_CLUSTER:
                frontier[pid] = set()
                continue
            found = set().union(*(linked.get(p, set()) for p in edge)) - seen[pid]
            seen[pid] |= found
            frontier[pid] = found
    return {pid: sorted(ids) for pid, ids in seen.items()}


def active_markers(person_ids: list[int], on: date | None = None) -> QuerySet[WarningMarker]:
    """Markers in force on any of these records (a child and its linked duplicates: PL-2)."""
    day = on or clock.today_london()
    return (
        WarningMarker.objects.filter(person_id__in=person_ids, start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=day))
        .order_by("type", "start_date")
    )


def names_by(links: QuerySet[Any], key: str) -> dict[Any, list[tuple[int, str]]]:
    """For records that name a person (`person` foreign key: a PPN's children, a protection's), each `key`
    value's people as `(id, full name)`, in the order recorded: one statement of those columns alone, not
    each person's whole record, for the clocks that name children on thousands of alerts."""
    named: dict[Any, list[tuple[int, str]]] = {}
    rows = links.order_by("id").values_list(key, "person_id", "person__forenames", "person__surname")
    for value, person_id, forenames, surname in rows:
        named.setdefault(value, []).append((person_id, f"{forenames} {surname}".strip()))  # as Person.full_name
    return named


def marker_types(person_ids: Iterable[int], on: date | None = None) -> dict[int, set[str]]:
    """The types of the markers in force on each of these records (those with none left out): `active_markers`'
    types by person, for the checks that ask of many people at once (a child's links, possible duplicates).
    One plain statement (core.compiled.one_of), which the ORM would compile afresh on every check (ADR 0067)."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    listed, params = compiled.one_of("m.person_id", ids)
    in_force, on_params = page_reads.markers_in_force("m", on or clock.today_london())
    held: dict[int, set[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT m.person_id, m.type FROM {WarningMarker._meta.db_table} m "  # noqa: S608 -- a model's table
            f"WHERE {listed} AND {in_force}",
            [*params, *on_params],
        )
        for pid, mtype in cursor.fetchall():
            held.setdefault(pid, set()).add(mtype)
    return held


def marker_types_for(person_id: int) -> set[str]:
    """Every active marker type that counts for this child, wherever it is recorded."""
    return set(active_markers(identity_cluster(person_id)).values_list("type", flat=True))


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
    chronology_more: bool = False  # earlier entries than those shown exist (asked for with a limit)
    chronology_kind: str | None = None  # the filter shown (a key of people.chronology.FILTERS), or all
    age: int | None = None
    sections: list[PageSection] = field(default_factory=list)  # what the work apps add (people/sections.py)


def person_page(
    person: Person, user: User | None, *, chronology_limit: int | None = None, chronology_kind: str | None = None
) -> PersonPage:
    """Everything the child's page shows, in a fixed number of queries: the whole chronology, or its
    latest `chronology_limit` entries (of one kind), whose cost does not grow with the child's years."""
    with page_reads.one_page():
        return _person_page(person, user, chronology_limit=chronology_limit, chronology_kind=chronology_kind)


def _person_page(
    person: Person, user: User | None, *, chronology_limit: int | None, chronology_kind: str | None
) -> PersonPage:
    cluster = identity_cluster(person.pk)
    others = [pid for pid in cluster if pid != person.pk]
    linked = page_reads.cluster_people(others) if others else []
    # The record in hand and its linked duplicates serve every section and provider that asks (ADR 0053).
    page_reads.prime(
        page_reads.cluster_people, cluster, value=sorted([person, *linked], key=lambda p: (p.surname, p.forenames))
    )
    markers = page_reads.markers(cluster)
    ids = set(cluster)
    current = [r for r in page_reads.relationships(cluster) if r.valid_to is None]
    relationships = [
        RelationshipView(RelationshipType(r.type).label, r.to_person, r.valid_from)
        for r in current
        if r.from_person_id in ids
    ] + [
        RelationshipView(INVERSE_LABEL[RelationshipType(r.type)], r.from_person, r.valid_from)
        for r in current
        if r.to_person_id in ids
    ]
    # One more than shown says whether there are earlier entries, in the same queries.
    entries = chronology(
        cluster, user, limit=None if chronology_limit is None else chronology_limit + 1, kind=chronology_kind
    )
    more = chronology_limit is not None and len(entries) > chronology_limit
    return PersonPage(
        person=person,
        cluster=cluster,
        linked=linked,
        links=[link for link in page_reads.identity_links(cluster) if link.unlinked_at is None],
        markers=markers,
        high_harm=any(m.type in HIGH_HARM_MARKERS for m in markers),
        addresses=list(page_reads.addresses(cluster)),
        enrolments=list(page_reads.enrolments(cluster)),
        relationships=relationships,
        alerts=list(page_reads.open_alerts(cluster)),
        chronology=entries[:chronology_limit] if more else entries,
        chronology_more=more,
        chronology_kind=chronology_kind,
        age=person.age_on(clock.today_london()),
        sections=sections(cluster, user),
    )


@dataclass(frozen=True)
class HouseholdChild:
    """A child who may share the home of a child being referred (RF-8), and why they are proposed."""

    person: Person
    why: str


def household_children(person_ids: list[int], on: date | None = None) -> list[HouseholdChild]:
    """The other children (under 18 on `on`) who live at the current address of any of these people, or who are
    recorded as their siblings or members of their household, nearest first by name. The people themselves
    are not included.

    One plain statement (it runs on every PPN submitted, for RF-8's prompt: the ORM's three cost about
    2 ms of CPU a submission; bench/README.md, ppn_api): the people who share a current address (why 0),
    are a current sibling (1) or in the same household (2), children in SQL by year of birth and exactly
    below; a person found more than one way is proposed for the nearest."""
    if not person_ids:
        return []
    day = on or clock.today_london()
    people, addresses, relationships = (m._meta.db_table for m in (Person, PersonAddress, Relationship))
    ids = ", ".join(["%s"] * len(person_ids))

    def current(alias: str) -> str:
        return (
            f"({alias}.valid_from IS NULL OR {alias}.valid_from <= %s) "
            f"AND ({alias}.valid_to IS NULL OR {alias}.valid_to >= %s)"
        )

    sql = f"""
        SELECT p.*, near.why AS household_why FROM {people} p JOIN (
            SELECT a.person_id AS id, 0 AS why FROM {addresses} a
            WHERE {current("a")} AND a.location_id IN (
                SELECT h.location_id FROM {addresses} h WHERE {current("h")} AND h.person_id IN ({ids}))
            UNION ALL
            SELECT CASE WHEN r.from_person_id IN ({ids}) THEN r.to_person_id ELSE r.from_person_id END,
                   CASE WHEN r.type = %s THEN 1 ELSE 2 END
            FROM {relationships} r
            WHERE {current("r")} AND r.type IN (%s, %s) AND (r.from_person_id IN ({ids}) OR r.to_person_id IN ({ids}))
        ) near ON near.id = p.id
        WHERE p.date_of_birth >= %s AND p.id NOT IN ({ids})
        ORDER BY p.surname, p.forenames, p.id, near.why
    """  # noqa: S608 -- table names from the models; every value is a parameter
    sibling, household = RelationshipType.SIBLING, RelationshipType.HOUSEHOLD
    params = [
        day, day, day, day, *person_ids,
        *person_ids, sibling,
        day, day, sibling, household, *person_ids, *person_ids,
        date(day.year - ADULT_AGE - 1, 1, 1), *person_ids,
    ]  # fmt: skip
    found: dict[int, HouseholdChild] = {}
    for person in Person.objects.raw(sql, params):
        if person.pk not in found and person.is_child_on(day):
            found[person.pk] = HouseholdChild(person, HOUSEHOLD_WHY[vars(person)["household_why"]])
    return list(found.values())


HOUSEHOLD_WHY = {0: "lives at the same address", 1: "sibling", 2: "in the same household"}


def people_by_reference(references: list[int], user: User | None = None) -> dict[int, Person]:
    """The people with these reference numbers, by number; with `user`, only those the user may name on a
    record (a partner: their organisation's children). A name in a list is not the record: opening it is
    checked and logged (people.access)."""
    from childsafe.people.access import people_visible_to

    found = Person.objects.filter(pk__in=references)
    if user is not None:
        found = people_visible_to(user, found)
    return {p.pk: p for p in found}
