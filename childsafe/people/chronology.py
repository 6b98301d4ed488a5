"""The child's chronology (PL-1): one registry that every app adds its entries to.

An app registers a provider: a function that takes the ids of a child's records (the child and any
linked duplicates) and returns entries, in a fixed, small number of queries whatever the count,
so the child's page costs the same for 5 items or 500.

A provider may also take `limit` (keyword): it then needs to return only its latest `limit` entries
(it may return more; never fewer of the latest). Each of its queries orders by the latest time an
entry of the row carries and stops at `limit` rows, so a child known to services for years costs the
page the same few dozen rows as a child with a short record (ADR 0036).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

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


Provider = Callable[..., Iterable[Entry]]
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
    entries: list[Entry] = []
    for name in sorted(_providers):
        if kind is not None and name != kind:
            continue
        if limit is not None and name in _takes_limit:
            entries.extend(_providers[name](person_ids, user, limit=limit))
        else:
            entries.extend(_providers[name](person_ids, user))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit] if limit is not None else entries
