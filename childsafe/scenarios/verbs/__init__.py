"""The replay's verbs: `<record>.<action>`, each calling one service, exactly as the pages and API do.

A capability adds its verbs in a module here and lists it in VERB_MODULES. Setup extensions (fields of
`setup.people` that belong to a later app, such as `missing_history`) register the same way.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from childsafe.scenarios.replay import Context, StepResult


@dataclass(frozen=True)
class Verb:
    name: str
    fields: frozenset[str]
    required: frozenset[str]
    run: Callable[[Context, dict[str, Any]], StepResult]
    description: str = ""


@dataclass(frozen=True)
class PersonSetupField:
    name: str
    apply: Callable[[Context, Any, Any, int], None]  # (ctx, person, value, line)


@dataclass
class Registry:
    verbs: dict[str, Verb] = field(default_factory=dict)
    person_fields: dict[str, PersonSetupField] = field(default_factory=dict)


REGISTRY = Registry()

VERB_MODULES = [
    "childsafe.scenarios.verbs.people",
    "childsafe.scenarios.verbs.incidents",
    "childsafe.scenarios.verbs.missing",
    "childsafe.scenarios.verbs.referrals",
    "childsafe.scenarios.verbs.protection",
    "childsafe.scenarios.verbs.investigations",
    "childsafe.scenarios.verbs.offenders",
    "childsafe.scenarios.verbs.exploitation",
    "childsafe.scenarios.verbs.files",
    "childsafe.scenarios.verbs.oversight",
]


def verb(name: str, *, fields: set[str], required: set[str] = frozenset(), description: str = ""):
    def wrap(fn):
        REGISTRY.verbs[name] = Verb(name, frozenset(fields), frozenset(required), fn, description)
        return fn

    return wrap


def person_setup_field(name: str):
    def wrap(fn):
        REGISTRY.person_fields[name] = PersonSetupField(name, fn)
        return fn

    return wrap


def load_all() -> Registry:
    for module in VERB_MODULES:
        importlib.import_module(module)
    return REGISTRY
