"""What offender management adds to the person's page, the intelligence check (CR-4) and the chronology."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Exists, OuterRef, prefetch_related_objects

from childsafe.core import access, clock, compiled
from childsafe.core.roles import Capability
from childsafe.offenders import rules
from childsafe.offenders.models import ContactChild, Offender, RiskAssessment
from childsafe.people import page_reads
from childsafe.people.access import involvement_check
from childsafe.people.chronology import Entry, Reads, Rows, Sql, read, when
from childsafe.people.chronology import provider as chronology_provider
from childsafe.people.intelligence import Section
from childsafe.people.intelligence import provider as intelligence_provider
from childsafe.people.models import PersonAddress
from childsafe.people.sections import PageSection
from childsafe.people.sections import provider as section_provider


@involvement_check
def offender_manager(user, person) -> bool:
    return Offender.objects.filter(person=person, manager=user).exists()


def _latest_level(offender_ids: list[int]) -> dict[int, str]:
    levels: dict[int, str] = {}
    for offender_id, level in (
        RiskAssessment.objects.filter(offender_id__in=offender_ids)
        .order_by("assessed_at")
        .values_list("offender_id", "level")
    ):
        levels[offender_id] = level
    return levels


def _current_locations(person_ids: list[int]):
    """The places the people live now, as a subquery (not a statement of its own)."""
    today = clock.today_london()
    return PersonAddress.objects.filter(person_id__in=person_ids).exclude(valid_to__lt=today).values("location_id")


def _label(level: str) -> str:
    return {"very_high": "very high", "high": "high", "medium": "medium", "low": "low"}.get(level, "not yet assessed")


# ADR 0065: a row when the person is an offender, had contact with one, or shares any address with one
# (ever: the section then asks whether both live there now).
_PROBE = """
    SELECT 1 FROM offenders_offender o WHERE o.person_id IN ({ids})
    UNION ALL SELECT 1 FROM offenders_contactchild c WHERE c.person_id IN ({ids})
    UNION ALL SELECT 1 FROM people_personaddress a
        JOIN people_personaddress h ON h.location_id = a.location_id
        JOIN offenders_offender o ON o.person_id = h.person_id
        WHERE a.person_id IN ({ids})
