"""Platform rules held by people: one picture of the child, duplicates, need to know, the s62 log."""

from __future__ import annotations

from collections.abc import Iterator

from childsafe.core import engine
from childsafe.people import page_reads
from childsafe.people.chronology import Entry, Reads, Rows, Sql, provider, read, when
from childsafe.people.models import MarkerType
from childsafe.people.vocabulary import INVERSE_LABEL, RelationshipType

_SOURCE = (
    "Report, 'Summary of findings': information about children spread across systems and not "
    "clearly signposted to control room staff; 'Initial contact': markers not seen at the decision."
)

engine.register(
    "PL-1", kind="view", title="Single view of the child: one chronology across all records", source=_SOURCE
)
engine.register(
    "PL-2", kind="prompt", title="Possible duplicates offered at entry; markers on any duplicate count", source=_SOURCE
)
engine.register(
    "PL-3",
    kind="guard",
    title="Need to know: role, area, involvement; partners see their own only",
    source="Data Protection Act 2018 Part 3; report, 'Information sharing with partners'.",
)
engine.register(
    "PL-4",
    kind="view",
    title="Logging of collection, alteration, consultation, disclosure, combination and erasure",
    source="Data Protection Act 2018 s62.",
)


# Markers, added and ended over years, are the long list here: plain rows in the chronology's one statement
# (ADR 0059). The rest are a handful, and the page's own reads too (ADR 0053).
_MARKERS = Sql(
    ("m.created_at", "m.type", "m.source", "m.notes", "m.person_id"),
    """
    FROM people_warningmarker m
    WHERE m.person_id IN {ids}
    ORDER BY m.created_at DESC, m.id DESC {limit}""",
)
_MARKER_TYPES = dict(MarkerType.choices)


@provider("people")
def people_chronology(person_ids: list[int], user, limit: int | None = None) -> Reads:
    return Reads([read(_MARKERS, person_ids, limit)], lambda rows: _entries(person_ids, rows[0]))


def _entries(person_ids: list[int], markers: Rows) -> Iterator[Entry]:
    for p in page_reads.cluster_people(person_ids):
        yield Entry(p.created_at, "person", f"Record created: {p.full_name}", source="people", person_id=p.pk)
    for created_at, type_, source, notes, person_id in markers:
        yield Entry(
            when(created_at),
            "marker",
            f"Warning marker added: {_MARKER_TYPES.get(type_, type_)}",
            detail=f"Source: {source}. {notes}".strip(),
            source="people",
            person_id=person_id,
        )
    for a in page_reads.addresses(person_ids):
        at = a.person.created_at if a.valid_from is None else _midday(a.valid_from)
        yield Entry(at, "address", f"Address: {a.location}", source="people", person_id=a.person_id)
    for e in page_reads.enrolments(person_ids):
        yield Entry(
            _midday(e.valid_from), "school", f"Enrolled at {e.school.name}", source="people", person_id=e.person_id
        )
    ids = set(person_ids)
    relationships = page_reads.relationships(person_ids)
    for r in relationships:
        if r.from_person_id in ids:
            yield Entry(
                r.created_at,
                "relationship",
                f"{RelationshipType(r.type).label} {r.to_person.full_name}",
                source="people",
                person_id=r.from_person_id,
            )
    # The same link read from the other end ("Suspected of being exploited by ..." on the child's record).
    for r in relationships:
        if r.to_person_id in ids:
            yield Entry(
                r.created_at,
                "relationship",
                f"{INVERSE_LABEL[RelationshipType(r.type)]} {r.from_person.full_name}",
                source="people",
                person_id=r.to_person_id,
            )
    for link in page_reads.identity_links(person_ids):
        if link.person_a_id not in ids:
            continue
        yield Entry(
            link.linked_at,
            "identity",
            "Records linked as the same person",
            detail=link.rationale,
            source="people",
            person_id=link.person_a_id,
        )
        if link.unlinked_at:
            yield Entry(
                link.unlinked_at,
                "identity",
                "Records unlinked",
                detail=link.unlink_rationale,
                source="people",
                person_id=link.person_a_id,
            )


def _midday(day):
    from datetime import datetime, time

    from childsafe.core.clock import LONDON

    return datetime.combine(day, time(12), tzinfo=LONDON)
