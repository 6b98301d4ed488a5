"""Reads of a child's records that the child's page and its providers share, made once per page (ADR 0053).

The page itself, the chronology's providers and the work apps' sections used to read the same rows each
for themselves: the child's record, its addresses, schools, relationships and identity links, an app's
current assessments or offender record. A function marked `@shared` (`core.memo.per_scope`) takes the ids of the
child's records and returns a list: inside `one_page()` (`core.memo.one_scope`) it runs once and its result
is handed to every caller; outside, it simply runs. A caller must not change what it is handed. The
intelligence check (`people.intelligence.picture`) is one scope too.

`person_page` opens `one_page()` around everything it builds and primes `cluster_people` with the records
it already holds, so nobody reads them again.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from django.db import connection, models

from childsafe.core import clock, compiled
from childsafe.core.memo import one_scope, per_scope, prime

M = TypeVar("M", bound=models.Model)

shared = per_scope  # the name the apps' contributions use
one_page = one_scope
__all__ = ["one_page", "prime", "shared"]


# The people app's own shared reads: what the page shows and what the "people" provider lists.


@shared
def cluster_people(person_ids: list[int]) -> list[Any]:
    """Every record of the cluster (the child's and its linked duplicates)."""
    from childsafe.people.models import Person

    return compiled.where_one_of(Person, "t0.id", person_ids, order="t0.surname, t0.forenames")


def first_person(person_ids: list[int]) -> Any:
    """The record of the first of the ids (the sections' "the child"), or None."""
    return next((p for p in cluster_people(person_ids) if person_ids and p.pk == person_ids[0]), None)


@shared
def addresses(person_ids: list[int]) -> list[Any]:
    from childsafe.people.models import PersonAddress

    return compiled.where_one_of(
        PersonAddress, "t0.person_id", person_ids, related=("location", "person"), order="t0.valid_from DESC"
    )


@shared
def enrolments(person_ids: list[int]) -> list[Any]:
    from childsafe.people.models import SchoolEnrolment

    return compiled.where_one_of(SchoolEnrolment, "t0.person_id", person_ids, related=("school",), order="t0.id")


@shared
def markers(person_ids: list[int]) -> list[Any]:
    """The markers in force today on any of the records, with their person: `selectors.active_markers`, as the
    page and the intelligence check read it on every request (a statement built once, ADR 0067)."""
    from childsafe.people.models import WarningMarker

    in_force, params = markers_in_force("t0", clock.today_london())
    return compiled.where_one_of(
        WarningMarker,
        "t0.person_id",
        person_ids,
        also=in_force,
        params=params,
        related=("person",),
        order="t0.type, t0.start_date",
    )


def markers_in_force(alias: str, day: date) -> tuple[str, list[Any]]:
    """`selectors.active_markers`' condition in plain SQL over the markers aliased `alias`: in force on `day`."""
    on = connection.ops.adapt_datefield_value(day)
    return f"{alias}.start_date <= %s AND ({alias}.end_date IS NULL OR {alias}.end_date > %s)", [on, on]


@shared
def open_alerts(person_ids: list[int]) -> list[Any]:
    """The open alerts about any of the records (`Alert.about_q`: the first-named child or any other), soonest
    due first."""
    from childsafe.core.models import Alert, AlertPerson

    own, own_params = compiled.one_of("t0.person_id", person_ids)
    named, named_params = compiled.one_of("n.person_id", person_ids)
    others = f"SELECT n.alert_id FROM {AlertPerson._meta.db_table} n WHERE {named}"  # noqa: S608 -- a model's table
    condition = f"t0.cleared_at IS NULL AND ({own} OR t0.id IN ({others}))"
    return compiled.where(Alert, condition, [*own_params, *named_params], order="t0.due_by")


@shared
def relationships(person_ids: list[int]) -> list[Any]:
    """Every relationship from or to any of the records, current and ended, with both people: one query."""
    from childsafe.people.models import Relationship

    return _either_end(Relationship, person_ids, "from_person", "to_person")


@shared
def identity_links(person_ids: list[int]) -> list[Any]:
    """Every identity link with either end on any of the records, current and undone, with both people."""
    from childsafe.people.models import IdentityLink

    return _either_end(IdentityLink, person_ids, "person_a", "person_b")


def _either_end(model: type[M], person_ids: list[int], one: str, other: str) -> list[M]:
    """The records with either of two people on any of these ids, both people with them, in the order made:
    a statement built once (core.compiled, ADR 0064), as the child's page and every check read it."""

    def column(name: str) -> str:
        field = model._meta.get_field(name)
        assert isinstance(field, models.ForeignKey)
        return f"t0.{field.column}"

    one_sql, one_params = compiled.one_of(column(one), person_ids)
    other_sql, other_params = compiled.one_of(column(other), person_ids)
    return compiled.where(
        model, f"({one_sql}) OR ({other_sql})", [*one_params, *other_params], related=(one, other), order="t0.id"
    )
