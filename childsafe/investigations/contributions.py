"""What investigations add to the child's chronology (PL-1), the intelligence check (CR-4) and the child's
and suspect's page: open investigations and current bail, in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Q

from childsafe.core import compiled
from childsafe.core.models import User
from childsafe.investigations.models import Bail, InvestigationPerson, InvestigationStatus
from childsafe.people import page_reads
from childsafe.people.access import involvement_check
from childsafe.people.chronology import Entry, Reads, Rows, Sql, read, when
from childsafe.people.chronology import provider as chronology_provider
from childsafe.people.intelligence import Section
from childsafe.people.intelligence import provider as intelligence_provider
from childsafe.people.sections import PageSection
from childsafe.people.sections import provider as section_provider


@involvement_check
def on_the_investigation(user, person) -> bool:
    """The officer in the case or the supervisor of an open investigation naming the person works with them."""
    return (
        InvestigationPerson.objects.filter(person=person)
        .exclude(investigation__status=InvestigationStatus.CLOSED)
        .filter(Q(investigation__officer=user) | Q(investigation__supervisor=user))
        .exists()
    )


@page_reads.shared
def _bails(person_ids: list[int]) -> list[Bail]:
    """Every bail of these people as suspects, current and ended, read once for the page (ADR 0053)."""
    return compiled.where_one_of(
        Bail, "t0.suspect_id", person_ids, related=("investigation",), order="t0.ends_at, t0.id"
    )


@page_reads.shared
def _roles(person_ids: list[int]) -> list[InvestigationPerson]:
    """Every investigation naming these people, with its officer, newest first, read once for the page."""
    return compiled.where_one_of(
        InvestigationPerson,
        "t0.person_id",
        person_ids,
        related=("investigation__officer",),
        order="t1.opened_at DESC",  # t1: the investigation
    )


# A suspect's access to children, on the suspect's record or on the child's whose access it records (the
# first of the child's records named, as the record lists them): one part of the chronology's statement
# (ADR 0059).
_ACCESSES = Sql(
    (
        "a.at",
        "a.source",
        "a.detail",
        "a.investigation_id",
        "a.suspect_id",
        "s.forenames",
        "s.surname",
        """(SELECT ch.person_id FROM investigations_suspectaccess_children ch
           JOIN people_person cp ON cp.id = ch.person_id
         WHERE ch.suspectaccess_id = a.id AND ch.person_id IN {ids}
         ORDER BY cp.surname, cp.forenames, cp.id LIMIT 1)""",
    ),
    """
    FROM investigations_suspectaccess a JOIN people_person s ON s.id = a.suspect_id
    WHERE a.suspect_id IN {ids}
       OR a.id IN (SELECT ch.suspectaccess_id FROM investigations_suspectaccess_children ch
                   WHERE ch.person_id IN {ids})
    ORDER BY a.at DESC, a.id DESC {limit}""",
)


@chronology_provider("investigations")
def investigations_chronology(person_ids: list[int], user: User | None, limit: int | None = None) -> Reads:
    return Reads([read(_ACCESSES, person_ids, limit)], lambda rows: _entries(person_ids, limit, rows[0]))


def _entries(person_ids: list[int], limit: int | None, accesses: Rows) -> Iterator[Entry]:
    # Every role of the person, which the page's section reads too (ADR 0053), latest first.
    roles = sorted(
        _roles(person_ids),
        key=lambda ip: (ip.investigation.closed_at or ip.investigation.opened_at, ip.pk),
        reverse=True,
    )
    for ip in roles[:limit] if limit is not None else roles:
        inv = ip.investigation
        url = f"/investigations/{inv.pk}/"
        yield Entry(
            inv.opened_at,
            "investigation",
            f"{inv.get_type_display()} investigation {inv.reference} ({ip.get_role_display().lower()})",
            detail=inv.summary,
            url=url,
            source="investigations",
            person_id=ip.person_id,
        )
        if inv.closed_at:
            yield Entry(
                inv.closed_at,
                "investigation",
                f"Investigation {inv.reference} closed: {inv.get_outcome_display()}",
                detail=inv.closure_rationale,
                url=url,
                source="investigations",
                person_id=ip.person_id,
            )
    wanted = set(person_ids)
    for at, source, detail, investigation_id, suspect_id, forenames, surname, child_id in accesses:
        yield Entry(
            when(at),
            "investigation",
            f"{f'{forenames} {surname}'.strip()} has access to children ({source})",
            detail=detail,
            url=f"/investigations/{investigation_id}/",
            source="investigations",
            person_id=suspect_id if suspect_id in wanted else child_id,
        )
    bails = sorted(_bails(person_ids), key=lambda b: (b.set_at, b.pk), reverse=True)
    for bail in bails[:limit] if limit is not None else bails:
        yield Entry(
            bail.set_at,
            "bail",
            f"Bailed until {bail.ends_at:%d %b %Y} ({bail.investigation.reference})",
            detail=bail.conditions,
            url=f"/investigations/{bail.investigation_id}/",
            source="investigations",
            person_id=bail.suspect_id,
        )


def _open_roles(cluster: list[int]):
    return (
        InvestigationPerson.objects.filter(person_id__in=cluster)
        .exclude(investigation__status=InvestigationStatus.CLOSED)
        .select_related("investigation__officer")
        .order_by("-investigation__opened_at")
    )


# ADR 0065: a row when the person is in an investigation not closed, or a suspect on bail not ended.
_PROBE = """
    SELECT 1 FROM investigations_investigationperson ip
        JOIN investigations_investigation i ON i.id = ip.investigation_id
        WHERE ip.person_id IN ({ids}) AND i.status <> '{closed}'
    UNION ALL SELECT 1 FROM investigations_bail b WHERE b.suspect_id IN ({ids}) AND b.ended_at IS NULL
""".replace("{closed}", InvestigationStatus.CLOSED.value)


@intelligence_provider("investigations", probe=_PROBE)
def investigations_section(cluster: list[int]) -> Section | None:
    roles = list(_open_roles(cluster))
    bails = list(Bail.objects.filter(suspect_id__in=cluster, ended_at__isnull=True).select_related("investigation"))
    if not roles and not bails:
        return None
    items = [
        f"{ip.get_role_display()} on {ip.investigation.get_type_display().lower()} investigation "
        f"{ip.investigation.reference}"
        + (
            f" (officer in the case: {ip.investigation.officer.get_full_name() or ip.investigation.officer.username})"
            if ip.investigation.officer
            else " (not yet allocated)"
        )
        for ip in roles
    ]
    items += [f"On bail until {b.ends_at:%d %b %Y} ({b.investigation.reference}): {b.conditions}" for b in bails]
    suspect = any(ip.role == "suspect" for ip in roles) or bool(bails)
    return Section(
        "investigations",
        "Open investigations and bail",
        items,
        priority=15,
        warning="A suspect in an open child-abuse investigation." if suspect else "",
        data={"investigations": [ip.investigation_id for ip in roles], "bail": [b.pk for b in bails]},
    )


@section_provider("investigations")
def investigations_page_section(person_ids: list[int], user: User | None) -> PageSection | None:
    if user is not None and user.is_partner:
        return None
    roles = list(_roles(person_ids))
    bails = [b for b in _bails(person_ids) if b.ended_at is None]
    if not roles and not bails:
        return None
    return PageSection(
        "investigations",
        "Investigations",
        "investigations/_person_section.html",
        data={"roles": roles, "bails": bails},
        order=30,
    )
