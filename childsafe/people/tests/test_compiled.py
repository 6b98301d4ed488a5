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
