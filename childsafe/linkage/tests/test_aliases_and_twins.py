"""PL-2 linkage compares other names (aliases, previous surnames), and twins at one address with one surname
and one date of birth are told apart by their first names."""

from __future__ import annotations

from datetime import date

import pytest

from childsafe.linkage import services
from childsafe.people import services as people_services
from childsafe.people.models import Person

pytestmark = pytest.mark.django_db
HOME = people_services.AddressInput(line1="4 Bootham Row", town="York", postcode="YO30 7BW")


def _child(forenames: str, surname: str, dob: date, sex: str = "female", **extra) -> Person:
    return people_services.person_create(
        actor=None, forenames=forenames, surname=surname, date_of_birth=dob, sex=sex, duplicates_reviewed=True, **extra
    ).person


def _others() -> None:
    for i, name in enumerate(["Oliver", "Amelia", "Noah", "Isla", "George", "Ava", "Leo", "Mia"]):
        _child(name, "Smith" if i % 2 else "Brown", date(2010 + i % 5, 1 + i, 10 + i), "male" if i % 2 else "female")


def _pairs(result: services.LinkageResult) -> set[tuple[int, int]]:
    return {(a, b) for a, b, *_ in result.pairs}


def test_a_record_under_the_childs_alias_is_suggested_with_why():
    known = _child("Chantelle", "Walker", date(2009, 6, 2), other_names=[("Shan", "Baxter", "alias")])
    under_alias = _child("Shan", "Baxter", date(2009, 6, 2))
    _others()
    result = services.find_duplicates(threshold=0.5, train=False)
    assert (known.pk, under_alias.pk) in _pairs(result)
    [pair] = [p for p in result.pairs if (p[0], p[1]) == (known.pk, under_alias.pk)]
    assert "one of the other record's other names" in pair[4] and "other or previous surnames" in pair[4]


def test_twins_are_not_one_child():
    ruby = _child("Ruby", "Kaur", date(2015, 9, 14), address=HOME)
    jasmine = _child("Jasmine", "Kaur", date(2015, 9, 14), address=HOME)
    same_girl = _child("Rubi", "Kaur", date(2015, 9, 14))
    _others()
    found = _pairs(services.find_duplicates(threshold=0.9, train=False))
    assert (ruby.pk, jasmine.pk) not in found
    assert (ruby.pk, same_girl.pk) in found


def test_twins_with_a_part_of_one_surname_are_not_one_child():
    reece = _child("Reece", "McKenzie", date(2009, 3, 28), sex="male", address=HOME)
    benjamin = _child("Benjamin", "Woodward-McKenzie", date(2009, 3, 28), sex="male", address=HOME)
    same_boy = _child("Reece", "Woodward-McKenzie", date(2009, 3, 28), sex="male")
    _others()
    found = _pairs(services.find_duplicates(threshold=0.9, train=False))
    assert (reece.pk, benjamin.pk) not in found
    assert (reece.pk, same_boy.pk) in found


def test_twins_with_names_a_little_alike_are_not_one_child():
    oliver = _child("Oliver", "Okafor", date(2016, 4, 2), sex="male", address=HOME)
    olivia = _child("Olivia", "Okafor", date(2016, 4, 2), sex="female", address=HOME)
    louis = _child("Louis", "Okafor", date(2016, 4, 2), sex="male", address=HOME)
    louisa = _child("Louisa", "Okafor", date(2016, 4, 2), sex="female", address=HOME)
    same_boy = _child("Olly", "Okafor", date(2016, 4, 2), sex="male")
    _others()
    found = _pairs(services.find_duplicates(threshold=0.5, train=False))
    assert not {tuple(sorted(p)) for p in [(oliver.pk, olivia.pk), (louis.pk, louisa.pk)]} & found
    assert (oliver.pk, same_boy.pk) in found


def test_twins_rule_reads_the_levels_by_name():
    top = {c.name: len(c.levels) for c in services.COMPARISONS}
    same_child = {
        "forename": top["forename"],
        "surname": top["surname"],
        "date_of_birth": top["date_of_birth"],
        "sex": 1,
    }
    assert not services.twins_or_siblings(same_child)
    assert services.twins_or_siblings({**same_child, "forename": 0})
    assert not services.twins_or_siblings({**same_child, "forename": 0, "date_of_birth": 0})
    swapped = top["date_of_birth"] - 1  # day and month swapped: born in January and in December
    assert services.twins_or_siblings({**same_child, "forename": 0, "date_of_birth": swapped})
    assert not services.twins_or_siblings({**same_child, "forename": 0, "surname": 0})
    alike = {**same_child, "forename": 1}  # "a little alike"
    assert services.twins_or_siblings(alike, ("harry", "harvey"))
    assert not services.twins_or_siblings(alike, ("ruby", "rubi"))  # one letter: may be one girl