"""


@intelligence_provider("registered_sex_offender", probe=_PROBE)
def offender_section(cluster: list[int]) -> Section | None:
    """The person is a registered sex offender; or a registered sex offender lives at their address.

    The intelligence check is run by the control room, investigators and safeguarding roles, the roles
    that need to know who a child lives with (report: 'linked perpetrator or RSO with access')."""
    # No default order (the person's name): asked to order by it, SQLite walks the name index over every
    # resident to avoid sorting a handful of rows. They are put in order here.
    own = list(Offender.objects.filter(person_id__in=cluster).select_related("manager").order_by("pk"))
    # Who else lives at the child's places now: their address THERE is current (an offender who once lived
    # elsewhere still lives here). Asked of each registered offender (a few thousand in a force, each one
    # index probe), so the database never joins every resident's addresses to find them.
    lives_there = PersonAddress.objects.filter(
        person_id=OuterRef("person_id"), location_id__in=_current_locations(cluster)
    ).exclude(valid_to__lt=clock.today_london())
    housemates = sorted(
        Offender.objects.filter(Exists(lives_there)).exclude(person_id__in=cluster).select_related("person").order_by(),
        key=lambda o: (o.person.surname, o.person.forenames, o.pk),
    )
    # CR-4: "linked perpetrator or RSO with access": a child named in an offender's contact with children.
    contacts = list(
        ContactChild.objects.filter(person_id__in=cluster)
        .select_related("contact__offender__person")
        .order_by("-contact__at")[:10]
    )
    if not own and not housemates and not contacts:
        return None
    levels = _latest_level([o.pk for o in own + housemates])
    items: list[str] = []
    for o in own:
        manager = f"; offender manager {o.manager.display_name}" if o.manager else ""
        items.append(f"Registered sex offender: risk {_label(levels.get(o.pk, ''))}{manager}.")
    for o in housemates:
        items.append(
            f"A registered sex offender lives here: {o.person.full_name}, risk {_label(levels.get(o.pk, ''))}."
        )
    for c in contacts:
        items.append(
            f"Had contact with registered sex offender {c.contact.offender.person.full_name} "
            f"on {c.contact.at.astimezone(clock.LONDON):%d %B %Y}."
        )
    if housemates:
        warning = "A registered sex offender lives at this address: consider the children's safety and tell the OMU."
    elif own:
        warning = "This person is a registered sex offender."
    else:
        warning = "This child has had contact with a registered sex offender."
    return Section(
        "registered_sex_offender",
        "Registered sex offender",
        items,
        priority=5,
        warning=warning,
        data={
            "offender": [o.pk for o in own],
            "lives_here": [o.pk for o in housemates],
            "contacts": [c.contact_id for c in contacts],
        },
    )


@page_reads.shared
def _offenders(person_ids: list[int]) -> list[Offender]:
    """The offender records of these people (one a person), read once for the page and its section (ADR 0053)."""
    return compiled.where_one_of(
        Offender,
        "t0.person_id",
        person_ids,
        related=("manager", "area", "person"),
        order="t3.surname, t3.forenames",  # the model's order: t3 is the person
    )


@section_provider("offender")
def offender_page_section(person_ids: list[int], user) -> PageSection | None:
    if user is None or not access.can(user, Capability.OFFENDER_VIEW):
        return None
    offender = next(iter(_offenders(person_ids)), None)
    if offender is None:
        if not access.can(user, Capability.OFFENDER_MANAGE):
            return None
        # RSO-2: the OMU records a court result from the person's page, the person found by name.
        return PageSection(
            "offender",
            "Offender management",
            "offenders/_register_link.html",
            data={"person_id": person_ids[0]},
            order=90,
        )
    now = clock.now()
    state = rules.offender_states([offender.pk])[offender.pk]
    due = sorted(state.notification_deadlines()) if state.active(now) else []
    visit = rules.visits_due([offender.pk]).get(offender.pk) if state.active(now) else None
    return PageSection(
        "offender",
        "Registered sex offender",
        "offenders/_person_section.html",
        data={
            "offender": offender,
            "level": _label(_latest_level([offender.pk]).get(offender.pk, "")),
            "notification": due[0] if due else None,
            "visit_due": visit[0] if visit else None,
            "in_custody": state.in_custody,
            "now": now,
        },
        order=5,
    )


@chronology_provider("offenders")
def offender_chronology(person_ids: list[int], user, limit: int | None = None) -> Reads | list[Entry]:
    if user is not None and not access.can(user, Capability.OFFENDER_VIEW):
        return []
    # An offender's own record is one per person, read whole; a child's contacts come latest first.
    return Reads(
        [read(_CONTACTS, person_ids, limit)],
        lambda rows: [*_own_record_entries(person_ids), *_contact_entries(rows[0])],
    )


def _own_record_entries(person_ids: list[int]) -> Iterator[Entry]:
    offenders = _offenders(person_ids)
    if offenders:
        prefetch_related_objects(
            offenders, "convictions", "notifications", "assessments", "visits", "breaches", "child_contacts"
        )
    for offender in offenders:
        url = f"/offenders/{offender.pk}/"
        pid = offender.person_id
        for c in offender.convictions.all():
            title = "Convicted: " + c.offence + (" (notifiable)" if c.notifiable else "")
            yield Entry(c.court_result_at, "offender", title, url=url, source="offenders", person_id=pid)
            if c.released_at:
                yield Entry(
                    c.released_at, "offender", "Released from custody", url=url, source="offenders", person_id=pid
                )
        for n in offender.notifications.all():
            valid = "" if n.valid else " (not valid: not made at a designated station)"
            yield Entry(n.at, "offender", f"{n.get_kind_display()}{valid}", url=url, source="offenders", person_id=pid)
        for a in offender.assessments.all():
            yield Entry(
                a.assessed_at,
                "offender",
                f"Risk assessed {a.get_level_display().lower()}",
                detail=a.plan,
                url=url,
                source="offenders",
                person_id=pid,
            )
        for v in offender.visits.all():
            yield Entry(
                v.at, "offender", v.get_kind_display(), detail=v.notes, url=url, source="offenders", person_id=pid
            )
        for b in offender.breaches.all():
            yield Entry(
                b.found_at,
                "offender",
                f"Breach: {b.get_kind_display().lower()}",
                detail=b.detail,
                url=url,
                source="offenders",
                person_id=pid,
            )
        for contact in offender.child_contacts.all():
            yield Entry(
                contact.at,
                "offender",
                "Contact with children",
                detail=contact.detail,
                url=url,
                source="offenders",
                person_id=pid,
            )


# The child's side: an offender's contact with them, on the child's own chronology, latest first (plain rows
# in the chronology's one statement, ADR 0059).
_CONTACTS = Sql(
    (
        "cc.person_id",
        "cc.welfare_checked_at",
        "cc.welfare_note",
        "c.at",
        "c.detail",
        "c.offender_id",
        "p.forenames",
        "p.surname",
    ),
    """
    FROM offenders_contactchild cc JOIN offenders_childcontact c ON c.id = cc.contact_id
         JOIN offenders_offender o ON o.id = c.offender_id JOIN people_person p ON p.id = o.person_id
    WHERE cc.person_id IN {ids}
    ORDER BY COALESCE(cc.welfare_checked_at, c.at) DESC, cc.id DESC {limit}""",
)


def _contact_entries(rows: Rows) -> Iterator[Entry]:
    for person_id, welfare_checked_at, welfare_note, at, detail, offender_id, forenames, surname in rows:
        url = f"/offenders/{offender_id}/#contacts"
        yield Entry(
            when(at),
            "offender",
            f"Contact with registered sex offender {f'{forenames} {surname}'.strip()}",
            detail=detail,
            url=url,
            source="offenders",
            person_id=person_id,
        )
        if welfare_checked_at:
            yield Entry(
                when(welfare_checked_at),
                "offender",
                "Welfare check after contact with a registered sex offender",
                detail=welfare_note,
                url=url,
                source="offenders",
                person_id=person_id,
            )
