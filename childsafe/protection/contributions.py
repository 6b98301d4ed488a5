"""What police protection adds to the child's page, the chronology and the intelligence check (PP-1: one record,
seen wherever the child is), and to need to know (the officers of a protection work its children)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, Q

from childsafe.core import access, clock
from childsafe.core.models import User
from childsafe.core.roles import Capability
from childsafe.people import page_reads
from childsafe.people.access import involvement_check
from childsafe.people.chronology import Entry
from childsafe.people.chronology import provider as chronology_provider
from childsafe.people.intelligence import Section
from childsafe.people.intelligence import provider as intelligence_provider
from childsafe.people.sections import PageSection
from childsafe.people.sections import provider as section_provider
from childsafe.protection import rules, selectors
from childsafe.protection.models import EventKind, PoliceProtection, ProtectionEvent
from childsafe.protection.templatetags.protection import officer as rank_and_name


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


@intelligence_provider("police_protection")
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


@chronology_provider("protection")
def protection_chronology(person_ids: list[int], user, limit: int | None = None) -> Iterable[Entry]:
    # One query: a protection's events, once for each of the child's records in it.
    rows = (
        ProtectionEvent.objects.filter(protection__children__person_id__in=person_ids)
        .select_related("protection", "officer")
        .annotate(child_id=F("protection__children__person_id"))
        .order_by("-at", "-id")
    )
    for e in rows[:limit] if limit is not None else rows:
        title = _TITLES.get(e.kind, e.get_kind_display())
        if e.officer is not None:
            title += f": {rank_and_name(e.officer)}"
        yield Entry(
            e.at,
            "police_protection",
            f"{title} ({e.protection.reference})",
            detail=e.text,
            url=f"/protection/{e.protection_id}/",
            source="protection",
            person_id=e.child_id,
        )
