"""What the control room adds to the child's chronology (PL-1)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F
from django.db.models.functions import Coalesce

from childsafe.incidents.models import IncidentPerson, IncidentType, PersonRole, ThriveAssessment
from childsafe.people.chronology import Entry, provider

_TYPES = dict(IncidentType.choices)
_ROLES = dict(PersonRole.choices)


@provider("incidents")
def incidents_chronology(person_ids: list[int], user, limit: int | None = None) -> Iterable[Entry]:
    # Plain rows, not model objects: a child known for years has thousands of these (ADR 0036).
    roles = (
        IncidentPerson.objects.filter(person_id__in=person_ids)
        .annotate(latest=Coalesce("incident__closed_at", "incident__created_at"))
        .order_by("-latest", "-incident_id")
        .values_list(
            "person_id",
            "role",
            "incident_id",
            "incident__created_at",
            "incident__closed_at",
            "incident__type",
            "incident__reference",
            "incident__grade",
            "incident__summary",
            "incident__outcome",
        )
    )
    for person_id, role, pk, created_at, closed_at, type_, reference, grade, summary, outcome in (
        roles[:limit] if limit is not None else roles
    ):
        url = f"/incidents/{pk}/"
        yield Entry(
            created_at,
            "incident",
            f"{_TYPES.get(type_, type_)} incident {reference} ({str(_ROLES.get(role, role)).lower()}), grade {grade}",
            summary,
            url,
            "incidents",
            person_id,
        )
        if closed_at:
            yield Entry(closed_at, "incident", f"Incident {reference} closed", outcome, url, "incidents", person_id)
    # A THRIVE shows once, on one of the child's records in its incident.
    thrives = (
        ThriveAssessment.objects.filter(incident__people__person_id__in=person_ids)
        .annotate(on=F("incident__people__person_id"))
        .order_by("-at", "-id")
        .values_list("id", "at", "risk", "incident_id", "on")
    )
    seen: set[int] = set()
    # One THRIVE comes once per record of the child's in its incident: enough rows for `limit` distinct.
    for pk, at, risk, incident_id, on in thrives[: limit * len(person_ids)] if limit is not None else thrives:
        if pk in seen:
            continue
        seen.add(pk)
        yield Entry(at, "thrive", "THRIVE assessment", f"Risk: {risk}", f"/incidents/{incident_id}/", "incidents", on)
