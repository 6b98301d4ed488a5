"""Sections the work apps add to the child's page (PL-1), next to the chronology.

As for the chronology, an app registers a provider: a function that takes the ids of the child's records
(the child and any linked duplicates) and the user looking, and returns a section (or None) in a fixed,
small number of queries whatever the count, so people never imports the apps that build on it and the
page costs the same for 5 items or 500. Each section names the template that draws it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from childsafe.core.models import User


@dataclass(frozen=True)
class PageSection:
    key: str
    title: str
    template: str  # included with `section` in its context, alongside the page's own `person` and `page`
    data: dict[str, Any] = field(default_factory=dict)
    order: int = 50  # lower first


Provider = Callable[[list[int], User | None], PageSection | None]
_providers: dict[str, Provider] = {}


def provider(name: str) -> Callable[[Provider], Provider]:
    def wrap(fn: Provider) -> Provider:
        if name in _providers and _providers[name] is not fn:
            raise ValueError(f"A child's page section called {name!r} is already registered.")
        _providers[name] = fn
        return fn

    return wrap


def sections(person_ids: list[int], user: User | None = None) -> list[PageSection]:
    found = [s for s in (_providers[name](person_ids, user) for name in sorted(_providers)) if s is not None]
    return sorted(found, key=lambda s: (s.order, s.key))
