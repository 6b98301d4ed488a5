"""MP-3 in the sweep (ADR 0057): every open medium-graded episode at once, in a fixed number of statements,
finding exactly what asking episode by episode finds (the grading's prompt and the intelligence check)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from childsafe.core import clock, engine
from childsafe.demo.generator import generate
from childsafe.missing import rules, services
from childsafe.missing.models import MissingEpisode
from childsafe.people import services as people_services
from childsafe.people.intelligence import unresolved_duplicates, unresolved_duplicates_many
from childsafe.people.models import IdentityLink, NotSamePerson, Person, WarningMarker
from childsafe.people.selectors import identity_cluster, identity_clusters, marker_types_for
from childsafe.people.vocabulary import HIGH_HARM_MARKERS

T0 = datetime(2025, 3, 10, 21, 0, tzinfo=UTC)


@pytest.fixture
def people(make_user):
    return {"handler": make_user("handler", "call_handler"), "fim": make_user("fim", "fim")}


def one_by_one(now: datetime) -> set[tuple[str, str]]:
    """MP-3 as it was, episode by episode: the child's own markers, else its possible duplicates'."""
    found = set()
    for ep in MissingEpisode.objects.filter(
        imported=False, found_at__isnull=True, closed_at__isnull=True, grade="medium"
    ).select_related("person"):
        if marker_types_for(ep.person_id) & HIGH_HARM_MARKERS:
            found.add((str(ep.pk), "own"))
        elif set(rules.duplicate_markers_not_addressed(ep.person, ep.markers_acknowledged or {})) & HIGH_HARM_MARKERS:
            found.add((str(ep.pk), "duplicate"))
    return found


def swept(now: datetime) -> tuple[set[tuple[str, str]], int]:
    with CaptureQueriesContext(connection) as captured:
        findings = list(rules.mp3_grade_against_markers(now))
    kinds = {(f.subject_id, "duplicate" if "a record that may be them" in f.reason else "own") for f in findings}
    return kinds, len(captured)


def child(forenames: str, surname: str, born: date, marker: str = "") -> Person:
    person = people_services.person_create(
        actor=None, forenames=forenames, surname=surname, date_of_birth=born, duplicates_reviewed=True
    ).person
    if marker:
        people_services.marker_add(actor=None, person=person, type=marker, source="Intelligence log")
    return person


def missing_medium(people, person: Person, **grading) -> MissingEpisode:
    episode = services.missing_report(actor=people["handler"], child=person, reported_by="Carer").episode
    services.episode_grade(actor=people["fim"], episode=episode, grade="medium", rationale="Friend's house.", **grading)
    return episode


def cases(people, n: int, offset: int = 0) -> None:
    """n children missing and graded medium, each with a misspelt record of them that holds a knife marker
    (MP-3 fires), and as many with a clean duplicate (it does not)."""
    for i in range(offset, offset + n):
        born = date(2009, 1, 1) + timedelta(days=37 * i)
        surname = ["Carter", "Walsh", "Okafor", "Brennan", "Lindqvist", "Mensah", "Doyle", "Harper"][i % 8]
        missing_medium(people, child("Liam", surname, born))
        child("Liam", surname[:-1] + "o" + surname[-1], born, marker="knives")
        missing_medium(people, child("Ava", surname, born + timedelta(days=3)))
        child("Ava", surname + "e", born + timedelta(days=3))


@pytest.mark.django_db
def test_the_statements_do_not_grow_with_the_open_episodes(people):
    clock.set_now(T0)
    try:
        cases(people, 2)
        found, few = swept(T0)
        assert len(found) == 2 and {kind for _, kind in found} == {"duplicate"}
        cases(people, 6, offset=2)
        found, many = swept(T0)
        assert len(found) == 8 and found == one_by_one(T0)
        assert many == few
    finally:
        clock.set_now(None)


@pytest.mark.django_db
def test_the_same_findings_as_episode_by_episode(people):
    """Own markers, linked records' markers, duplicates' markers, ruled out, addressed, a day/month swap,
    a record the dictionary cannot name, and a child with no date of birth: the same as one by one."""
    clock.set_now(T0)
    try:
        own = child("Noah", "Fenwick", date(2010, 5, 6), marker="firearms")
        linked = child("Mia", "Ashworth", date(2011, 2, 3))
        other = child("Mia", "Ashwerth", date(2011, 2, 3), marker="cse")
        people_services.identity_link(
            actor=people["fim"], person=linked, other=other, rationale="Same child, same school."
        )
        dup = child("Ellis", "Grant", date(2009, 3, 4))
        child("Ellis", "Grantt", date(2009, 4, 3), marker="county_lines")  # day and month swapped
        ruled = child("Isla", "Mercer", date(2012, 7, 8))
        ruled_dup = child("Isla", "Mercerr", date(2012, 7, 8), marker="weapons")
        NotSamePerson.objects.create(
            person_a=min(ruled, ruled_dup, key=lambda p: p.pk),
            person_b=max(ruled, ruled_dup, key=lambda p: p.pk),
            reason="Carer confirmed a different child.",
            at=T0,
        )
        addressed = child("Rory", "Quayle", date(2008, 9, 10))
        child("Rory", "Quayl", date(2008, 9, 10), marker="knives")
        odd = child("Zxqv", "Qqzx", date(2013, 1, 20))
        child("Zxqv", "Qqzy", date(2013, 1, 20), marker="trafficking")
        undated = child("Theo", "Undated", None)
        child("Theo", "Undated", date(2010, 1, 1), marker="knives")
        for person in (own, linked, dup, ruled, odd, undated):
            missing_medium(people, person)
        missing_medium(people, addressed, markers_acknowledged={"knives": "His other record: knife seized 2023."})
        found, _ = swept(T0)
        assert found == one_by_one(T0)
        by_child = {MissingEpisode.objects.get(pk=int(pk)).person_id: kind for pk, kind in found}
        assert by_child[own.pk] == "own" and by_child[linked.pk] == "own"
        assert by_child[dup.pk] == "duplicate"
        assert ruled.pk not in by_child and addressed.pk not in by_child and undated.pk not in by_child
        engine.sweep()
    finally:
        clock.set_now(None)


@pytest.mark.django_db
def test_the_batch_finds_every_possible_duplicate_of_a_force():
    """Over a synthetic force with planted duplicates (misspelt, nicknames, swapped dates), some linked and
    some ruled out: each child's clusters and unresolved duplicates, all at once, are exactly those found
    one child at a time."""
    generate(scale=0.4, progress=False, plant_duplicates=0.2)
    rng = random.Random(7)
    planted = list(Person.objects.filter(synthetic_truth_id__isnull=False).values_list("pk", "synthetic_truth_id"))
    assert len(planted) > 40
    pairs = [(pk, truth) for pk, truth in planted if pk != truth]
    for pk, truth in pairs[:10]:
        IdentityLink.objects.create(
            person_a_id=min(pk, truth), person_b_id=max(pk, truth), rationale="Test link.", linked_at=clock.now()
        )
    for pk, truth in pairs[10:20]:
        NotSamePerson.objects.create(
            person_a_id=min(pk, truth), person_b_id=max(pk, truth), reason="Test.", at=clock.now()
        )
    for pk, _ in pairs[20:60]:
        WarningMarker.objects.create(
            person_id=pk, type="knives", start_date=date(2024, 1, 1), source="Test", created_at=clock.now()
        )
    children = {pk for pk, _ in planted} | set(rng.sample(list(Person.objects.values_list("pk", flat=True)), 150))
    clusters = identity_clusters(children)
    assert clusters == {pid: identity_cluster(pid) for pid in children}
    many = unresolved_duplicates_many(clusters)
    found_any = 0
    for pid in children:
        found, markers = unresolved_duplicates(clusters[pid])
        assert many[pid] == ([p.pk for p, _ in found], markers), pid
        found_any += bool(found)
    assert found_any > 20
