"""Every write to people, organisations, places, markers, relationships and identity links.

Each function: checks the actor's capability, validates (InvalidInput names the field and says how to
put it right), writes in one transaction with its audit event, and returns any prompts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from childsafe.core import access, audit, clock
from childsafe.core.errors import AccessDenied, InvalidInput, Prompt
from childsafe.core.models import Area, AuditCategory, User
from childsafe.core.roles import Capability
from childsafe.core.text import check_text
from childsafe.people import calendars, identity, places, search, search_index
from childsafe.people.access import reach_for_write
from childsafe.people.models import (
    IdentityLink,
    LocalAuthorityCover,
    Location,
    NotSamePerson,
    Organisation,
    Person,
    PersonAddress,
    PersonName,
    Relationship,
    SchoolEnrolment,
    WarningMarker,
)
from childsafe.people.vocabulary import (
    MarkerType,
    ObservedEthnicity,
    OrganisationType,
    RelationshipType,
    SelfDefinedEthnicity,
    Sex,
)

MAX_AGE_YEARS = 120
MAX_NAME = 120
MAX_TEXT = 10_000


def _require(actor: User | None, capability: Capability) -> None:
    # actor=None is the system itself: set-up commands, the demo generator, the replay's setup.
    if actor is not None:
        access.require(actor, capability)


def _check_text(
    errors: dict[str, str], name: str, value: str, *, label: str, required: bool = False, max_length: int = MAX_TEXT
) -> str:
    return check_text(errors, name, value, f"the {label}", required=required, max_length=max_length)


def validate_date_of_birth(errors: dict[str, str], dob: Any, field_name: str = "date_of_birth") -> date | None:
    """Accept a date or an ISO string; refuse the future and anyone over 120."""
    if dob in (None, ""):
        return None
    if isinstance(dob, str):
        try:
            dob = date.fromisoformat(dob.strip())
        except ValueError:
            errors[field_name] = "Enter the date of birth as a real date, for example 2009-03-27."
            return None
    if not isinstance(dob, date):
        errors[field_name] = "Enter the date of birth as a real date, for example 2009-03-27."
        return None
    today = clock.today_london()
    if dob > today:
        errors[field_name] = "The date of birth must be today or in the past."
    elif dob < date(today.year - MAX_AGE_YEARS, today.month, min(today.day, 28)):
        errors[field_name] = f"The date of birth must be within the last {MAX_AGE_YEARS} years."
    return dob


def _choice(errors: dict[str, str], name: str, value: str, choices: Any, label: str) -> str:
    value = (value or "").strip()
    if value and value not in choices.values:
        errors[name] = f"{value!r} is not a {label}. Use one of: {', '.join(choices.values)}."
    return value


def _parse_date(errors: dict[str, str], name: str, value: Any, label: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors[name] = f"Enter the {label} as a real date, for example 2024-01-31."
        return None


@dataclass
class AddressInput:
    line1: str
    town: str
    postcode: str = ""
    line2: str = ""
    name: str = ""


def location_for(*, line1: str = "", line2: str = "", town: str = "", postcode: str = "", name: str = "") -> Location:
    """The one Location for this address or place, created if new. Call inside a transaction."""
    key = places.location_key(name, line1, line2, town, postcode)
    existing = Location.objects.filter(normalised=key).first()
    if existing:
        return existing
    area_code = places.area_code_for_town(town)
    return Location.objects.create(
        name=name.strip(),
        line1=line1.strip(),
        line2=line2.strip(),
        town=town.strip(),
        postcode=places.normalise_postcode(postcode) if postcode else "",
        normalised=key,
        area=Area.objects.filter(code=area_code).first() if area_code else None,
    )


@dataclass
class PersonCreated:
    person: Person
    prompts: list[Prompt] = field(default_factory=list)
    possible_duplicates: list[tuple[Person, identity.Match]] = field(default_factory=list)


def person_create(
    *,
    actor: User | None,
    forenames: str,
    surname: str,
    date_of_birth: date | str | None = None,
    dob_is_approximate: bool = False,
    sex: str = Sex.UNKNOWN,
    ethnicity_self_defined: str = "",
    ethnicity_observed: str = "",
    address: AddressInput | None = None,
    looked_after: bool = False,
    placement: Organisation | None = None,
    local_authority: Organisation | None = None,
    school: Organisation | None = None,
    other_names: list[tuple[str, str, str]] | None = None,
    notes: str = "",
    duplicates_reviewed: bool = False,
    channel: str = "web",
    synthetic_truth_id: int | None = None,
) -> PersonCreated:
    """Record a person. Returns a PL-2 prompt listing possible duplicates unless the user already saw them."""
    _require(actor, Capability.PERSON_CREATE)
    errors: dict[str, str] = {}
    forenames = _check_text(errors, "forenames", forenames, label="first name(s)", required=True, max_length=MAX_NAME)
    surname = _check_text(errors, "surname", surname, label="last name", required=True, max_length=MAX_NAME)
    dob = validate_date_of_birth(errors, date_of_birth)
    sex = _choice(errors, "sex", sex or Sex.UNKNOWN, Sex, "sex")
    ethnicity_self_defined = _choice(
        errors,
        "ethnicity_self_defined",
        ethnicity_self_defined,
        SelfDefinedEthnicity,
        "self-defined ethnicity code (18+1)",
    )
    ethnicity_observed = _choice(
        errors, "ethnicity_observed", ethnicity_observed, ObservedEthnicity, "officer-observed ethnicity code"
    )
    notes = _check_text(errors, "notes", notes, label="notes")
    if address is not None:
        # The lengths are the address columns' (a longer line was stored whole on SQLite, a 500 on PostgreSQL).
        line_problems: dict[str, str] = {}
        _check_text(line_problems, "address", address.line1, label="first line of the address", max_length=200)
        _check_text(line_problems, "address", address.town, label="town", max_length=100)
        _check_text(line_problems, "address", address.postcode, label="postcode", max_length=10)
        if line_problems:
            errors.update(line_problems)
        elif not address.line1.strip() or not address.town.strip():
            errors["address"] = "Enter the first line of the address and the town, or leave the address out."
        elif address.postcode and not places.is_valid_postcode(address.postcode):
            errors["address"] = f"{address.postcode!r} is not a UK postcode. Enter it like YO1 7AA."
    if placement is not None and placement.type != OrganisationType.CHILDRENS_HOME:
        errors["placement"] = f"{placement.name} is not a children's home."
    if local_authority is not None and local_authority.type != OrganisationType.LOCAL_AUTHORITY:
        errors["local_authority"] = f"{local_authority.name} is not a local authority."
    if school is not None and school.type != OrganisationType.SCHOOL:
        errors["school"] = f"{school.name} is not a school."
    if errors:
        raise InvalidInput(errors)

    duplicates = search.possible_duplicates(forenames=forenames, surname=surname, date_of_birth=dob)
    now = clock.now()
    with transaction.atomic():
        location = location_for(**address.__dict__) if address else None
        if local_authority is None and placement is not None:
            local_authority = placement.local_authority
        if local_authority is None and school is not None:
            local_authority = school.local_authority
        if local_authority is None and location is not None:
            local_authority = local_authority_for_postcode(location.postcode)
        person = Person(
            forenames=forenames,
            surname=surname,
            date_of_birth=dob,
            dob_is_approximate=dob_is_approximate,
            sex=sex,
            ethnicity_self_defined=ethnicity_self_defined,
            ethnicity_observed=ethnicity_observed,
            looked_after=looked_after,
            placement=placement,
            local_authority=local_authority,
            area=location.area if location else None,
            notes=notes,
            created_at=now,
            created_by=actor,
            synthetic_truth_id=synthetic_truth_id,
        )
        search_index.set_person_keys(person)
        person.full_clean()
        person.save()
        if location:
            PersonAddress.objects.create(person=person, location=location, valid_from=now.date())
        aliases = [PersonName(person=person, forenames=fn, surname=sn, kind=kind) for fn, sn, kind in other_names or []]
        for alias in aliases:
            search_index.set_name_keys(alias, surname)
            alias.save()
        search_index.index_person(person, aliases)
        if school is not None:
            SchoolEnrolment.objects.create(person=person, school=school, valid_from=now.date())
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="person.create",
            subject=person,
            person_id=person.pk,
            channel=channel,
            new={
                "forenames": forenames,
                "surname": surname,
                "date_of_birth": str(dob) if dob else None,
                "sex": sex,
                "ethnicity_self_defined": ethnicity_self_defined,
                "address": str(location) if location else None,
                "looked_after": looked_after,
                "placement": placement.pk if placement else None,
                "school": school.pk if school else None,
            },
        )
    prompts = []
    if duplicates and not duplicates_reviewed:
        names = "; ".join(
            f"{p.full_name} ({p.date_of_birth or 'date of birth not known'}, ref {p.pk})" for p, _ in duplicates[:5]
        )
        prompts.append(
            Prompt(
                "PL-2",
                f"This may be the same person as: {names}. Check and link the records "
                "if so, so that every marker counts.",
            )
        )
    return PersonCreated(person=person, prompts=prompts, possible_duplicates=duplicates)


PERSON_EDITABLE = (
    "forenames",
    "surname",
    "date_of_birth",
    "dob_is_approximate",
    "sex",
    "ethnicity_self_defined",
    "ethnicity_observed",
    "looked_after",
    "notes",
)


def person_update(*, actor: User, person: Person, channel: str = "web", **changes: Any) -> Person:
    _require(actor, Capability.PERSON_EDIT)
    unknown = set(changes) - set(PERSON_EDITABLE)
    if unknown:
        raise InvalidInput({name: "This detail can't be changed here." for name in sorted(unknown)})
    errors: dict[str, str] = {}
    if "forenames" in changes:
        changes["forenames"] = _check_text(
            errors, "forenames", changes["forenames"], label="first name(s)", required=True, max_length=MAX_NAME
        )
    if "surname" in changes:
        changes["surname"] = _check_text(
            errors, "surname", changes["surname"], label="last name", required=True, max_length=MAX_NAME
        )
    if "date_of_birth" in changes:
        changes["date_of_birth"] = validate_date_of_birth(errors, changes["date_of_birth"])
    if "sex" in changes:
        _choice(errors, "sex", changes["sex"], Sex, "sex")
    if "ethnicity_self_defined" in changes:
        _choice(
            errors,
            "ethnicity_self_defined",
            changes["ethnicity_self_defined"],
            SelfDefinedEthnicity,
            "self-defined ethnicity code (18+1)",
        )
    if "ethnicity_observed" in changes:
        _choice(
            errors,
            "ethnicity_observed",
            changes["ethnicity_observed"],
            ObservedEthnicity,
            "officer-observed ethnicity code",
        )
    if "notes" in changes:
        changes["notes"] = _check_text(errors, "notes", changes["notes"], label="notes")
    if errors:
        raise InvalidInput(errors)
    before = {k: _plain(getattr(person, k)) for k in changes}
    with transaction.atomic():
        for key, value in changes.items():
            setattr(person, key, value)
        search_index.set_person_keys(person)
        person.full_clean()
        person.save()
        search_index.index_person(person)
        old, new = audit.changes(before, {k: _plain(v) for k, v in changes.items()})
        if new:
            audit.record(
                actor=actor,
                category=AuditCategory.ALTERATION,
                event_type="person.update",
                subject=person,
                person_id=person.pk,
                old=old,
                new=new,
                channel=channel,
            )
    return person


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def marker_add(
    *,
    actor: User | None,
    person: Person,
    type: str,
    source: str,
    start_date: date | str | None = None,
    review_date: date | str | None = None,
    notes: str = "",
    channel: str = "web",
    reasons: Mapping[str, str] | None = None,
) -> WarningMarker:
    _require(actor, Capability.MARKER_MANAGE)
    why = reach_for_write(actor, person, reasons=reasons, channel=channel, event_type="marker.add")
    errors: dict[str, str] = {}
    if type not in MarkerType.values:
        errors["type"] = f"{type!r} is not a warning marker. Use one of: {', '.join(MarkerType.values)}."
    source = _check_text(
        errors,
        "source",
        source,
        label="source of the marker (where the information came from)",
        required=True,
        max_length=200,
    )
    notes = _check_text(errors, "notes", notes, label="notes")
    start = _parse_date(errors, "start_date", start_date, "start date") or clock.today_london()
    if start > clock.today_london() + timedelta(days=1):
        # A marker is what is known now; a date days ahead is a typing slip (2062 for 2026).
        errors["start_date"] = "The start date can't be more than a day in the future. Enter the date it applies from."
    review = _parse_date(errors, "review_date", review_date, "review date")
    if review is None and "review_date" not in errors:
        review = start + timedelta(days=365)
    if review is not None and review < start:
        errors["review_date"] = "The review date must be on or after the start date."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        marker = WarningMarker(
            person=person,
            type=type,
            start_date=start,
            review_date=review,
            source=source,
            notes=notes,
            created_at=clock.now(),
            created_by=actor,
        )
        marker.full_clean()
        marker.save()
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="marker.add",
            subject=marker,
            person_id=person.pk,
            channel=channel,
            justification=why,
            new={"type": type, "start_date": str(start), "review_date": str(review), "source": source},
        )
    return marker


def marker_end(
    *,
    actor: User,
    marker: WarningMarker,
    reason: str,
    end_date: date | None = None,
    channel: str = "web",
    reasons: Mapping[str, str] | None = None,
) -> WarningMarker:
    _require(actor, Capability.MARKER_MANAGE)
    why = reach_for_write(actor, marker.person, reasons=reasons, channel=channel, event_type="marker.end")
    errors: dict[str, str] = {}
    reason = _check_text(errors, "reason", reason, label="reason the marker no longer applies", required=True)
    end = end_date or clock.today_london()
    if marker.end_date is not None:
        errors["marker"] = "This marker has already ended."
    elif end < marker.start_date:
        errors["end_date"] = "The end date must be on or after the marker's start date."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        marker.end_date = end
        marker.save(update_fields=["end_date"])
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="marker.end",
            subject=marker,
            person_id=marker.person_id,
            old={"end_date": None},
            new={"end_date": str(end), "reason": reason},
            channel=channel,
            justification=why,
        )
    return marker


def relationship_add(
    *,
    actor: User | None,
    from_person: Person,
    to_person: Person,
    type: str,
    source: str = "",
    valid_from: date | None = None,
    channel: str = "web",
    reasons: Mapping[str, str] | None = None,
) -> Relationship:
    _require(actor, Capability.PERSON_EDIT)
    # Both people: a relationship shows each on the other's page.
    why = {
        p.pk: reach_for_write(actor, p, reasons=reasons, channel=channel, event_type="relationship.add")
        for p in (from_person, to_person)
    }
    errors: dict[str, str] = {}
    if type not in RelationshipType.values:
        errors["type"] = f"{type!r} is not a relationship type. Use one of: {', '.join(RelationshipType.values)}."
    if from_person.pk == to_person.pk:
        errors["to_person"] = "A person can't have a relationship with themselves. Choose the other person."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        rel = Relationship.objects.create(
            from_person=from_person,
            to_person=to_person,
            type=type,
            source=source,
            valid_from=valid_from,
            created_at=clock.now(),
        )
        for pid in (from_person.pk, to_person.pk):
            audit.record(
                actor=actor,
                category=AuditCategory.COLLECTION,
                event_type="relationship.add",
                subject=rel,
                person_id=pid,
                channel=channel,
                justification=why[pid],
                new={"from": from_person.pk, "to": to_person.pk, "type": type},
            )
    return rel


def school_enrol(
    *, actor: User | None, person: Person, school: Organisation, valid_from: date | None = None, channel: str = "web"
) -> SchoolEnrolment:
    """Enrol a child at a school, ending any current enrolment elsewhere."""
    _require(actor, Capability.PERSON_EDIT)
    if school.type != OrganisationType.SCHOOL:
        raise InvalidInput({"school": f"{school.name} is not a school."})
    start = valid_from or clock.today_london()
    with transaction.atomic():
        SchoolEnrolment.objects.filter(person=person, valid_to__isnull=True).exclude(school=school).update(
            valid_to=start
        )
        enrolment, created = SchoolEnrolment.objects.get_or_create(
            person=person, school=school, valid_to=None, defaults={"valid_from": start}
        )
        if created:
            audit.record(
                actor=actor,
                category=AuditCategory.ALTERATION,
                event_type="school.enrol",
                subject=enrolment,
                person_id=person.pk,
                new={"school": school.pk, "from": str(start)},
                channel=channel,
            )
    return enrolment


def organisation_create(
    *,
    actor: User | None,
    type: str,
    name: str,
    urn: str = "",
    local_authority: Organisation | None = None,
    email: str = "",
    key_adult_name: str = "",
    key_adult_email: str = "",
    manager_email: str = "",
    calendar: dict | None = None,
    area: Area | None = None,
    covers: list[str] | None = None,
    channel: str = "web",
) -> Organisation:
    _require(actor, Capability.USERS_MANAGE)
    errors: dict[str, str] = {}
    if type not in OrganisationType.values:
        errors["type"] = f"{type!r} is not a kind of organisation. Use one of: {', '.join(OrganisationType.values)}."
    name = _check_text(errors, "name", name, label="name", required=True, max_length=200)
    for field_name, value in (("email", email), ("key_adult_email", key_adult_email), ("manager_email", manager_email)):
        if value:
            try:
                validate_email(value)
            except ValidationError:
                errors[field_name] = f"{value!r} is not an email address. Enter it like name@example.org."
    if calendar is not None or type == OrganisationType.SCHOOL:
        try:
            calendar = calendars.validate_calendar_json(calendar)
        except ValueError as exc:
            errors["calendar"] = str(exc)
    if type == OrganisationType.SCHOOL:
        if urn and not (urn.isdigit() and len(urn) == 6):
            errors["urn"] = "A school's URN is 6 digits, for example 121234."
        elif urn and Organisation.objects.filter(urn=urn).exists():
            errors["urn"] = f"A school with URN {urn} is already recorded."
    prefixes: list[str] = []
    if covers:
        if type != OrganisationType.LOCAL_AUTHORITY:
            errors["covers"] = "Only a local authority covers postcode districts."
        else:
            prefixes = _check_covers(errors, covers, organisation=None)
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        org = Organisation(
            type=type,
            name=name,
            urn=urn,
            local_authority=local_authority,
            email=email,
            key_adult_name=key_adult_name,
            key_adult_email=key_adult_email,
            manager_email=manager_email,
            calendar=calendar,
            area=area,
        )
        org.full_clean()
        org.save()
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="organisation.create",
            subject=org,
            new={"type": type, "name": name, "urn": urn, **({"covers": prefixes} if prefixes else {})},
            channel=channel,
        )
        if prefixes:
            _apply_covers(org, prefixes)
    return org


def _check_covers(errors: dict[str, str], covers: list[str], *, organisation: Organisation | None) -> list[str]:
    """Each entry a postcode district or sector, none claimed by another authority: all problems at once."""
    prefixes: list[str] = []
    bad: list[str] = []
    for raw in covers:
        prefix = places.normalise_cover(str(raw))
        if prefix is None:
            bad.append(str(raw))
        elif prefix not in prefixes:
            prefixes.append(prefix)
    problems = []
    if bad:
        what = "is not a postcode district or sector" if len(bad) == 1 else "are not postcode districts or sectors"
        problems.append(
            f"{', '.join(repr(b) for b in bad)} {what}: enter a district like YO31 or a sector like YO31 7."
        )
    claimed = LocalAuthorityCover.objects.filter(prefix__in=prefixes).select_related("organisation")
    if organisation is not None:
        claimed = claimed.exclude(organisation=organisation)
    for cover in claimed:
        problems.append(f"{cover.prefix} is already covered by {cover.organisation.name}.")
    if problems:
        errors["covers"] = " ".join(problems)
    return prefixes


def _apply_covers(org: Organisation, prefixes: list[str]) -> int:
    """Store the authority's covers and give it every child recorded with no local authority in them."""
    LocalAuthorityCover.objects.filter(organisation=org).exclude(prefix__in=prefixes).delete()
    have = set(LocalAuthorityCover.objects.filter(organisation=org).values_list("prefix", flat=True))
    LocalAuthorityCover.objects.bulk_create(
        [LocalAuthorityCover(organisation=org, prefix=p) for p in prefixes if p not in have]
    )
    assigned = 0
    orphans = (
        PersonAddress.objects.filter(person__local_authority__isnull=True, valid_to__isnull=True)
        .exclude(location__postcode="")
        .values_list("person_id", "location__postcode")
    )
    for person_id, postcode in orphans:
        if local_authority_for_postcode(postcode) == org:
            assigned += Person.objects.filter(pk=person_id, local_authority__isnull=True).update(local_authority=org)
    return assigned


