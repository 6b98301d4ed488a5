"""Keeping the search index: each record's normalised names, and the name dictionary (NameKey).

Every write of a person's or an other name's names goes through `set_person_keys`/`set_name_keys`
and `index_names`, so the search never misses a record; `rebuild` does the same in bulk for data
loaded around the services (the demo generator, a migration of legacy records).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from childsafe.people import identity
from childsafe.people.models import NameKey, Person, PersonName

BATCH = 5_000


def set_person_keys(person: Person) -> None:
    """Fill a person's phonetic keys and normalised names from its names (before saving it)."""
    person.surname_key = identity.phonetic_key(person.surname)
    person.forename_key = identity.phonetic_key(person.forenames)
    person.surname_norm = identity.surname_norm(person.surname)
    person.forename_norm = identity.forename_norm(person.forenames)


def set_name_keys(name: PersonName, surname_if_blank: str) -> None:
    """An other name without a surname ("known as Jay") keeps the person's surname for matching."""
    surname = name.surname or surname_if_blank
    name.surname_key = identity.phonetic_key(surname)
    name.surname_norm = identity.surname_norm(surname)
    name.forename_norm = identity.forename_norm(name.forenames)


def index_names(*, surnames: Iterable[str] = (), forenames: Iterable[str] = ()) -> None:
    """Add normalised names to the name dictionary (names already there are left as they are)."""
    rows = [
        NameKey(kind=kind, key=key, name=name)
        for kind, names in ((NameKey.Kind.SURNAME, surnames), (NameKey.Kind.FORENAME, forenames))
        for name in {n for n in names if n}
        for key in identity.stored_keys(name)
    ]
    for start in range(0, len(rows), BATCH):
        NameKey.objects.bulk_create(rows[start : start + BATCH], ignore_conflicts=True)


def index_person(person: Person, other_names: Iterable[PersonName] = ()) -> None:
    others = list(other_names)
    index_names(
        surnames=[person.surname_norm, *(n.surname_norm for n in others)],
        forenames=[person.forename_norm, *(n.forename_norm for n in others)],
    )


def rebuild() -> int:
    """Fill normalised names left blank by bulk loads, then index every distinct name. Returns names."""
    _fill_blanks()
    surnames: set[str] = set()
    forenames: set[str] = set()
    for model in (Person, PersonName):
        surnames.update(model.objects.values_list("surname_norm", flat=True).distinct())
        forenames.update(model.objects.values_list("forename_norm", flat=True).distinct())
    known = {
        (kind, name)
        for kind, name in NameKey.objects.filter(key__startswith="w:").values_list("kind", "name").distinct()
    }
    index_names(
        surnames=[s for s in surnames if (NameKey.Kind.SURNAME, s) not in known],
        forenames=[f for f in forenames if (NameKey.Kind.FORENAME, f) not in known],
    )
    return len(surnames) + len(forenames)


def _fill_blanks() -> None:
    blank = Person.objects.filter(surname_norm="", forename_norm="").exclude(surname="", forenames="")
    while batch := list(blank.only("pk", "forenames", "surname")[:BATCH]):
        for person in batch:
            set_person_keys(person)
            if not person.surname_norm and not person.forename_norm:
                person.surname_norm = "-"  # nothing searchable in the name: don't visit it again
        Person.objects.bulk_update(batch, ["surname_key", "forename_key", "surname_norm", "forename_norm"])
    names = PersonName.objects.filter(surname_norm="", forename_norm="").select_related("person")
    while batch_names := list(names[:BATCH]):
        for name in batch_names:
            set_name_keys(name, name.person.surname)
            if not name.surname_norm and not name.forename_norm:
                name.surname_norm = "-"
        PersonName.objects.bulk_update(batch_names, ["surname_key", "surname_norm", "forename_norm"])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE people_person; ANALYZE people_namekey")
