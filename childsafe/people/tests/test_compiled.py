"""A person read by key in one statement compiled once (core.compiled, ADR 0064) is the ORM's select_related
read, field for field, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from childsafe.core import compiled
from childsafe.people import services
from childsafe.people.models import Organisation, Person

RELATED = ("area", "placement", "local_authority")


def fields(record) -> dict:
    return {f.attname: getattr(record, f.attname) for f in type(record)._meta.concrete_fields}


@pytest.fixture
def placed(ella, york, areas):
    home = services.organisation_create(
        actor=None, type="childrens_home", name="Riverside House", email="riverside@home.test"
    )
    Person.objects.filter(pk=ella.pk).update(placement=home, looked_after=True, area=areas["city"])
    return Person.objects.get(pk=ella.pk)


@pytest.mark.django_db
def test_a_person_and_every_related_record_are_the_orms(placed):
    expected = Person.objects.select_related(*RELATED).get(pk=placed.pk)
    with CaptureQueriesContext(connection) as queries:
        person = compiled.get(Person, placed.pk, related=RELATED)
        assert person is not None
        related = {name: getattr(person, name) for name in RELATED}
    assert len(queries) == 1  # the related records came with it
    assert fields(person) == fields(expected)
    for name in RELATED:
        assert related[name] is not None and fields(related[name]) == fields(getattr(expected, name))
    assert isinstance(related["local_authority"], Organisation) and related["local_authority"].calendar == (
        expected.local_authority.calendar
    )
    assert person._state.adding is False and person._state.db == "default"


@pytest.mark.django_db
def test_empty_foreign_keys_are_none_without_a_statement(db):
    created = services.person_create(actor=None, forenames="Sam", surname="Dale", duplicates_reviewed=True).person
    Person.objects.filter(pk=created.pk).update(area=None, placement=None, local_authority=None)
    with CaptureQueriesContext(connection) as queries:
        person = compiled.get(Person, created.pk, related=RELATED)
        assert person is not None and (person.area, person.placement, person.local_authority) == (None, None, None)
    assert len(queries) == 1
    assert fields(person) == fields(Person.objects.get(pk=created.pk))


@pytest.mark.django_db
def test_no_such_key_is_none_and_a_key_that_is_not_one_is_refused_as_the_orm_refuses_it(db):
    assert compiled.get(Person, 987_654_321, related=RELATED) is None
    assert compiled.get(Person, 10**30) is None and compiled.get(Person, -(10**30)) is None  # beyond BIGINT
    with pytest.raises(ValueError):
        compiled.get(Person, "abc")
    with pytest.raises(ValueError):
        compiled.get(Person, 1, related=("forenames",))


@pytest.mark.django_db
def test_in_bulk_is_the_orms_in_bulk_record_for_record(placed):
    others = [
        services.person_create(actor=None, forenames=f"Sam{n}", surname="Dale", duplicates_reviewed=True).person
        for n in range(3)
    ]
    wanted = [placed.pk, *(p.pk for p in others), 987_654_321, 10**30]  # one missing, one beyond BIGINT
    expected = Person.objects.select_related(*RELATED).in_bulk(wanted[:-1])
    with CaptureQueriesContext(connection) as queries:
        found = compiled.in_bulk(Person, [*wanted, placed.pk], related=RELATED)  # a key twice is one record
        related = {pk: [getattr(p, name) for name in RELATED] for pk, p in found.items()}
    assert len(queries) == 1
    assert sorted(found) == sorted(expected) == sorted([placed.pk, *(p.pk for p in others)])
    for pk, person in found.items():
        assert fields(person) == fields(expected[pk])
        assert [r and fields(r) for r in related[pk]] == [
            (r := getattr(expected[pk], name)) and fields(r) for name in RELATED
        ]
    assert compiled.in_bulk(Person, []) == {} and compiled.in_bulk(Person, [10**30]) == {}


def everything(record) -> dict:
    """A record's fields and, for each foreign key read with it, the related record's fields."""
    out = fields(record)
    for f in type(record)._meta.concrete_fields:
        if f.is_relation and f.is_cached(record):
            related = getattr(record, f.name)
            out[f.name] = related and fields(related)
    return out


@pytest.mark.django_db
def test_the_pages_relationships_and_identity_links_are_the_orms(personas, ella):
    """page_reads reads both through compiled.where (ADR 0064): the ORM's select_related rows, in order."""
    from datetime import date

    from django.db.models import Q

    from childsafe.people import page_reads
    from childsafe.people.models import IdentityLink, Relationship

    def person(name: str) -> Person:
        return services.person_create(actor=None, forenames=name, surname="Dale", duplicates_reviewed=True).person

    mother, brother, duplicate, stranger = (person(n) for n in ("Mary", "Tom", "Ella", "Zed"))
    why = {str(p.pk): "Building the family for the test" for p in (ella, mother, brother, duplicate, stranger)}
    services.relationship_add(
        actor=personas["supervisor"], from_person=mother, to_person=ella, type="parent", reasons=why
    )
    services.relationship_add(
        actor=personas["supervisor"],
        from_person=ella,
        to_person=brother,
        type="sibling",
        valid_from=date(2020, 3, 1),
        reasons=why,
    )
    services.relationship_add(
        actor=personas["supervisor"], from_person=stranger, to_person=mother, type="parent", reasons=why
    )
    link = services.identity_link(
        actor=personas["supervisor"], person=ella, other=duplicate, rationale="Same child", reasons=why
    )
    services.identity_unlink(actor=personas["supervisor"], link=link, rationale="Twins, not one child", reasons=why)
    services.identity_link(
        actor=personas["supervisor"], person=duplicate, other=ella, rationale="Same child after all", reasons=why
    )
    ids = [ella.pk, duplicate.pk]

    expected = Relationship.objects.filter(Q(from_person_id__in=ids) | Q(to_person_id__in=ids))
    expected = expected.select_related("from_person", "to_person").order_by("id")
    assert [everything(r) for r in page_reads.relationships(ids)] == [everything(r) for r in expected]
    assert len(expected) == 2
    expected = IdentityLink.objects.filter(Q(person_a_id__in=ids) | Q(person_b_id__in=ids))
    expected = expected.select_related("person_a", "person_b").order_by("id")
    links = page_reads.identity_links(ids)
    assert [everything(r) for r in links] == [everything(r) for r in expected]
    assert len(links) == 2 and links[0].unlinked_at is not None and links[0].unlinked_at.tzinfo is not None
    assert page_reads.relationships([]) == [] and page_reads.identity_links([987_654_321]) == []