def organisation_covers_set(
    *, actor: User, organisation: Organisation, covers: list[str], channel: str = "web"
) -> Organisation:
    """An administrator sets the postcode districts and sectors a local authority covers (audited)."""
    _require(actor, Capability.USERS_MANAGE)
    errors: dict[str, str] = {}
    if organisation.type != OrganisationType.LOCAL_AUTHORITY:
        errors["covers"] = "Only a local authority covers postcode districts."
    prefixes = _check_covers(errors, covers, organisation=organisation) if not errors else []
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        old = sorted(LocalAuthorityCover.objects.filter(organisation=organisation).values_list("prefix", flat=True))
        assigned = _apply_covers(organisation, prefixes)
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="organisation.covers_set",
            subject=organisation,
            old={"covers": old},
            new={"covers": sorted(prefixes), "children_assigned": assigned},
            channel=channel,
        )
    return organisation


def local_authority_for_postcode(postcode: str) -> Organisation | None:
    """The local authority covering a postcode: its sector's if one is listed, else its district's."""
    prefixes = places.cover_prefixes(postcode)
    if not prefixes:
        return None
    by_prefix = {
        c.prefix: c.organisation
        for c in LocalAuthorityCover.objects.filter(prefix__in=prefixes).select_related("organisation")
    }
    for prefix in prefixes:  # longest first
        if prefix in by_prefix:
            return by_prefix[prefix]
    return None


