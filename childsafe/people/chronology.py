"""The child's chronology (PL-1): one registry that every app adds its entries to.

An app registers a provider: a function that takes the ids of a child's records (the child and any
linked duplicates) and returns entries, in a fixed, small number of queries whatever the count,
so the child's page costs the same for 5 items or 500.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from childsafe.core.models import User


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # short machine word: person, marker, address, school, relationship, identity, alert...
    title: str
    detail: str = ""
    url: str = ""
    source: str = ""  # which app or partner it came from
    person_id: int | None = None  # which of the linked records it is on


Provider = Callable[[list[int], User | None], Iterable[Entry]]
_providers: dict[str, Provider] = {}


def provider(name: str) -> Callable[[Provider], Provider]:
    def wrap(fn: Provider) -> Provider:
        if name in _providers and _providers[name] is not fn:
            raise ValueError(f"A chronology provider called {name!r} is already registered.")
        _providers[name] = fn
        return fn

    return wrap


def chronology(person_ids: list[int], user: User | None = None, *, limit: int | None = None) -> list[Entry]:
    entries: list[Entry] = []
    for name in sorted(_providers):
        entries.extend(_providers[name](person_ids, user))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit] if limit else entries
