"""The intelligence check (CR-4): everything held on a child, put in front of the handler before grading.

Each app registers a section provider, as for the chronology: a function that takes the ids of the
child's records (the child and every linked duplicate, PL-2) and returns a section, in a fixed number
of queries. Sections are shown in priority order: a priority-missing child's trigger plan comes first
(MP-5). What was shown is stored with the record that asked (IntelligenceCheck), so a review can see
exactly what the handler saw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from django.db import connection, transaction
from django.db.models import Q

from childsafe.core import clock
from childsafe.core.models import User
from childsafe.people import page_reads
from childsafe.people.models import IntelligenceCheck, NotSamePerson, Person
from childsafe.people.selectors import identity_cluster, marker_types
from childsafe.people.vocabulary import HIGH_HARM_MARKERS, INVERSE_LABEL, RelationshipType, marker_labels


@dataclass
class Section:
    key: str  # markers, trigger_plan, missing_history, relationships, ...
    title: str
    items: list[str] = field(default_factory=list)
    priority: int = 50  # lower first
    warning: str = ""  # a one-line call to action shown above the items
    data: dict[str, Any] = field(default_factory=dict)


Provider = Callable[[list[int]], Section | None]
K = TypeVar("K")
_providers: dict[str, Provider] = {}
_probes: dict[str, str] = {}


def provider(name: str, *, probe: str = "") -> Callable[[Provider], Provider]:
    """Register a section provider. `probe` (ADR 0065): plain SQL over the provider's own tables, with `{ids}`
    where the child's record ids go, that finds a row whenever the provider would return a section. It may
    find rows when the provider then returns nothing, never the other way round. The picture asks every probe
    in one statement and skips the providers whose probe found nothing: most children have no offender at
    home, no open investigation and no police protection, and those providers' ORM reads were a third of
    the check."""

    def wrap(fn: Provider) -> Provider:
        _providers[name] = fn
        if probe:
            _probes[name] = probe
        return fn

    return wrap


def _nothing_for(cluster: list[int]) -> set[str]:
    """The providers whose probe finds no row for these records: one statement for every probe."""
    if not _probes:
        return set()
    names = list(_probes)
    marks = ", ".join(["%s"] * len(cluster))
    parts, params = [], []
    for n, name in enumerate(names):
        sql = _probes[name]
        parts.append(f"SELECT {n} WHERE EXISTS ({sql.replace('{ids}', marks)})")
        params += cluster * sql.count("{ids}")
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        found = {row[0] for row in cursor.fetchall()}
    return {name for n, name in enumerate(names) if n not in found}


@dataclass
class Picture:
    person_id: int
    person_name: str
    cluster: list[int]
    markers: list[str]
    high_harm: list[str]
    sections: list[Section]
    # Markers held on records that may be this child but are not linked yet (shown, unconfirmed).
    duplicate_markers: list[str] = field(default_factory=list)

    @property
    def shown_markers(self) -> list[str]:
        """Every marker the check showed, anywhere in it (the replay's `shown`)."""
        return sorted({*self.markers, *self.duplicate_markers})

    def as_json(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "person_name": self.person_name,
            "cluster": self.cluster,
            "markers": self.markers,
            "high_harm": self.high_harm,
            "duplicate_markers": self.duplicate_markers,
            "sections": [asdict(s) for s in self.sections],
        }


def picture(person: Person, *, probes: bool = True) -> Picture:
    """Everything held on the child, section by section. `probes=False` runs every provider, whatever its
    probe says (the tests' reference for the probes)."""
    # One scope: reads several sections make (the child's record, the policy settings) are made once (ADR 0053).
    with page_reads.one_page():
        cluster = identity_cluster(person.pk)
        if cluster == [person.pk]:
            page_reads.prime(page_reads.cluster_people, cluster, value=[person])
        skip = _nothing_for(cluster) if probes else set()
        sections = [s for s in (fn(cluster) for k, fn in _providers.items() if k not in skip) if s is not None]
    sections.sort(key=lambda s: (s.priority, s.key))
    markers_section = next((s for s in sections if s.key == "markers"), None)
    markers = list(markers_section.data.get("types", [])) if markers_section else []
    duplicates = next((s for s in sections if s.key == "possible_duplicates"), None)
    return Picture(
        person.pk,
        person.full_name,
        cluster,
        markers,
        sorted(m for m in markers if m in HIGH_HARM_MARKERS),
        sections,
        list(duplicates.data.get("types", [])) if duplicates else [],
    )


def intelligence_check(
    *, person: Person, actor: User | None, context_type: str, context_id: int | str, shown: Picture | None = None
) -> Picture:
    """Build the picture (unless one was just built for the same call) and store what was shown with the
    record that asked for it (CR-4)."""
    shown = shown or picture(person)
    with transaction.atomic():
        IntelligenceCheck.objects.create(
            person=person,
            context_type=context_type,
            context_id=str(context_id),
            at=clock.now(),
            by=actor,
            shown=shown.as_json(),
        )
    return shown


@provider("markers")
def _markers(cluster: list[int]) -> Section:
    markers = page_reads.markers(cluster)
    items = []
    for m in markers:
        where = "" if m.person_id == cluster[0] and len(cluster) == 1 else f" (record {m.person_id})"
        items.append(f"{m.get_type_display()}{where}: {m.source}")
    high = sorted({m.type for m in markers if m.type in HIGH_HARM_MARKERS})
    return Section(
        "markers",
        "Warning markers",
        items,
        priority=10,
        warning=f"High-harm markers: {', '.join(marker_labels(high))}. Grade on these, not on age." if high else "",
        data={"types": sorted({m.type for m in markers})},
    )


@provider("relationships")
def _relationships(cluster: list[int]) -> Section | None:

    flagged = {"sexual_offender", "violence", "firearms", "knives", "county_lines", "domestic_abuse"}
    items = []
    # Each link read from this child's side: "Suspected exploiter of" from the exploiter's record is
    # "Suspected of being exploited by" from the child's, as on the child's page.
    links: dict[int, tuple[str, Person, str]] = {}
    # Both ends in one read (shared with the child's page, ADR 0053); the current ones count here.
    ids = set(cluster)
    current = [r for r in page_reads.relationships(cluster) if r.valid_to is None]
    for r in current:
        if r.to_person_id in ids:
            links[r.from_person_id] = (INVERSE_LABEL[RelationshipType(r.type)], r.from_person, r.type)
    for r in current:
        if r.from_person_id in ids:
            links[r.to_person_id] = (r.get_type_display(), r.to_person, r.type)
    for pid in cluster:
        links.pop(pid, None)
    if not links:
        return None
    other_markers = marker_types(links)
    for pid, (label, other, rel_type) in links.items():
        concern = sorted(other_markers.get(pid, set()) & flagged)
        if concern or rel_type == RelationshipType.SUSPECTED_EXPLOITER:
            items.append(f"{label}: {other.full_name} (markers: {', '.join(marker_labels(concern)) or 'none'})")
    if not items:
        return None
    return Section(
        "relationships",
        "Links to flagged people",
        items,
        priority=30,
        warning="This child is linked to people who may pose a risk.",
    )


def unresolved_duplicates(cluster: list[int]) -> tuple[list[tuple[Person, Any]], dict[int, set[str]]]:
    """Records that may be this child (not linked, not ruled out), and each one's active marker types.

    The intelligence check shows them and MP-3 asks the grading to deal with their markers: link the
    record, rule it out with a reason, or address the marker as for the child's own.
    """
    from childsafe.people.search import possible_duplicates

    person = page_reads.first_person(cluster)
    if person is None:
        return [], {}
    found = possible_duplicates(
        forenames=person.forenames,
        surname=person.surname,
        date_of_birth=person.date_of_birth,
        exclude=cluster,
        limit=5,
        thorough=False,
    )
    if found:
        ids = [p.pk for p, _ in found]
        ruled_out = set()
        for a, b in NotSamePerson.objects.filter(
            Q(person_a_id__in=cluster, person_b_id__in=ids) | Q(person_b_id__in=cluster, person_a_id__in=ids)
        ).values_list("person_a_id", "person_b_id"):
            ruled_out.add(b if a in cluster else a)
        found = [(p, m) for p, m in found if p.pk not in ruled_out]
    return found, marker_types([p.pk for p, _ in found])


def unresolved_duplicates_many(clusters: dict[K, list[int]]) -> dict[K, tuple[list[int], dict[int, set[str]]]]:
    """`unresolved_duplicates` for many clusters at once (MP-3 over every open episode), in a fixed number
    of statements: for each, the ids of the records that may be this child (not linked, not ruled out) and
    each one's active marker types. Each cluster's first record is the one whose duplicates are looked for,
    its own records are not candidates, and the five best are kept before the ruled-out ones are dropped,
    as `unresolved_duplicates` does."""
    from childsafe.people.search import Record, quick_duplicates_many

    wanted = {key: cluster for key, cluster in clusters.items() if cluster}
    firsts = Person.objects.in_bulk({cluster[0] for cluster in wanted.values()})
    records = {
        key: Record(p.forenames, p.surname, p.date_of_birth, tuple(cluster))
        for key, cluster in wanted.items()
        if (p := firsts.get(cluster[0])) is not None
    }
    found = {key: [pid for pid, _ in matches] for key, matches in quick_duplicates_many(records, limit=5).items()}
    everyone = sorted({pid for ids in found.values() for pid in ids})
    in_clusters = sorted({pid for key in found for pid in wanted[key]})
    pairs: list[tuple[int, int]] = []
    if everyone:
        pairs = list(
            NotSamePerson.objects.filter(
                Q(person_a_id__in=in_clusters, person_b_id__in=everyone)
                | Q(person_b_id__in=in_clusters, person_a_id__in=everyone)
            ).values_list("person_a_id", "person_b_id")
        )
    markers = marker_types(everyone)
    out: dict[K, tuple[list[int], dict[int, set[str]]]] = {key: ([], {}) for key in clusters}
    for key, ids in found.items():
        cluster, candidates = set(wanted[key]), set(ids)
        ruled_out = {
            b if a in cluster else a
            for a, b in pairs
            if (a in cluster and b in candidates) or (b in cluster and a in candidates)
        }
        kept = [pid for pid in ids if pid not in ruled_out]
        out[key] = (kept, {pid: markers[pid] for pid in kept if pid in markers})
    return out


@provider("possible_duplicates")
def _possible_duplicates(cluster: list[int]) -> Section | None:
    """Records not (yet) linked that the matcher says may be this child, with their markers (PL-2).

    A marker on an unlinked duplicate is a marker the handler would otherwise never see: it is shown
    here, marked as unconfirmed, with a warning if it is high-harm, until someone links or rejects it.
    """
    found, marker_types = unresolved_duplicates(cluster)
    if not found:
        return None
    items = []
    for other, match in found:
        types = sorted(marker_types.get(other.pk, set()))
        born = other.date_of_birth.strftime("%-d %b %Y") if other.date_of_birth else "date of birth not known"
        held = f"; markers: {', '.join(marker_labels(types))}" if types else ""
        items.append(f"{other.full_name}, born {born} (record {other.pk}): {', '.join(match.reasons)}{held}")
    high = sorted({t for types in marker_types.values() for t in types} & set(HIGH_HARM_MARKERS))
    warning = (
        f"A record that may be this child carries high-harm markers: {', '.join(marker_labels(high))}. "
        "Check it now and grade on it if it is the same child; link it so it counts from now on."
        if high
        else "These records may be the same child. Check them and link any that are."
    )
    return Section(
        "possible_duplicates",
        "Records that may be this child (not linked)",
        items,
        priority=15,
        warning=warning,
        data={
            "records": [p.pk for p, _ in found],
            "high_harm": high,
            "types": sorted({t for types in marker_types.values() for t in types}),
        },
    )
