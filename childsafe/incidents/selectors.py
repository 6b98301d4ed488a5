"""Reads of incidents for the control-room pages: lists, one incident with what was shown, lookups.

Need to know is applied here, not in views: opening an incident opens the record of every child on
it, so each child goes through `people.access.person_for_user` and each view is logged (DPA 2018 s62).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from childsafe.core import access, audit, clock
from childsafe.core.models import Team, User
from childsafe.core.roles import Capability
from childsafe.incidents.models import Incident, IncidentPerson, PersonRole
from childsafe.people.access import person_for_user
from childsafe.people.intelligence import picture
from childsafe.people.models import IntelligenceCheck, Person
from childsafe.people.vocabulary import MarkerType

LIST_LIMIT = 100


def _children() -> Prefetch:
    return Prefetch(
        "people",
        queryset=IncidentPerson.objects.filter(role=PersonRole.CHILD).select_related("person").order_by("id"),
        to_attr="children",
    )


def open_incidents(user: User) -> QuerySet[Incident]:
    """Open incidents, newest first, with the children on each (a name in a list is not the record)."""
    access.require(user, Capability.INCIDENT_RECORD)
    return (
        Incident.objects.filter(closed_at__isnull=True)
        .select_related("allocated_team", "allocated_user")
        .prefetch_related(_children())
        .order_by("-created_at", "-id")
    )


def incident_for_user(user: User, pk: int, *, reasons: dict[str, str], channel: str = "web") -> Incident:
    """One incident, with every child on it opened through need to know (each view logged)."""
    access.require(user, Capability.INCIDENT_RECORD)
    incident = (
        Incident.objects.select_related("allocated_team", "allocated_user", "created_by", "closed_by")
        .prefetch_related(_children())
        .filter(pk=pk)
        .first()
    )
    if incident is None:
        raise Http404("No incident with that reference.")
    # Each child on it is opened through need to know (JustificationRequired where a reason is needed).
    for child in incident.children:
        person_for_user(
            user,
            child.person_id,
            justification=reasons.get(str(child.person_id), ""),
            channel=channel,
            event_type="incident.view",
            purpose=f"control room: incident {incident.reference}",
        )
    return incident


def incident_get(pk: int | None) -> Incident | None:
    """An open incident by its number, for linking a missing report to it (MP-7)."""
    if not pk:
        return None
    return Incident.objects.filter(pk=pk, closed_at__isnull=True).first()


@dataclass
class ShownSection:
    key: str
    title: str
    items: list[str]
    warning: str
    priority: int


@dataclass
class ShownCheck:
    """What the intelligence check showed (CR-4), read back from the stored JSON, in priority order."""

    person_id: int
    person_name: str
    at: Any
    by: User | None
    markers: list[str]
    high_harm: list[str]
    high_harm_labels: list[str]
    sections: list[ShownSection] = field(default_factory=list)
    linked_records: list[int] = field(default_factory=list)


def _label(marker_type: str) -> str:
    try:
        return str(MarkerType(marker_type).label)
    except ValueError:
        return marker_type


def shown_checks(context_type: str, context_id: int | str) -> list[ShownCheck]:
    """Every stored intelligence check for a record: trigger plan first, then markers (priority order)."""
    rows = (
        IntelligenceCheck.objects.filter(context_type=context_type, context_id=str(context_id))
        .select_related("by")
        .order_by("at", "id")
    )
    return [_shown_check(row.shown or {}, row.at, row.by, row.person_id) for row in rows]


def _shown_check(shown: dict[str, Any], at: Any, by: User | None, person_id: int) -> ShownCheck:
    sections = sorted(
        (
            ShownSection(
                key=str(s.get("key", "")),
                title=str(s.get("title", "")),
                items=[str(i) for i in s.get("items", [])],
                warning=str(s.get("warning", "")),
                priority=int(s.get("priority", 50)),
            )
            for s in shown.get("sections", [])
        ),
        key=lambda s: (s.priority, s.key),
    )
    cluster = [int(pid) for pid in shown.get("cluster", [])]
    return ShownCheck(
        person_id=int(shown.get("person_id", person_id)),
        person_name=str(shown.get("person_name", "")),
        at=at,
        by=by,
        markers=list(shown.get("markers", [])),
        high_harm=list(shown.get("high_harm", [])),
        high_harm_labels=[_label(m) for m in shown.get("high_harm", [])],
        sections=sections,
        linked_records=[pid for pid in cluster if pid != person_id],
    )


def check_before_grading(user: User, people: list[Person]) -> list[ShownCheck]:
    """CR-4: the intelligence check on each child named, shown to the handler before they choose the grade.
    Each child's record is consulted, so each view is logged with its purpose; what is stored with the
    incident is the check run when it is recorded."""
    checks = []
    for person in people:
        audit.access(
            actor=user,
            event_type="incident.intelligence_check",
            subject=person,
            person_id=person.pk,
            justification="control room: intelligence check before grading a new incident",
        )
        checks.append(_shown_check(picture(person).as_json(), clock.now(), user, person.pk))
    return checks


def user_by_username(username: str) -> User | None:
    username = (username or "").strip()
    if not username:
        return None
    return User.objects.filter(username__iexact=username, is_active=True).select_related("team").first()


def teams() -> QuerySet[Team]:
    return Team.objects.order_by("name")


def open_alerts(incident: Incident) -> list[Any]:
    """The open alerts on the incident (CR-3...), soonest due first, for its summary."""
    from childsafe.core.models import Alert

    rows = Alert.objects.open().filter(subject_type="incidents.incident", subject_id=str(incident.pk))
    return list(rows.order_by("due_by", "raised_at"))


def children_markers(incident: Incident) -> list[tuple[Person, list[tuple[str, bool]]]]:
    """Each child on the incident with the labels of the markers in force on their records (PL-2)."""
    from childsafe.people.selectors import active_markers, identity_cluster
    from childsafe.people.vocabulary import HIGH_HARM_MARKERS

    shown = []
    for child in incident.children:
        types = sorted({m.type for m in active_markers(identity_cluster(child.person_id))})
        types.sort(key=lambda t: t not in HIGH_HARM_MARKERS)
        shown.append((child.person, [(_label(t), t in HIGH_HARM_MARKERS) for t in types]))
    return shown
