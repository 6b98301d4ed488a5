"""Finding the child: person search and the duplicate check at entry, one way on both databases.

What was typed is turned into a few small indexed queries (ADR 0008):
1. the name dictionary (NameKey) turns each typed name into the stored names that are the same,
   sound the same, are one typing error away, share a name family (Jay/Jayden, Mohammed/Muhammad) or
   a part of a double-barrelled surname;
2. people are fetched by those names with the date of birth (or its range) on the composite
   (name, date of birth) indexes; by the date of birth and its day/month swap alone; by first name and
   date of birth (a changed surname); and through other names (aliases);
3. the short list is scored in Python by people.identity, each hit with the reasons a handler reads;
   an address or postcode and a school add weight and a reason, or, searched alone, select.
The number of queries is fixed whatever the size of the force.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, NamedTuple, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Q, QuerySet

from childsafe.core import clock, compiled
from childsafe.core.errors import InvalidInput
from childsafe.people import identity
from childsafe.people.identity import Born, Match
from childsafe.people.models import NameKey, Person, PersonAddress, PersonName, SchoolEnrolment
from childsafe.people.places import is_valid_postcode, location_key, normalise_postcode

K = TypeVar("K")
PER_QUERY = 400  # candidates fetched by each query: enough for the commonest name in a year of births
SHOWN = 25
MIN_SEARCH_SCORE = 0.55
PLACE_BONUS = 0.05
_OUTWARD = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$")


@dataclass(frozen=True)
class Wanted:
    """What the user knows about the person: any mix of these."""

    forenames: str = ""
    surname: str = ""
    born: Born = field(default_factory=Born)
    address: str = ""  # a postcode, the start of one ("YO1"), or words of the address
    school: str = ""  # words of the school's name
    # Other ways to read a name typed in one box: "Amelia Smith Jones" may be Amelia Smith-Jones.
    other_splits: tuple[tuple[str, str], ...] = ()

    @property
    def has_name(self) -> bool:
        return bool(self.forenames or self.surname)

    @property
    def empty(self) -> bool:
        return not (self.has_name or self.born.known or self.address or self.school)


def wanted_from(
    *,
    q: str = "",
    forenames: str = "",
    surname: str = "",
    dob: date | None = None,
    year: int | None = None,
    age_from: int | None = None,
    age_to: int | None = None,
    address: str = "",
    school: str = "",
    today: date | None = None,
) -> Wanted:
    """Build a search from the form's or the API's fields (the same names in both), or say what's wrong.

    `q` is one box for the name ("Jay Smith-Jones": the last word is the surname, the rest first
    names; one word is tried as either); `forenames`/`surname` are used as given. Of the date fields
    the most precise wins: a date of birth, else a year of birth, else an age range (inclusive).
    """
    day = today or clock.today_london()
    errors: dict[str, str] = {}
    if dob is not None and dob > day:
        errors["dob"] = "Date of birth must be today or in the past."
    if year is not None and not 1900 <= year <= day.year:
        errors["year"] = f"Enter a year of birth between 1900 and {day.year}, for example 2011."
    for name, age in (("age_from", age_from), ("age_to", age_to)):
        if age is not None and not 0 <= age <= 120:
            errors[name] = "Enter an age in whole years from 0 to 120."
    if age_from is not None and age_to is not None and age_from > age_to and not errors:
        errors["age_to"] = "The oldest age must be the same as or more than the youngest age."
    q, forenames, surname = q.strip(), forenames.strip(), surname.strip()
    address, school = address.strip(), school.strip()
    has_name = bool(q or forenames or surname)
    ranged = dob is None and (year is not None or age_from is not None or age_to is not None)
    if not errors:
        if not (has_name or dob or ranged or address or school):
            errors["q"] = "Enter a name, a date of birth, an address or postcode, or a school to search for."
        elif ranged and not (has_name or address or school):
            errors["q"] = "A year of birth or an age range needs a name, an address or a school to go with it."
        elif len(address) == 1 or len(school) == 1:
            errors["address" if len(address) == 1 else "school"] = "Enter at least two letters."
    if errors:
        raise InvalidInput(errors)
    other_splits: tuple[tuple[str, str], ...] = ()
    if q and not (forenames or surname):
        words = q.split()
        forenames, surname = (" ".join(words[:-1]), words[-1]) if len(words) >= 2 else ("", words[0])
        if len(words) >= 3:
            other_splits = ((" ".join(words[:-2]), " ".join(words[-2:])),)
    if dob is not None:
        born = Born(exact=dob)
    elif year is not None:
        born = Born(earliest=date(year, 1, 1), latest=date(year, 12, 31), description=f"born in {year}")
    elif age_from is not None or age_to is not None:
        low = age_from if age_from is not None else 0
        high = age_to if age_to is not None else 120
        span = f"aged {low} to {high}" if low != high else f"aged {low}"
        born = Born(earliest=_years_before(day, high + 1) + _ONE_DAY, latest=_years_before(day, low), description=span)
    else:
        born = Born()
    return Wanted(
        forenames=forenames, surname=surname, born=born, address=address, school=school, other_splits=other_splits
    )


_ONE_DAY = date(2000, 1, 2) - date(2000, 1, 1)


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@dataclass
class Hit:
    person: Person
    match: Match


class Row(NamedTuple):
    """What the scorer needs of a candidate: fetched as plain values, not model instances."""

    pk: int
    forenames: str
    surname: str
    date_of_birth: date | None


ROW_FIELDS = ("pk", "forenames", "surname", "date_of_birth")
STRONG = 0.9  # a candidate this good from the exact date means the wider net isn't needed


def find(wanted: Wanted, *, queryset: QuerySet[Person] | None = None, limit: int = SHOWN) -> list[Hit]:
    """Person search: the best matches first, each with why it matched."""
    if wanted.empty:
        return []
    if wanted.has_name or wanted.born.exact is not None:
        scored = _search(wanted, _within(queryset), three_way=False)
    else:  # an address or a school, perhaps with a year of birth or an age range
        base = queryset if queryset is not None else Person.objects.all()
        scored = _scored(wanted, _by_place(wanted, base), three_way=False)
    scored = [(row, m) for row, m in scored if m.score >= MIN_SEARCH_SCORE or not wanted.has_name]
    scored.sort(key=lambda rm: (-rm[1].score, rm[0].surname, rm[0].forenames, rm[0].pk))
    return _as_hits(scored[:limit])


def possible_duplicates(
    *,
    forenames: str,
    surname: str,
    date_of_birth: date | None,
    exclude: list[int] | None = None,
    limit: int = 10,
    thorough: bool = True,
) -> list[tuple[Person, Match]]:
    """People who may be this person (PL-2), best first: the search's candidates, the duplicate check's score.

    `thorough=False` looks only at the exact date of birth and its day/month swap (every error the
    inspectorate describes in a name, or a swapped date): what the intelligence check asks on every
    call, where time matters most. Entry and the link page look wider, and bulk linkage wider still.
    """
    wanted = Wanted(forenames=forenames, surname=surname, born=Born(exact=date_of_birth))
    scored = [
        (row, m)
        for row, m in _search(wanted, None, three_way=True, stages=None if thorough else 1, exclude=exclude or ())
        if m.score >= identity.DUPLICATE_THRESHOLD
    ]
    scored.sort(key=lambda rm: (-rm[1].score, rm[0].pk))
    return [(h.person, h.match) for h in _as_hits(scored[:limit])]


@dataclass(frozen=True)
class Record:
    """One record whose possible duplicates are wanted: its name and date of birth, and the records
    (its own cluster) that are not candidates."""

    forenames: str
    surname: str
    date_of_birth: date | None
    exclude: tuple[int, ...] = ()


def quick_duplicates_many(records: dict[K, Record], *, limit: int = 10) -> dict[K, list[tuple[int, Match]]]:
    """`possible_duplicates(..., thorough=False)` for many records at once, in a fixed number of statements
    whatever their number (a clock over every open case): the ids and matches of each one's possible
    duplicates, best first. The same candidates and scores as asking one by one: the names the dictionary
    gives each record, then the people born on its date or its day/month swap with one of those surnames
    or first names or an other name (alias) of that kind, scored by the duplicate check.

    Differences, none of them a finding: one by one, each query keeps at most PER_QUERY rows, whichever
    the database returns first; here nothing is cut, so a name too common to fit in one query's rows
    (hundreds born on one day) loses no candidate. A record with no date of birth has no possible
    duplicates either way: without a date the score cannot reach the threshold (`_UNDATED_BEST`).
    """
    out: dict[K, list[tuple[int, Match]]] = {key: [] for key in records}
    dated = {key: r for key, r in records.items() if r.date_of_birth is not None}
    if not dated:
        return out
    # 1. The dictionary: every typed name's keys, one statement for all.
    typed = {key: (identity.surname_norm(r.surname), identity.forename_norm(r.forenames)) for key, r in dated.items()}
    keys_s = {key: identity.lookup_keys(s) if s else set() for key, (s, _) in typed.items()}
    keys_f = {key: identity.lookup_keys(f) if f else set() for key, (_, f) in typed.items()}
    # Plain statements (ADR 0066): the ORM prepared each of thousands of listed values one by one, which was a
    # third of MP-3's time at a force's size (bench/README.md, sweep).
    by_key: dict[tuple[str, str], set[str]] = {}
    listed = {NameKey.Kind.SURNAME: set().union(*keys_s.values()), NameKey.Kind.FORENAME: set().union(*keys_f.values())}
    for kind, k, spelt in _dictionary("kind, key, name", listed.items()):
        by_key.setdefault((kind, k), set()).add(spelt)
    surnames = {
        key: set().union(*(by_key.get((NameKey.Kind.SURNAME, k), set()) for k in ks)) for key, ks in keys_s.items()
    }
    forenames = {
        key: set().union(*(by_key.get((NameKey.Kind.FORENAME, k), set()) for k in ks)) for key, ks in keys_f.items()
    }
    days: dict[K, set[date]] = {}
    for key, r in dated.items():
        born = r.date_of_birth
        assert born is not None  # `dated` holds only records with a date
        days[key] = {born} | ({t} if (t := identity.transposed(born)) else set())
    all_days = sorted(set().union(*days.values()))
    all_surnames = sorted(set().union(*surnames.values()))
    all_forenames = sorted(set().union(*forenames.values()))
    # 2. Other names (aliases) of those kinds, of people born on one of the days: one statement.
    aliases: list[tuple[Any, ...]] = []
    named = [
        _one_of(f"n.{column}", values)
        for column, values in (("surname_norm", all_surnames), ("forename_norm", all_forenames))
        if values
    ]
    if named:
        where = _all(_either(*named), _one_of("p.date_of_birth", _dates(all_days)))
        aliases = _rows(
            f"SELECT n.person_id, n.surname_norm, n.forename_norm, p.date_of_birth FROM {_NAMES} n "  # noqa: S608 -- names from the models
            f"JOIN {_PEOPLE} p ON p.id = n.person_id WHERE {where.sql}",
            where.params,
        )
    alias_ids = {
        key: {
            pid for pid, sn, fn, born in aliases if born in days[key] and (sn in surnames[key] or fn in forenames[key])
        }
        for key in dated
    }
    # A record none of whose names the dictionary knows (so no alias either) looks at everyone born on its
    # days: its first stage is the date alone, as one by one.
    date_only = {key for key in dated if not (surnames[key] or forenames[key])}
    # 3. The candidates: one statement.
    found_by = [
        _one_of(column, values)
        for column, values in (
            ("surname_norm", all_surnames),
            ("forename_norm", all_forenames),
            ("id", sorted(set().union(*alias_ids.values()))),
            ("date_of_birth", _dates(sorted(set().union(*(days[key] for key in date_only))))),
        )
        if values
    ]
    # Each record looks only at the rows born on its own days (not at every row: a sweep has hundreds of
    # records and thousands of rows).
    born_on: dict[date, list[tuple[Any, ...]]] = {}
    if found_by:
        where = _all(_either(*found_by), _one_of("date_of_birth", _dates(all_days)))
        sql = (
            f"SELECT id, forenames, surname, date_of_birth, surname_norm, forename_norm FROM {_PEOPLE} "  # noqa: S608 -- names from the models
            f"WHERE {where.sql}"
        )
        for row in _rows(sql, where.params):
            born_on.setdefault(row[3], []).append(row)
    candidates: dict[K, dict[int, Row]] = {}
    for key, r in dated.items():
        excluded = set(r.exclude)
        candidates[key] = {
            pk: Row(pk, fn, sn, born)
            for day in sorted(days[key])
            for pk, fn, sn, born, s_norm, f_norm in born_on.get(day, ())
            if pk not in excluded
            and (key in date_only or s_norm in surnames[key] or f_norm in forenames[key] or pk in alias_ids[key])
        }
    # 4. The candidates' other names, for the scorer: one statement.
    names = _other_names(sorted(set().union(*(c.keys() for c in candidates.values()))))
    for key, r in dated.items():
        wanted = Wanted(forenames=r.forenames, surname=r.surname, born=Born(exact=r.date_of_birth))
        scored = [
            (row, m)
            for row, m in _scored(
                wanted, candidates[key], three_way=True, places=False, names=names if wanted.has_name else {}
            )
            if m.score >= identity.DUPLICATE_THRESHOLD
        ]
        scored.sort(key=lambda rm: (-rm[1].score, rm[0].pk))
        out[key] = [(row.pk, m) for row, m in scored[:limit]]
    return out


# The best score a record with no date of birth can reach against anyone (both names agree, the date
# "not known on one record"): below the duplicate threshold, so it has no possible duplicates.
_UNDATED_BEST = identity.SURNAME_WEIGHT + identity.FORENAME_WEIGHT + identity.DOB_WEIGHT * 0.3
assert _UNDATED_BEST < identity.DUPLICATE_THRESHOLD


def _as_hits(scored: list[tuple[Row, Match]]) -> list[Hit]:
    people = compiled.in_bulk(Person, [row.pk for row, _ in scored])
    return [Hit(people[row.pk], match) for row, match in scored if row.pk in people]


# --- Candidates ------------------------------------------------------------------------------------


class _Where(NamedTuple):
    """A condition of one of the search's plain statements, and its parameters."""

    sql: str
    params: tuple[Any, ...]


