"""What police protection adds to the child's page, the chronology and the intelligence check (PP-1: one record,
seen wherever the child is), and to need to know (the officers of a protection work its children)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Q

from childsafe.core import access, clock
from childsafe.core.models import User
from childsafe.core.roles import Capability
from childsafe.people import page_reads
from childsafe.people.access import involvement_check
from childsafe.people.chronology import Entry, Reads, Rows, Sql, read, when
from childsafe.people.chronology import provider as chronology_provider
from childsafe.people.intelligence import Section
from childsafe.people.intelligence import provider as intelligence_provider
from childsafe.people.sections import PageSection
from childsafe.people.sections import provider as section_provider
from childsafe.protection import rules, selectors
from childsafe.protection.models import EventKind, PoliceProtection
from childsafe.protection.templatetags.protection import officer as rank_and_name
from childsafe.protection.templatetags.protection import officer_from


@involvement_check
def protection_officer(user, person) -> bool:
    """The officer who took a child into police protection, or its designated officer, works that child."""
    return (
        PoliceProtection.objects.filter(children__person=person)
        .filter(Q(initiated_by=user) | Q(designated_officer=user))
        .exists()
    )


@section_provider("police_protection")
def protection_section(person_ids: list[int], user: User | None) -> PageSection | None:
    if user is not None and user.is_partner:
        return None  # the local authority reads its notices in the portal
    protections = list(selectors.protections_for(person_ids))
    can_start = access.can(user, Capability.PROTECTION_START)
    if not protections:
        if not can_start:
            return None
        child = page_reads.first_person(person_ids)
        if child is None or not child.is_child_on(clock.today_london()):
            return None
    current = [p for p in protections if p.is_open]
    return PageSection(
        "police_protection",
        "In police protection now" if current else "Police protection",
        "protection/_section.html",
        data={
            "current": current,
            "past": [p for p in protections if not p.is_open],
            "can_start": can_start and not current,
        },
        # Before everything else on the page: a child in police protection now is the first thing to know.
        order=0 if current else 45,
    )


# ADR 0065: a row when the child has ever been in police protection (the section shows past ones too).
_PROBE = "SELECT 1 FROM protection_protectedchild c WHERE c.person_id IN ({ids})"


@intelligence_provider("police_protection", probe=_PROBE)
def protection_intelligence(cluster: list[int]) -> Section | None:
    protections = list(selectors.protections_for(cluster))
    if not protections:
        return None
    current = [p for p in protections if p.is_open]
    items = []
    for p in protections:
        state = (
            "in police protection now"
            if p.is_open
            else f"ended {clock_text(p.ended_at)} ({p.get_end_outcome_display().lower()})"
        )
        officer = rank_and_name(p.designated_officer) if p.designated_officer else "no designated officer yet"
        items.append(
            f"{p.reference}: removed {clock_text(p.removed_at)} to {p.place_name} "
            f"({p.get_place_kind_display().lower()}); {state}; designated officer: {officer}."
        )
    warning = ""
    if current:
        p = current[0]
        warning = (
            f"IN POLICE PROTECTION NOW since {clock_text(p.removed_at)}, at {p.place_name}. "
            f"The legal maximum ends {clock_text(p.removed_at + rules.LEGAL_MAXIMUM)}."
        )
    return Section(
        "police_protection",
        "In police protection now" if current else "Police protection",
        items,
        # First of all when current: the child is in the police's care now.
        priority=-10 if current else 25,
        warning=warning,
        data={"current": [p.pk for p in current], "protections": [p.pk for p in protections]},
    )


def clock_text(when) -> str:
    return when.astimezone(clock.LONDON).strftime("%H:%M %-d %b %Y") if when else ""


_TITLES = {
    EventKind.STARTED: "Taken into police protection",
    EventKind.DESIGNATED: "Designated officer named",
    EventKind.HANDOVER: "Police protection handed over",
    EventKind.OFFENCES: "Offences against the child: answered",
    EventKind.ACKNOWLEDGED: "Local authority acknowledged the police protection notice",
    EventKind.ENDED: "Police protection ended",
}


# One part of the chronology's statement (ADR 0059): a protection's events, once for each of the child's
# records in it, with the officer named.
_EVENTS = Sql(
    (
        "e.at",
        "e.kind",
        "e.text",
        "e.protection_id",
        "p.reference",
        "c.person_id",
        "e.officer_id",
        "u.rank",
        "u.first_name",
        "u.last_name",
        "u.username",
    ),
    """
    FROM protection_protectionevent e JOIN protection_policeprotection p ON p.id = e.protection_id
         JOIN protection_protectedchild c ON c.protection_id = e.protection_id
         LEFT JOIN core_user u ON u.id = e.officer_id
    WHERE c.person_id IN {ids}
    ORDER BY e.at DESC, e.id DESC {limit}""",
)
_KINDS = dict(EventKind.choices)


@chronology_provider("protection")
def protection_chronology(person_ids: list[int], user, limit: int | None = None) -> Reads:
    return Reads([read(_EVENTS, person_ids, limit)], lambda rows: _entries(rows[0]))


def _entries(rows: Rows) -> Iterator[Entry]:
    for at, kind, text, protection_id, reference, child_id, officer_id, rank, first_name, last_name, username in rows:
        title = _TITLES.get(kind, _KINDS.get(kind, kind))
        if officer_id is not None:
            title += f": {officer_from(rank, first_name, last_name, username)}"
        yield Entry(
            when(at),
            "police_protection",
            f"{title} ({reference})",
            detail=text,
            url=f"/protection/{protection_id}/",
            source="protection",
            person_id=child_id,
        )
