"""What the control room adds to the child's chronology (PL-1)."""

from __future__ import annotations

from collections.abc import Iterable

from childsafe.incidents.models import IncidentPerson, ThriveAssessment
from childsafe.people.chronology import Entry, provider


@provider("incidents")
def incidents_chronology(person_ids: list[int], user) -> Iterable[Entry]:
    roles = IncidentPerson.objects.filter(person_id__in=person_ids).select_related("incident")
    incident_people: dict[int, int] = {}
    for ip in roles:
        incident = ip.incident
        incident_people[incident.pk] = ip.person_id
        yield Entry(
            incident.created_at,
            "incident",
            f"{incident.get_type_display()} incident {incident.reference} "
            f"({ip.get_role_display().lower()}), grade {incident.grade}",
            detail=incident.summary,
            url=f"/incidents/{incident.pk}/",
            source="incidents",
            person_id=ip.person_id,
        )
        if incident.closed_at:
            yield Entry(
                incident.closed_at,
                "incident",
                f"Incident {incident.reference} closed",
                detail=incident.outcome,
                url=f"/incidents/{incident.pk}/",
                source="incidents",
                person_id=ip.person_id,
            )
    for thrive in ThriveAssessment.objects.filter(incident_id__in=list(incident_people)):
        yield Entry(
            thrive.at,
            "thrive",
            "THRIVE assessment",
            detail=f"Risk: {thrive.risk}",
            url=f"/incidents/{thrive.incident_id}/",
            source="incidents",
            person_id=incident_people[thrive.incident_id],
        )