def _one_of(column: str, values: Iterable[Any]) -> _Where:
    sql, params = compiled.one_of(column, values)
    return _Where(sql, tuple(params))


def _dates(days: Iterable[date]) -> list[Any]:
    """Dates as the driver takes them in a plain statement (SQLite's, as text)."""
    return [connection.ops.adapt_datefield_value(day) for day in days]


def _all(*parts: _Where) -> _Where:
    return _Where(" AND ".join(f"({p.sql})" for p in parts), tuple(v for p in parts for v in p.params))


def _either(*parts: _Where) -> _Where:
    return _Where(" OR ".join(f"({p.sql})" for p in parts), tuple(v for p in parts for v in p.params))


def _rows(sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# The search's statements are plain SQL (ADR 0066): the ORM compiled each afresh on every search, which was
# most of a search's time; with `one_of`, PostgreSQL prepares each shape once. Names from the models' _meta.
_PEOPLE = Person._meta.db_table
_NAMES = PersonName._meta.db_table
_DICTIONARY = NameKey._meta.db_table


def name_variants(surname: str = "", forename: str = "") -> tuple[set[str], set[str]]:
    """Stored surnames and first names that may be these typed ones: one indexed query on the dictionary."""
    surnames: set[str] = set()
    forenames: set[str] = set()
    listed = {
        kind: identity.lookup_keys(typed) if typed else set()
        for kind, typed in ((NameKey.Kind.SURNAME, surname), (NameKey.Kind.FORENAME, forename))
    }
    for kind, name in _dictionary("kind, name", listed.items()):
        (surnames if kind == NameKey.Kind.SURNAME else forenames).add(name)
    return surnames, forenames


def _dictionary(columns: str, keys: Iterable[tuple[str, set[str]]]) -> list[tuple[Any, ...]]:
    """The name dictionary's rows (these columns, no repeats) under these keys of each kind, in one statement.

    One SELECT a kind, their UNION: each an index-only scan of (kind, key, name). ORed in one WHERE, they were a
    bitmap scan reading the table's rows (about 1,500 for "Smith", whose keys a few hundred double-barrelled
    names share): 1.8 ms against 0.6 at a million people (bench/README.md)."""
    arms = [_all(_Where("kind = %s", (kind,)), _one_of("key", sorted(listed))) for kind, listed in keys if listed]
    if not arms:
        return []
    sql = " UNION ".join(f"SELECT {columns} FROM {_DICTIONARY} WHERE {arm.sql}" for arm in arms)  # noqa: S608 -- names from the models
    return _rows(sql, tuple(p for arm in arms for p in arm.params))


def _born_q(born: Born, *, widen: bool) -> _Where | None:
    """The dates to fetch: exactly (the date and its day/month swap), or widened around it; None, any date."""
    if born.exact is not None:
        if widen:  # names agree, the date is wrong: the neighbouring years, ranked by the scorer
            return _between(date(born.exact.year - 1, 1, 1), date(born.exact.year + 1, 12, 31))
        days = [born.exact] + ([t] if (t := identity.transposed(born.exact)) else [])
        return _one_of("date_of_birth", _dates(days))
    if (bounds := born.bounds()) is not None:
        return _between(*bounds)
    return None


def _between(first: date, last: date) -> _Where:
    return _Where("date_of_birth BETWEEN %s AND %s", tuple(_dates([first, last])))


def _near_dates_q(dob: date) -> _Where:
    """One part of a date mistyped: the same month and year, the same day and month in a year up to
    ten either side, or the same day and year in another month (about 60 days, not 1,100)."""
    month_start = dob.replace(day=1)
    next_month = date(dob.year + (dob.month == 12), dob.month % 12 + 1, 1)
    days: set[date] = set()
    for year in range(dob.year - 10, dob.year + 11):
        with contextlib.suppress(ValueError):  # 29 February
            days.add(dob.replace(year=year))
    for month in range(1, 13):
        with contextlib.suppress(ValueError):
            days.add(dob.replace(month=month))
    in_month = _Where("date_of_birth >= %s AND date_of_birth < %s", tuple(_dates([month_start, next_month])))
    return _either(in_month, _one_of("date_of_birth", _dates(sorted(days))))


def _plan(wanted: Wanted, *, duplicate_check: bool) -> tuple[list[list[_Where]], bool]:
    """The statements to run, in stages: each stage's conditions are OR-ed into one statement.

    With an exact date: first the exact date and its swap (tiny), then, only if nothing strong came
    back (or for the duplicate check, always), the dates one slip away, the years either side when
    both names agree, and the date alone with any name. With a range, one stage. With no date, each
    query is its own stage, most telling first (`True`: run them one by one, each limited).
    """
    one_word = bool(wanted.surname) and not wanted.forenames and not duplicate_check
    typed_forename = wanted.surname if one_word else wanted.forenames  # a single word may be a first name
    surnames, forenames = name_variants(identity.surname_norm(wanted.surname), identity.forename_norm(typed_forename))
    born = wanted.born
    alias_ids: list[int] = []
    alias_arms = []
    if surnames:
        alias_arms.append(_one_of("surname_norm", sorted(surnames)))
    if forenames and (born.known or not surnames):
        alias_arms.append(_one_of("forename_norm", sorted(forenames)))
    if alias_arms:
        # Fetched first as a list: inside an OR, a subquery would stop PostgreSQL using the indexes.
        where = _either(*alias_arms)
        alias_ids = [
            pid
            for (pid,) in _rows(f"SELECT person_id FROM {_NAMES} WHERE {where.sql} LIMIT {PER_QUERY}", where.params)  # noqa: S608 -- names from the models
        ]
    name_q = _one_of("surname_norm", sorted(surnames)) if surnames else None
    forename_q = _one_of("forename_norm", sorted(forenames)) if forenames else None
    alias_q = _one_of("id", sorted(set(alias_ids))) if alias_ids else None
    if born.exact is not None:
        exact = _born_q(born, widen=False)
        widened = _born_q(born, widen=True)
        assert exact is not None and widened is not None  # an exact date gives both
        precise = [_all(q, exact) for q in (name_q, forename_q) if q is not None]
        wider = [exact]
        if name_q is not None:
            wider.append(_all(name_q, _near_dates_q(born.exact)))
            if forename_q is not None:  # both names agree and the date is further out
                wider.append(_all(name_q, forename_q, widened))
        if alias_q is not None:
            precise.append(_all(alias_q, exact))
            wider.append(_all(alias_q, widened))
        return [stage for stage in (precise, wider) if stage], False
    if born.known:
        ranged = _born_q(born, widen=False)
        stage = [q if ranged is None else _all(q, ranged) for q in (name_q, forename_q, alias_q) if q is not None]
        return [stage], False
    queries: list[_Where] = []
    if name_q is not None:
        if forename_q is not None and not one_word:
            queries.append(_all(name_q, forename_q))
        queries.append(name_q)
    if forename_q is not None and one_word:
        queries.append(forename_q)
    if alias_q is not None:
        queries.append(alias_q)
    return [[q] for q in queries], True


def _within(queryset: QuerySet[Person] | None) -> _Where | None:
    """The people a caller's queryset allows (people_visible_to), as a condition; None: everyone."""
    if queryset is None or not queryset.query.where:
        return None
    try:
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # .none(): nobody
        return _Where("1 = 0", ())
    return _Where(f"id IN ({sql})", tuple(params))


def _search(
    wanted: Wanted,
    within: _Where | None,
    *,
    three_way: bool,
    stages: int | None = None,
    exclude: Iterable[int] = (),
) -> list[tuple[Row, Match]]:
    planned, one_by_one = _plan(wanted, duplicate_check=three_way)
    found: dict[int, Row] = {}
    excluded = set(exclude)
    scored: list[tuple[Row, Match]] = []
    with _planned_for_the_values(wanted.born.exact is None):
        for stage in planned[:stages]:
            if not stage:
                continue
            rows = _candidates(stage, found.keys() | excluded, within)
            found.update(rows)
            scored += _scored(wanted, rows, three_way=three_way, places=False)
            if not one_by_one and not three_way and any(m.score >= STRONG for _, m in scored):
                break
    _add_places(wanted, scored)
    return scored


def _candidates(stage: list[_Where], not_these: set[int], within: _Where | None) -> dict[int, Row]:
    """The people any of the stage's conditions finds (a few hundred at most), leaving out these."""
    where = [_either(*stage)]
    if not_these:
        listed = _one_of("id", sorted(not_these))
        where.append(_Where(f"NOT ({listed.sql})", listed.params))
    if within is not None:
        where.append(within)
    condition = _all(*where)
    sql = (
        f"SELECT id, forenames, surname, date_of_birth FROM {_PEOPLE} "  # noqa: S608 -- names from the models
        f"WHERE {condition.sql} LIMIT {PER_QUERY * len(stage)}"
    )
    return {values[0]: Row(*values) for values in _rows(sql, condition.params)}


@contextmanager
def _planned_for_the_values(needed: bool) -> Iterator[None]:
    """Inside, PostgreSQL plans each statement for the values it is given: nothing is prepared (ADR 0066).

    A prepared statement is planned for its values the first five times, then, if that looks no dearer, once
    for any values (a generic plan). Without an exact date of birth, how many people the names cover decides
    the plan: the first name "Noah" with 242 surnames ending in "Smith" must start from the first name, and
    a generic plan started from the surnames (one search in 400 at ten million people, 0.5 to 1 s). With an
    exact date the (name, date) indexes serve any values, and preparing saves planning, as ADR 0063 found.
    """
    if not needed or connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    driver = connection.connection
    before = driver.prepare_threshold
    driver.prepare_threshold = None  # psycopg: prepare nothing
    try:
        yield
    finally:
        driver.prepare_threshold = before


def _address_q(text: str) -> Q:
    compact = re.sub(r"\s+", "", text).upper()
    if is_valid_postcode(text):
        return Q(location__postcode=normalise_postcode(text))
    if _OUTWARD.match(compact):
        return Q(location__postcode__startswith=compact + " ")
    return Q(location__normalised__contains=location_key(text))


def _by_place(wanted: Wanted, base: QuerySet[Person]) -> dict[int, Row]:
    if not (wanted.address or wanted.school):
        return {}
    bounds = wanted.born.bounds()  # no exact date here: find() searched by name and date
    q = Q(date_of_birth__range=bounds) if bounds is not None else Q()
    if wanted.address:
        q &= Q(pk__in=PersonAddress.objects.filter(_address_q(wanted.address)).values("person_id"))
    if wanted.school:
        q &= Q(pk__in=SchoolEnrolment.objects.filter(school__name__icontains=wanted.school).values("person_id"))
    return {values[0]: Row(*values) for values in base.filter(q).order_by().values_list(*ROW_FIELDS)[:PER_QUERY]}


# --- Scoring ---------------------------------------------------------------------------------------


def _scored(
    wanted: Wanted,
    rows: dict[int, Row],
    *,
    three_way: bool,
    places: bool = True,
    names: dict[int, list[OtherName]] | None = None,
) -> list[tuple[Row, Match]]:
    """Each candidate scored against what was wanted; `names`, the candidates' other names if already read."""
    others = names if names is not None else _other_names(list(rows)) if rows and wanted.has_name else {}
    scored = []
    for pid, row in rows.items():
        match = _best_match(wanted, row, others.get(pid, []), three_way=three_way)
        match.person_id = pid
        scored.append((row, match))
    if places:
        _add_places(wanted, scored)
    return scored


class OtherName(NamedTuple):
    """What the scorer needs of another name a candidate is known by (PersonName)."""

    person_id: int
    forenames: str
    surname: str


def _other_names(ids: list[int]) -> dict[int, list[OtherName]]:
    """These candidates' other names (aliases), by person: one statement, none for no candidates."""
    others: dict[int, list[OtherName]] = {}
    if ids:
        where = _one_of("person_id", ids)
        sql = f"SELECT person_id, forenames, surname FROM {_NAMES} WHERE {where.sql} ORDER BY id"  # noqa: S608 -- names from the models
        for row in _rows(sql, where.params):
            others.setdefault(row[0], []).append(OtherName(*row))
    return others


def _add_places(wanted: Wanted, scored: list[tuple[Row, Match]]) -> None:
    """An address or school that matches adds weight and a reason; searched alone, it is the match."""
    at_address, at_school = _places(wanted, [row.pk for row, _ in scored])
    alone = not (wanted.has_name or wanted.born.known)
    for row, match in scored:
        if row.pk in at_address:
            match.score = 1.0 if alone else min(1.0, round(match.score + PLACE_BONUS, 3))
            match.reasons.append(f"address matches {wanted.address}")
        if row.pk in at_school:
            match.score = 1.0 if alone else min(1.0, round(match.score + PLACE_BONUS, 3))
            match.reasons.append(f"at {at_school[row.pk]}")


def _best_match(wanted: Wanted, person: Row, others: list[OtherName], *, three_way: bool) -> Match:
    best = _best_match_for(wanted, person, others, three_way=three_way)
    for forenames, surname in wanted.other_splits:
        other = _best_match_for(
            replace(wanted, forenames=forenames, surname=surname), person, others, three_way=three_way
        )
        if other.score > best.score:
            best = other
    return best


def _best_match_for(wanted: Wanted, person: Row, others: list[OtherName], *, three_way: bool) -> Match:
    names = [(person.forenames, person.surname, "")] + [
        (n.forenames or person.forenames, n.surname or person.surname, f"{n.forenames} {n.surname}".strip())
        for n in others
    ]
    best: Match | None = None
    for candidate_forenames, candidate_surname, alias in names:
        if three_way:
            match = identity.score(
                wanted.forenames,
                wanted.surname,
                wanted.born.exact,
                candidate_forenames,
                candidate_surname,
                person.date_of_birth,
            )
        elif wanted.has_name and not wanted.forenames:
            match = _one_word(wanted, candidate_forenames, candidate_surname, person.date_of_birth)
        else:
            match = identity.compare(
                forenames=wanted.forenames,
                surname=wanted.surname,
                born=wanted.born,
                candidate_forenames=candidate_forenames,
                candidate_surname=candidate_surname,
                candidate_dob=person.date_of_birth,
            )
        if alias:
            match.score = round(match.score - 0.02, 3)  # the record's own name, if as good, ranks first
            match.reasons.insert(0, f"known as {alias}")
        if best is None or match.score > best.score:
            best = match
    assert best is not None
    return best


def _one_word(wanted: Wanted, candidate_forenames: str, candidate_surname: str, dob: date | None) -> Match:
    """One word typed: the better of it as a surname and as a first name."""
    as_surname = identity.compare(
        forenames="", surname=wanted.surname, born=wanted.born,
        candidate_forenames=candidate_forenames, candidate_surname=candidate_surname, candidate_dob=dob,
    )  # fmt: skip
    as_forename = identity.compare(
        forenames=wanted.surname, surname="", born=wanted.born,
        candidate_forenames=candidate_forenames, candidate_surname=candidate_surname, candidate_dob=dob,
    )  # fmt: skip
    return as_surname if as_surname.score >= as_forename.score else as_forename


def _places(wanted: Wanted, ids: list[int]) -> tuple[set[int], dict[int, str]]:
    at_address: set[int] = set()
    at_school: dict[int, str] = {}
    if ids and wanted.address:
        at_address = set(
            PersonAddress.objects.filter(_address_q(wanted.address), person_id__in=ids).values_list(
                "person_id", flat=True
            )
        )
    if ids and wanted.school:
        at_school = dict(
            SchoolEnrolment.objects.filter(school__name__icontains=wanted.school, person_id__in=ids).values_list(
                "person_id", "school__name"
            )
        )
    return at_address, at_school
