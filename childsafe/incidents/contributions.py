"""What the control room adds to the child's chronology (PL-1)."""

from __future__ import annotations

from collections.abc import Iterator

from childsafe.incidents.models import IncidentType, PersonRole
from childsafe.people.chronology import Entry, Reads, Rows, Sql, provider, read, when

_TYPES = dict(IncidentType.choices)
_ROLES = dict(PersonRole.choices)

# Plain rows in the chronology's one statement (ADR 0036, 0059): a child known for years has thousands.
_INCIDENTS = Sql(
    (
        "ip.person_id",
        "ip.role",
        "i.id",
        "i.created_at",
        "i.closed_at",
        "i.type",
        "i.reference",
        "i.grade",
        "i.summary",
        "i.outcome",
    ),
    """
    FROM incidents_incidentperson ip JOIN incidents_incident i ON i.id = ip.incident_id
    WHERE ip.person_id IN {ids}
    ORDER BY COALESCE(i.closed_at, i.created_at) DESC, ip.incident_id DESC {limit}""",
)
# A THRIVE comes once per record of the child's in its incident.
_THRIVES = Sql(
    ("t.id", "t.at", "t.risk", "t.incident_id", "ip.person_id"),
    """
    FROM incidents_thriveassessment t JOIN incidents_incidentperson ip ON ip.incident_id = t.incident_id
    WHERE ip.person_id IN {ids}
    ORDER BY t.at DESC, t.id DESC {limit}""",
)


@provider("incidents")
def incidents_chronology(person_ids: list[int], user, limit: int | None = None) -> Reads:
    # Enough THRIVE rows for `limit` distinct ones, each coming once per record of the child's.
    thrives = limit * len(person_ids) if limit is not None else None
    return Reads([read(_INCIDENTS, person_ids, limit), read(_THRIVES, person_ids, thrives)], _entries)


def _entries(rows: list[Rows]) -> Iterator[Entry]:
    incidents, thrives = rows
    for person_id, role, pk, created_at, closed_at, type_, reference, grade, summary, outcome in incidents:
        url = f"/incidents/{pk}/"
        yield Entry(
            when(created_at),
            "incident",
            f"{_TYPES.get(type_, type_)} incident {reference} ({str(_ROLES.get(role, role)).lower()}), grade {grade}",
            summary,
            url,
            "incidents",
            person_id,
        )
        if closed_at:
            yield Entry(
                when(closed_at), "incident", f"Incident {reference} closed", outcome, url, "incidents", person_id
            )
    # A THRIVE shows once, on one of the child's records in its incident.
    seen: set[int] = set()
    for pk, at, risk, incident_id, on in thrives:
        if pk in seen:
            continue
        seen.add(pk)
        yield Entry(
            when(at), "thrive", "THRIVE assessment", f"Risk: {risk}", f"/incidents/{incident_id}/", "incidents", on
        )
