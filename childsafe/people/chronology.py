"""The child's chronology (PL-1): one registry that every app adds its entries to.

An app registers a provider: a function that takes the ids of a child's records (the child and any
linked duplicates) and returns entries, in a fixed, small number of queries whatever the count,
so the child's page costs the same for 5 items or 500.

A provider may also take `limit` (keyword): it then needs to return only its latest `limit` entries
(it may return more; never fewer of the latest). Each of its queries orders by the latest time an
entry of the row carries and stops at `limit` rows, so a child known to services for years costs the
page the same few dozen rows as a child with a short record (ADR 0036).

A provider may also return `Reads` instead of entries: plain SQL, one `Sql` per kind of row, and a
function that builds the entries from their rows. The registry runs every provider's reads as ONE
statement (UNION ALL of the parts, each row a JSON array), so the chronology costs one statement and no
ORM compilation however many kinds of row it has (ADR 0059). Need to know stays with the provider: one
that the user may not see returns nothing, as before.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from childsafe.core import clock
from childsafe.core.models import User


@dataclass(frozen=True, slots=True)
class Entry:
    at: datetime
    kind: str  # short machine word: person, marker, address, school, relationship, identity, alert...
    title: str
    detail: str = ""
    url: str = ""
    source: str = ""  # which app or partner it came from
    person_id: int | None = None  # which of the linked records it is on


# How each database writes the two things the reads' SQL needs that differ between them.
_DIALECT = {
    "sqlite": {"row": "json_array", "greatest": "MAX"},
    "postgresql": {"row": "json_build_array", "greatest": "GREATEST"},
}


@dataclass(frozen=True, slots=True)
class Sql:
    """One kind of row a provider reads: the columns its entries need (in the order its builder unpacks
    them) and the rest of the SELECT, from FROM on; both with `{ids}` for the child's record ids, `{limit}`
    where "the latest `limit` rows" goes (after the ORDER BY that says which are the latest) and
    `{greatest}` for the largest of its arguments."""

    columns: tuple[str, ...]
    body: str


def read(sql: Sql, person_ids: Sequence[int], limit: int | None = None) -> str:
    """`sql` for these records as one part of the chronology's statement: the latest rows are chosen first
    and only they are made into JSON rows. The ids and the limit are integers written into the SQL (no
    user's text ever is)."""
    dialect = _DIALECT[connection.vendor]
    ids = "(" + ", ".join(str(int(pk)) for pk in person_ids) + ")"
    values = {"ids": ids, "limit": "" if limit is None else f"LIMIT {int(limit)}", "greatest": dialect["greatest"]}
    body = sql.body.format(**values)
    columns = ", ".join(f"{column.format(**values)} AS c{n}" for n, column in enumerate(sql.columns))
    names = ", ".join(f"c{n}" for n in range(len(sql.columns)))
    return f"SELECT {dialect['row']}({names}) AS r FROM (SELECT {columns} {body}) AS latest"  # noqa: S608 - our SQL, integer ids


# A time as a JSON row carries it (SQLite: UTC without an offset; PostgreSQL: ISO 8601 with one).
when = clock.from_db


Rows = list[list[Any]]


@dataclass(frozen=True)
class Reads:
    """A provider's SQL (`read(...)` parts) and how its entries are built from their rows (one list of
    rows a part, in the order of `parts`)."""

    parts: list[str]
    build: Callable[[list[Rows]], Iterable[Entry]]


Provider = Callable[..., Iterable[Entry] | Reads]
_providers: dict[str, Provider] = {}
_takes_limit: set[str] = set()

# What the chronology can be filtered to: a provider's name and its label. A provider not listed here
# still shows in the unfiltered chronology.
FILTERS: dict[str, str] = {
    "incidents": "Incidents",
    "missing": "Missing episodes",
    "referrals": "Referrals (PPNs, Encompass, strategy meetings)",
    "investigations": "Investigations",
    "protection": "Police protection",
    "exploitation": "Exploitation",
    "offenders": "Offender management",
    "people": "The record (markers, addresses, school, relationships)",
}


def provider(name: str) -> Callable[[Provider], Provider]:
    def wrap(fn: Provider) -> Provider:
        if name in _providers and _providers[name] is not fn:
            raise ValueError(f"A chronology provider called {name!r} is already registered.")
        _providers[name] = fn
        if "limit" in inspect.signature(fn).parameters:
            _takes_limit.add(name)
        return fn

    return wrap


def chronology(
    person_ids: list[int], user: User | None = None, *, limit: int | None = None, kind: str | None = None
) -> list[Entry]:
    """The child's entries, latest first: all of them, or the latest `limit`; of every provider, or of
    the one named `kind` (a key of FILTERS; an unknown kind gives nothing)."""
    if not person_ids:
        return []
    found: list[Iterable[Entry] | Reads] = []
    for name in sorted(_providers):
        if kind is not None and name != kind:
            continue
        if limit is not None and name in _takes_limit:
            found.append(_providers[name](person_ids, user, limit=limit))
        else:
            found.append(_providers[name](person_ids, user))
    rows = _run([part for reads in found if isinstance(reads, Reads) for part in reads.parts])
    entries: list[Entry] = []
    for reads in found:
        if isinstance(reads, Reads):
            mine, rows = rows[: len(reads.parts)], rows[len(reads.parts) :]
            entries.extend(reads.build(mine))
        else:
            entries.extend(reads)
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit] if limit is not None else entries


def _run(parts: list[str]) -> list[Rows]:
    """Every part's rows, from one statement: each part is a subquery (its own ORDER BY and LIMIT), tagged
    with its number."""
    if not parts:
        return []
    sql = " UNION ALL ".join(
        f"SELECT {n} AS part, p{n}.r FROM ({part}) AS p{n}"  # noqa: S608 - the providers' SQL, integer ids
        for n, part in enumerate(parts)
    )
    found: list[list[Any]] = [[] for _ in parts]
    with connection.cursor() as cursor:
        cursor.execute(sql)
        for n, row in cursor.fetchall():
            found[n].append(row)
    # SQLite hands each row back as JSON text (decoded here a part at a time); psycopg decodes PostgreSQL's.
    return [json.loads(f"[{','.join(rows)}]") if rows and isinstance(rows[0], str) else rows for rows in found]