def identity_link(
    *,
    actor: User,
    person: Person,
    other: Person,
    rationale: str,
    channel: str = "web",
    reasons: Mapping[str, str] | None = None,
) -> IdentityLink:
    """Record that two records are the same person (PL-2). Markers on either then count on both.

    The actor must reach both records (PL-3): a link shows each record's markers to everyone who can
    see the other, so a link to a record the actor could not open would leak it."""
    _require(actor, Capability.IDENTITY_LINK)
    why = {
        p.pk: reach_for_write(actor, p, reasons=reasons, channel=channel, event_type="identity.link")
        for p in (person, other)
    }
    errors: dict[str, str] = {}
    rationale = _check_text(errors, "rationale", rationale, label="reason these are the same person", required=True)
    if person.pk == other.pk:
        errors["other"] = "Choose a different record: a record can't be linked to itself."
    a, b = sorted([person.pk, other.pk])
    if not errors and IdentityLink.objects.filter(person_a_id=a, person_b_id=b, unlinked_at__isnull=True).exists():
        errors["other"] = "These records are already linked."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        link = IdentityLink.objects.create(
            person_a_id=a, person_b_id=b, rationale=rationale, linked_at=clock.now(), linked_by=actor
        )
        for pid in (a, b):
            audit.record(
                actor=actor,
                category=AuditCategory.COMBINATION,
                event_type="identity.link",
                subject=link,
                person_id=pid,
                new={"person_a": a, "person_b": b, "rationale": rationale},
                channel=channel,
                justification=why[pid],
            )
    return link


