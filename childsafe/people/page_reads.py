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

from typing import Any

from django.db.models import Q

from childsafe.core.memo import one_scope, per_scope, prime

shared = per_scope  # the name the apps' contributions use
one_page = one_scope
__all__ = ["one_page", "prime", "shared"]


# The people app's own shared reads: what the page shows and what the "people" provider lists.


@shared
def cluster_people(person_ids: list[int]) -> list[Any]:
    """Every record of the cluster (the child's and its linked duplicates)."""
    from childsafe.people.models import Person

    return list(Person.objects.filter(pk__in=person_ids))


def first_person(person_ids: list[int]) -> Any:
    """The record of the first of the ids (the sections' "the child"), or None."""
    return next((p for p in cluster_people(person_ids) if person_ids and p.pk == person_ids[0]), None)


@shared
def addresses(person_ids: list[int]) -> list[Any]:
    from childsafe.people.models import PersonAddress

    return list(PersonAddress.objects.filter(person_id__in=person_ids).select_related("location", "person"))


@shared
def enrolments(person_ids: list[int]) -> list[Any]:
    from childsafe.people.models import SchoolEnrolment

    return list(SchoolEnrolment.objects.filter(person_id__in=person_ids).select_related("school"))


@shared
def relationships(person_ids: list[int]) -> list[Any]:
    """Every relationship from or to any of the records, current and ended, with both people: one query."""
    from childsafe.people.models import Relationship

    return list(
        Relationship.objects.filter(Q(from_person_id__in=person_ids) | Q(to_person_id__in=person_ids))
        .select_related("from_person", "to_person")
        .order_by("id")
    )


@shared
def identity_links(person_ids: list[int]) -> list[Any]:
    """Every identity link with either end on any of the records, current and undone, with both people."""
    from childsafe.people.models import IdentityLink

    return list(
        IdentityLink.objects.filter(Q(person_a_id__in=person_ids) | Q(person_b_id__in=person_ids))
        .select_related("person_a", "person_b")
        .order_by("id")
    )
