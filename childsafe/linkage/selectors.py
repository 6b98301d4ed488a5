"""Reads for the duplicate review queue: the open suggestions, and two records side by side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from childsafe.core import clock
from childsafe.core.models import User
from childsafe.linkage.models import LinkSuggestion, SuggestionStatus
from childsafe.people import selectors as people_selectors
from childsafe.people.access import people_visible_to, person_for_user
from childsafe.people.models import Person, PersonAddress, SchoolEnrolment

PAGE_SIZE = 25


def review_queue(user: User) -> QuerySet[LinkSuggestion]:
    """Open suggestions whose two records this user may see, the most probable first."""
    visible = people_visible_to(user).values("pk")
    return (
        LinkSuggestion.objects.filter(status=SuggestionStatus.OPEN, person_a__in=visible, person_b__in=visible)
        .select_related("person_a", "person_b")
        .order_by("-match_probability", "pk")
    )


def review_page(user: User, page_number: Any) -> Page:
    return Paginator(review_queue(user), PAGE_SIZE).get_page(page_number)


@dataclass
class RecordSummary:
    person: Person
    other_names: list[str]
    addresses: list[str]
    school: str
    markers: int
    linked_records: int


def _summary(person: Person) -> RecordSummary:
    today = clock.today_london()
    addresses = [
        str(a.location)
        for a in PersonAddress.objects.filter(person=person).select_related("location").order_by("-valid_from")[:3]
    ]
    enrolment = (
        SchoolEnrolment.objects.filter(person=person, valid_to__isnull=True)
        .select_related("school")
        .order_by("-valid_from")
        .first()
    )
    return RecordSummary(
        person=person,
        other_names=[str(n) for n in person.other_names.all()],
        addresses=addresses,
        school=enrolment.school.name if enrolment else "",
        markers=people_selectors.active_markers([person.pk], today).count(),
        linked_records=len(people_selectors.identity_cluster(person.pk)) - 1,
    )


def side_by_side(user: User, suggestion: LinkSuggestion, reasons: dict[str, str]) -> tuple[RecordSummary, ...]:
    """Both records of a suggestion, each opened through need to know and logged (PL-3, DPA 2018 s62).

    Raises Http404 for a record the user may not see, JustificationRequired where a reason is needed.
    """
    summaries = []
    for pid in (suggestion.person_a_id, suggestion.person_b_id):
        person, _ = person_for_user(user, pid, justification=reasons.get(str(pid), ""), event_type="linkage.review")
        summaries.append(_summary(person))
    return tuple(summaries)