def identity_unlink(
    *,
    actor: User,
    link: IdentityLink,
    rationale: str,
    channel: str = "web",
    reasons: Mapping[str, str] | None = None,
) -> IdentityLink:
    _require(actor, Capability.IDENTITY_LINK)
    why = {
        p.pk: reach_for_write(actor, p, reasons=reasons, channel=channel, event_type="identity.unlink")
        for p in (link.person_a, link.person_b)
    }
    errors: dict[str, str] = {}
    rationale = _check_text(errors, "rationale", rationale, label="reason these are different people", required=True)
    if link.unlinked_at is not None:
        errors["link"] = "These records are already unlinked."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        updated = IdentityLink.objects.filter(pk=link.pk, unlinked_at__isnull=True).update(
            unlinked_at=clock.now(), unlinked_by=actor, unlink_rationale=rationale
        )
        if not updated:
            raise InvalidInput({"link": "Someone unlinked these records a moment ago."})
        for pid in (link.person_a_id, link.person_b_id):
            audit.record(
                actor=actor,
                category=AuditCategory.COMBINATION,
                event_type="identity.unlink",
                subject=link,
                person_id=pid,
                old={"linked": True},
                new={"linked": False, "rationale": rationale},
                channel=channel,
                justification=why[pid],
            )
    link.refresh_from_db()
    return link


def identity_rule_out(
    *, actor: User, person: Person, other: Person, reason: str, channel: str = "web"
) -> NotSamePerson:
    """Record that a possible duplicate is not this person, with why (PL-2; MP-3 at grading)."""
    if not (access.can(actor, Capability.IDENTITY_LINK) or access.can(actor, Capability.MISSING_GRADE)):
        raise AccessDenied(
            f"Your role ({actor.get_role_display()}) can't decide whether two records are the same person."
        )
    errors: dict[str, str] = {}
    reason = _check_text(errors, "reason", reason, label="reason these are not the same person", required=True)
    if person.pk == other.pk:
        errors["other"] = "A record is always the same person as itself."
    a, b = sorted([person.pk, other.pk])
    if not errors and IdentityLink.objects.filter(person_a_id=a, person_b_id=b, unlinked_at__isnull=True).exists():
        errors["other"] = "These records are linked as the same person: unlink them first, with a reason."
    if not errors and NotSamePerson.objects.filter(person_a_id=a, person_b_id=b).exists():
        errors["other"] = "These records are already recorded as different people."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        ruling = NotSamePerson.objects.create(person_a_id=a, person_b_id=b, reason=reason, at=clock.now(), by=actor)
        for pid in (a, b):
            audit.record(
                actor=actor,
                category=AuditCategory.COMBINATION,
                event_type="identity.rule_out",
                subject=ruling,
                person_id=pid,
                new={"not_same_as": b if pid == a else a, "reason": reason},
                channel=channel,
            )
    return ruling


def school_calendar_set(
    *, actor: User | None = None, school: Organisation, calendar: object, channel: str = "cli"
) -> Organisation:
    """Replace a school's calendar (RF-9's next school day), checked and audited."""
    _require(actor, Capability.USERS_MANAGE)
    if school.type != OrganisationType.SCHOOL:
        raise InvalidInput({"school": f"{school.name} is not a school, so it has no calendar."})
    try:
        new = calendars.validate_calendar_json(calendar)
    except ValueError as exc:
        raise InvalidInput({"calendar": str(exc)}) from None
    with transaction.atomic():
        old = Organisation.objects.select_for_update().values_list("calendar", flat=True).get(pk=school.pk)
        Organisation.objects.filter(pk=school.pk).update(calendar=new)
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="school.calendar",
            subject=school,
            old={"calendar": old},
            new={"calendar": new},
            channel=channel,
        )
    school.refresh_from_db()
    return school
