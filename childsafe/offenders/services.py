"""Offender management: every write, one transaction each, audited; guards and clocks in offenders/rules.py."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction

from childsafe.core import access, audit, clock
from childsafe.core.errors import AccessDenied, InvalidInput, Prompt
from childsafe.core.models import AuditCategory, User
from childsafe.core.roles import Capability, Role
from childsafe.core.text import check_text
from childsafe.offenders import rules
from childsafe.offenders.models import (
    Breach,
    BreachDecision,
    BreachKind,
    ChildContact,
    ContactChild,
    Conviction,
    Device,
    Disclosure,
    DisclosureDecision,
    Notification,
    NotificationKind,
    NotificationPlace,
    Offender,
    Order,
    OrderKind,
    RiskAssessment,
    RiskLevel,
    SupervisionEntry,
    SupervisorAbsence,
    Visit,
    VisitKind,
)
from childsafe.people.access import Decision, decide
from childsafe.people.models import Person

STALE = "Someone changed this a moment ago. Check the latest details, then make your change again."


def _text(errors: dict[str, str], name: str, value: Any, label: str, *, max_length: int = 10_000) -> str:
    return check_text(errors, name, value, label, max_length=max_length)


def _choice(errors: dict[str, str], name: str, value: Any, choices: Any, what: str) -> str:
    value = str(value or "")
    if value not in choices.values:
        labels = ", ".join(label.lower() for label in choices.labels)
        errors[name] = f"Choose {what}: {labels}."
    return value


def _reach(actor: User, person: Person) -> None:
    """Need to know on every person a write touches, not only the offender in the address bar."""
    if decide(actor, person).decision is not Decision.ALLOWED:
        raise AccessDenied(f"You don't have access to {person.full_name}'s record for this.")


def _manage(actor: User, offender: Offender | None = None) -> None:
    access.require(actor, Capability.OFFENDER_MANAGE)
    if offender is not None:
        _reach(actor, offender.person)


def _audit(
    actor: User,
    category: str,
    event_type: str,
    subject: Any,
    offender: Offender,
    channel: str,
    new: dict | None = None,
    old: dict | None = None,
) -> None:
    audit.record(
        actor=actor,
        category=category,
        event_type=event_type,
        subject=subject,
        person_id=offender.person_id,
        old=old,
        new=new,
        channel=channel,
    )


def _not_future(errors: dict[str, str], name: str, when: datetime | None, label: str) -> None:
    if when is not None and when > clock.now():
        errors[name] = f"{label} can't be in the future."


def _period_over(offender: Offender, at: datetime) -> bool:
    state = rules.offender_states([offender.pk])[offender.pk]
    ends = state.period_ends_at()
    return ends is not None and ends <= at


# -- convictions and release (RSO-2) --------------------------------------------------------------------


@dataclass
class Convicted:
    offender: Offender
    conviction: Conviction
    prompts: list[Prompt] = field(default_factory=list)


def offender_convict(
    *,
    actor: User,
    person: Person,
    offence: str,
    notifiable: bool,
    court_result_at: datetime | None,
    period_years: int | None = None,
    indefinite: bool = False,
    custody: bool = False,
    manager: User | None = None,
    photo_reference: str = "",
    channel: str = "web",
) -> Convicted:
    """Record a court result. A notifiable one starts the notification clock now (RSO-2), without
    waiting for a certificate or a later sentencing hearing, or at release when the sentence is custodial."""
    _manage(actor)
    _reach(actor, person)
    errors: dict[str, str] = {}
    offence = _text(errors, "offence", offence, "the offence", max_length=300)
    if court_result_at is None:
        errors["court_result_at"] = "Enter the date and time of the court result."
    _not_future(errors, "court_result_at", court_result_at, "The court result")
    existing = Offender.objects.filter(person=person).first()
    if existing is None and notifiable:
        if indefinite and period_years is not None:
            errors["period"] = "Choose a number of years or indefinite, not both."
        elif not indefinite and period_years is None:
            errors["period"] = "Enter the notification period: a number of years, or indefinite."
        elif period_years is not None and not 1 <= period_years <= 30:
            errors["period"] = "Enter a notification period from 1 to 30 years, or indefinite."
    if manager is not None and manager.role != Role.OMU:
        errors["manager"] = "The offender manager must be in the offender management unit."
    if errors or court_result_at is None:
        raise InvalidInput(errors)
    now = clock.now()
    with transaction.atomic():
        if existing is None:
            offender = Offender(
                person=person,
                period_years=None if indefinite else period_years,
                area=person.area or actor.area,
                manager=manager or (actor if actor.role == Role.OMU else None),
                photo_reference=str(photo_reference or "").strip()[:100],
                created_at=now,
                created_by=actor,
            )
            offender.full_clean()
            offender.save()
            _audit(actor, AuditCategory.COLLECTION, "offender.register", offender, offender, channel)
        else:
            offender = Offender.objects.select_for_update().get(pk=existing.pk)
        conviction = Conviction(
            offender=offender,
            offence=offence,
            notifiable=notifiable,
            court_result_at=court_result_at,
            custody=custody,
            recorded_at=now,
            recorded_by=actor,
        )
        conviction.full_clean()
        conviction.save()
        _audit(
            actor,
            AuditCategory.COLLECTION,
            "offender.convict",
            conviction,
            offender,
            channel,
            new={"offence": offence, "notifiable": notifiable, "court_result_at": court_result_at, "custody": custody},
        )
    return Convicted(offender, conviction)


def offender_release(*, actor: User, offender: Offender, at: datetime, channel: str = "web") -> list[Conviction]:
    """Release from custody: the initial notification is due within 3 days (RSO-1)."""
    _manage(actor, offender)
    errors: dict[str, str] = {}
    _not_future(errors, "at", at, "The release")
    with transaction.atomic():
        held = list(Conviction.objects.select_for_update().filter(offender=offender, custody=True, released_at=None))
        if not held:
            errors["offender"] = f"{offender.person.full_name} is not recorded as in custody."
        elif any(c.court_result_at > at for c in held):
            errors["at"] = "The release can't be before the court result."
        if errors:
            raise InvalidInput(errors)
        for conviction in held:
            conviction.released_at = at
            conviction.save(update_fields=["released_at"])
        _audit(
            actor, AuditCategory.ALTERATION, "offender.release", offender, offender, channel, new={"released_at": at}
        )
    return held


# -- notifications (RSO-1) ------------------------------------------------------------------------------


def notification_record(
    *,
    actor: User,
    offender: Offender,
    kind: str,
    where: str,
    detail: str = "",
    at: datetime | None = None,
    event_at: datetime | None = None,
    channel: str = "web",
) -> tuple[Notification, list[Prompt]]:
    """Record a notification. One made anywhere but a designated station is kept, marked not valid, and
    prompted (RSO-1): the law's deadline keeps running until the offender notifies in person."""
    _manage(actor, offender)
    at = at or clock.now()
    errors: dict[str, str] = {}
    kind = _choice(errors, "kind", kind, NotificationKind, "what is being notified")
    where = _choice(errors, "where", where, NotificationPlace, "where the notification was made")
    detail = str(detail or "").strip()
    _not_future(errors, "at", at, "The notification")
    first = Conviction.objects.filter(offender=offender, notifiable=True).order_by("court_result_at").first()
    if first is None:
        errors["offender"] = f"{offender.person.full_name} has no notifiable conviction, so nothing is notified."
    elif at < first.court_result_at:
        errors["at"] = "A notification can't be dated before the conviction that requires it."
    elif _period_over(offender, at):
        what = "An annual notification" if kind == NotificationKind.ANNUAL else "A notification"
        errors["kind"] = f"{what} is not needed: the notification period has ended."
    if kind == NotificationKind.FOREIGN_TRAVEL and event_at is None:
        errors["event_at"] = "Enter the date of travel."
    if errors:
        raise InvalidInput(errors)
    prompts: list[Prompt] = []
    message = rules.check_notification_place(where)
    if message:
        prompts.append(Prompt("RSO-1", message, field="where"))
    with transaction.atomic():
        notification = Notification(
            offender=offender,
            kind=kind,
            where=where,
            valid=message is None,
            at=at,
            event_at=event_at,
            detail=detail,
            recorded_by=actor,
        )
        notification.full_clean()
        notification.save()
        _audit(
            actor,
            AuditCategory.COLLECTION,
            "offender.notify",
            notification,
            offender,
            channel,
            new={"kind": kind, "where": where, "valid": notification.valid, "at": at},
        )
    return notification, prompts


# -- risk (RSO-8) ---------------------------------------------------------------------------------------


def risk_assess(*, actor: User, offender: Offender, level: str, plan: str, channel: str = "web") -> RiskAssessment:
    """Record a risk level with its risk management plan: ViSOR-trained staff only (RSO-8)."""
    _manage(actor, offender)
    errors: dict[str, str] = {}
    level = _choice(errors, "level", level, RiskLevel, "a risk level")
    plan = _text(errors, "plan", plan, "the risk management plan")
    if errors:
        raise InvalidInput(errors)
    rules.check_visor(actor)
    with transaction.atomic():
        assessment = RiskAssessment(
            offender=offender, level=level, plan=plan, assessed_at=clock.now(), assessed_by=actor
        )
        assessment.full_clean()
        assessment.save()
        _audit(
            actor,
            AuditCategory.COLLECTION,
            "offender.risk",
            assessment,
            offender,
            channel,
            new={"level": level, "plan": plan},
        )
    return assessment


# -- devices and visits (RSO-3, RSO-4) ------------------------------------------------------------------


def device_add(
    *, actor: User, offender: Offender, description: str, declared: bool = True, channel: str = "web"
) -> Device:
    _manage(actor, offender)
    errors: dict[str, str] = {}
    description = _text(errors, "description", description, "a description of the device", max_length=200)
    if not errors and offender.devices.filter(removed_at=None, description__iexact=description).exists():
        errors["description"] = f"{description} is already recorded for {offender.person.full_name}."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        device = Device(
            offender=offender, description=description, declared=declared, added_at=clock.now(), added_by=actor
        )
        device.full_clean()
        device.save()
        _audit(
            actor,
            AuditCategory.COLLECTION,
            "offender.device",
            device,
            offender,
            channel,
            new={"description": description, "declared": declared},
        )
    return device


def visit_record(
    *,
    actor: User,
    offender: Offender,
    kind: str,
    announced: bool,
    officers: list[User],
    devices_checked: list[Device],
    at: datetime | None = None,
    notes: str = "",
    channel: str = "web",
) -> tuple[Visit, list[Prompt]]:
    """Record a home visit or office interview. Only a home visit resets RSO-3's clock; a lone visit
    counts but is prompted; each known device not checked is prompted (RSO-4)."""
    _manage(actor, offender)
    at = at or clock.now()
    errors: dict[str, str] = {}
    kind = _choice(errors, "kind", kind, VisitKind, "a home visit or an office interview")
    _not_future(errors, "at", at, "The visit")
    if not officers:
        errors["officers"] = "Choose the officers who went."
    elif any(o.role not in (Role.OMU, Role.SUPERVISOR, Role.INVESTIGATOR, Role.RESPONSE_OFFICER) for o in officers):
        errors["officers"] = "Choose police officers for the visit."
    if any(d.offender_id != offender.pk for d in devices_checked):
        errors["devices_checked"] = "Choose only this offender's devices."
    if _period_over(offender, at):
        errors["offender"] = (
            f"{offender.person.full_name}'s notification period has ended: visits are no longer recorded."
        )
    clash = Visit.objects.filter(offender=offender, at=at).select_related("recorded_by").first()
    if clash is not None:
        errors["at"] = f"A visit at this time is already recorded by {clash.recorded_by.display_name}."
    if errors:
        raise InvalidInput(errors)
    prompts: list[Prompt] = []
    lone = rules.lone_visit_prompt(len(officers))
    if lone:
        prompts.append(Prompt("RSO-3", lone, field="officers"))
    checked = {d.pk for d in devices_checked}
    unchecked = [d.description for d in offender.devices.filter(removed_at=None) if d.pk not in checked]
    if unchecked:
        prompts.append(
            Prompt("RSO-4", f"Not checked at this visit: {', '.join(unchecked)}. Say why.", field="devices_checked")
        )
    try:
        with transaction.atomic():
            visit = Visit(
                offender=offender,
                kind=kind,
                announced=announced,
                at=at,
                notes=str(notes or "").strip(),
                recorded_by=actor,
            )
            visit.full_clean(validate_constraints=False)
            visit.save()
            visit.officers.set(officers)
            visit.devices_checked.set(devices_checked)
            _audit(
                actor,
                AuditCategory.COLLECTION,
                "offender.visit",
                visit,
                offender,
                channel,
                new={
                    "kind": kind,
                    "announced": announced,
                    "officers": [o.pk for o in officers],
                    "devices_checked": sorted(checked),
                },
            )
    except IntegrityError:
        # Two officers saving the same visit at once: the second is told, nothing is half-saved.
        raise InvalidInput({"at": "A visit at this time was recorded a moment ago by someone else."}) from None
    return visit, prompts


# -- breaches (RSO-5) -----------------------------------------------------------------------------------


def breach_record(*, actor: User, offender: Offender, kind: str, detail: str, channel: str = "web") -> Breach:
    """A breach found: RSO-5's clock starts (a crime recorded in 24 hours, or a supervisor says why not)."""
    _manage(actor, offender)
    errors: dict[str, str] = {}
    kind = _choice(errors, "kind", kind, BreachKind, "the kind of breach")
    detail = _text(errors, "detail", detail, "what was found")
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        breach = Breach(offender=offender, kind=kind, detail=detail, found_at=clock.now(), recorded_by=actor)
        breach.full_clean()
        breach.save()
        _audit(actor, AuditCategory.COLLECTION, "offender.breach", breach, offender, channel, new={"kind": kind})
    return breach


def breach_decide(
    *,
    actor: User,
    breach: Breach,
    decision: str,
    rationale: str,
    expected_version: int | None = None,
    channel: str = "web",
) -> Breach:
    _manage(actor, breach.offender)
    errors: dict[str, str] = {}
    decision = _choice(errors, "decision", decision, BreachDecision, "what was decided")
    rationale = _text(errors, "rationale", rationale, "the reason for the decision")
    if errors:
        raise InvalidInput(errors)
    rules.check_breach_decision(actor, decision)
    with transaction.atomic():
        locked = Breach.objects.select_for_update().get(pk=breach.pk)
        if expected_version is not None and locked.version != expected_version:
            raise InvalidInput({"decision": STALE})
        if locked.decided_at is not None:
            raise InvalidInput(
                {"decision": f"This breach was already decided: {locked.get_decision_display().lower()}."}
            )
        locked.decision, locked.rationale = decision, rationale
        locked.decided_at, locked.decided_by = clock.now(), actor
        locked.version += 1
        locked.full_clean()
        locked.save()
        _audit(
            actor,
            AuditCategory.ALTERATION,
            "offender.breach_decision",
            locked,
            locked.offender,
            channel,
            new={"decision": decision, "rationale": rationale},
        )
    return locked


# -- contact with children, welfare checks, disclosure (RSO-6) -----------------------------------------


def child_contact_record(
    *,
    actor: User,
    offender: Offender,
    children: list[Person],
    detail: str,
    at: datetime | None = None,
    channel: str = "web",
) -> ChildContact:
    """An offender's contact with children, declared or discovered: RSO-6's clocks start (a PPN about
    each child in 24 hours, a disclosure decision in 48, each child's welfare checked)."""
    _manage(actor, offender)
    at = at or clock.now()
    errors: dict[str, str] = {}
    detail = _text(errors, "detail", detail, "what is known about the contact")
    _not_future(errors, "at", at, "The contact")
    if not children:
        errors["children"] = "Choose each child the offender had contact with."
    elif offender.person in children:
        errors["children"] = "The offender can't be one of the children."
    if errors:
        raise InvalidInput(errors)
    for child in children:
        _reach(actor, child)
    with transaction.atomic():
        contact = ChildContact(offender=offender, detail=detail, at=at, recorded_by=actor)
        contact.full_clean()
        contact.save()
        for child in dict.fromkeys(children):
            ContactChild.objects.create(contact=contact, person=child)
        _audit(
            actor,
            AuditCategory.COLLECTION,
            "offender.child_contact",
            contact,
            offender,
            channel,
            new={"children": [c.pk for c in children]},
        )
    return contact


def welfare_check_record(*, actor: User, child: ContactChild, note: str, channel: str = "web") -> ContactChild:
    offender = child.contact.offender
    _manage(actor, offender)
    _reach(actor, child.person)
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, "how the child is and who checked")
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        locked = ContactChild.objects.select_for_update().get(pk=child.pk)
        if locked.welfare_checked_at is not None:
            raise InvalidInput({"note": STALE})
        locked.welfare_checked_at, locked.welfare_checked_by, locked.welfare_note = clock.now(), actor, note
        locked.save(update_fields=["welfare_checked_at", "welfare_checked_by", "welfare_note"])
        _audit(actor, AuditCategory.COLLECTION, "offender.welfare_check", locked.contact, offender, channel)
    return locked


def disclosure_decide(
    *,
    actor: User,
    offender: Offender,
    decision: str,
    to: Person | None,
    rationale: str,
    channel: str = "web",
) -> Disclosure:
    """The decision whether to tell a parent or carer of the risk, always with the reason."""
    _manage(actor, offender)
    errors: dict[str, str] = {}
    decision = _choice(errors, "decision", decision, DisclosureDecision, "whether to disclose")
    rationale = _text(errors, "rationale", rationale, "the reason for the decision")
    if decision == DisclosureDecision.DISCLOSE and to is None:
        errors["to"] = "Choose the parent or carer who is told."
    if to is not None and to.pk == offender.person_id:
        errors["to"] = "Choose the parent or carer, not the offender."
    if errors:
        raise InvalidInput(errors)
    if to is not None:
        _reach(actor, to)
    with transaction.atomic():
        disclosure = Disclosure(
            offender=offender, decision=decision, to=to, rationale=rationale, decided_at=clock.now(), decided_by=actor
        )
        disclosure.full_clean()
        disclosure.save()
        _audit(
            actor,
            AuditCategory.COLLECTION,
            "offender.disclosure",
            disclosure,
            offender,
            channel,
            new={"decision": decision, "to": to.pk if to else None, "rationale": rationale},
        )
        if decision == DisclosureDecision.DISCLOSE and to is not None:
            # DPA 2018 s62: the offender's record disclosed outside the police, to this person.
            audit.access(
                actor=actor,
                event_type="offender.disclosed",
                subject=disclosure,
                person_id=offender.person_id,
                category=AuditCategory.DISCLOSURE,
                justification=rationale,
                recipient=to.full_name,
                channel=channel,
            )
    return disclosure


# -- supervision (RSO-7) --------------------------------------------------------------------------------


def supervision_add(*, actor: User, offender: Offender, note: str, channel: str = "web") -> SupervisionEntry:
    """A supervisor's entry on the offender's record: what was reviewed, decided and why (RSO-7)."""
    _manage(actor, offender)
    if not rules.is_supervisor(actor):
        raise AccessDenied("Supervision entries are made by a sergeant or above.")
    note = str(note or "").strip()
    rules.check_supervision_entry(note)
    with transaction.atomic():
        entry = SupervisionEntry(offender=offender, note=note, at=clock.now(), by=actor)
        entry.full_clean()
        entry.save()
        _audit(actor, AuditCategory.COLLECTION, "offender.supervise", entry, offender, channel, new={"note": note})
    return entry


# -- the court results feed (RSO-2) ---------------------------------------------------------------------

COURT_RESULT_COLUMNS = ("surname", "forenames", "date_of_birth", "offence", "notifiable", "court_result_at")
OPTIONAL_COURT_RESULT_COLUMNS = ("period", "custody")
_YES = {"y", "yes", "true", "1"}
_NO = {"n", "no", "false", "0", ""}


@dataclass
class CourtResultRow:
    line: int
    surname: str
    forenames: str
    date_of_birth: date
    offence: str
    notifiable: bool
    court_result_at: datetime
    period_years: int | None
    indefinite: bool
    custody: bool


@dataclass
class CourtResultsImported:
    recorded: list[Conviction] = field(default_factory=list)
    # Rows whose person is not one record: (line, name, why). Someone picks the person by name and
    # records the court result from their page, so no conviction is put on the wrong person.
    unmatched: list[tuple[int, str, str]] = field(default_factory=list)
    already: int = 0


def _parse_when(value: str) -> datetime | None:
    value = value.strip()
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d", "%d/%m/%Y"):
        try:
            parsed = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return parsed.replace(tzinfo=clock.LONDON)
    return None


def parse_court_results(text: str) -> list[CourtResultRow]:
    """The court results feed as CSV, with a header row naming the columns. Every problem at once."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in COURT_RESULT_COLUMNS if c not in headers]
    if missing:
        raise InvalidInput({"file": f"The file needs these columns: {', '.join(missing)}."})
    problems: list[str] = []
    rows: list[CourtResultRow] = []
    for number, raw in enumerate(reader, start=2):
        row = {str(k).strip().lower(): str(v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        bad: list[str] = []
        try:
            dob = date.fromisoformat(row["date_of_birth"]) if "-" in row["date_of_birth"] else None
            if dob is None:
                dob = datetime.strptime(row["date_of_birth"], "%d/%m/%Y").date()
        except ValueError:
            dob = None
            bad.append("date of birth is not a date like 14/02/1971")
        when = _parse_when(row["court_result_at"])
        if when is None:
            bad.append("court result time is not like 10/05/2022 11:00")
        flags = {}
        for name in ("notifiable", "custody"):
            value = row.get(name, "").lower()
            if value not in _YES | _NO:
                bad.append(f"{name} is not yes or no")
            flags[name] = value in _YES
        period = row.get("period", "").lower().rstrip("y").strip()
        if period and period != "indefinite" and not period.isdigit():
            bad.append("period is not a number of years or indefinite")
        if not row["surname"] or not row["offence"]:
            bad.append("surname and offence are needed")
        if bad:
            problems.append(f"Row {number}: {'; '.join(bad)}.")
            continue
        assert dob is not None and when is not None
        rows.append(
            CourtResultRow(
                number,
                row["surname"],
                row["forenames"],
                dob,
                row["offence"],
                flags["notifiable"],
                when,
                int(period) if period.isdigit() else None,
                period == "indefinite",
                flags["custody"],
            )
        )
    if problems:
        raise InvalidInput({"file": " ".join(problems[:20]) + (" (and more)" if len(problems) > 20 else "")})
    return rows


def court_results_import(*, actor: User, text: str, channel: str = "web") -> CourtResultsImported:
    """Record each notifiable court result from the feed whose person is exactly one record (RSO-2).

    The feed may be imported twice: a result already recorded (same person, offence and time) is skipped."""
    _manage(actor)
    result = CourtResultsImported()
    for row in parse_court_results(text):
        name = f"{row.forenames} {row.surname}".strip()
        people = list(
            Person.objects.filter(
                surname__iexact=row.surname, forenames__iexact=row.forenames, date_of_birth=row.date_of_birth
            )[:2]
        )
        if len(people) != 1:
            why = "no record with this name and date of birth" if not people else "more than one record matches"
            result.unmatched.append((row.line, name, why))
            continue
        person = people[0]
        if Conviction.objects.filter(
            offender__person=person, offence=row.offence, court_result_at=row.court_result_at
        ).exists():
            result.already += 1
            continue
        try:
            convicted = offender_convict(
                actor=actor,
                person=person,
                offence=row.offence,
                notifiable=row.notifiable,
                court_result_at=row.court_result_at,
                period_years=row.period_years,
                indefinite=row.indefinite,
                custody=row.custody,
                channel=channel,
            )
        except (InvalidInput, AccessDenied) as exc:
            why = "; ".join(exc.errors.values()) if isinstance(exc, InvalidInput) else exc.message
            result.unmatched.append((row.line, name, why))
            continue
        result.recorded.append(convicted.conviction)
    return result


# -- supervisors' cover (RSO-7) -------------------------------------------------------------------------


def absence_record(
    *,
    actor: User,
    cover: User,
    starts_on: date | None,
    ends_on: date | None,
    reason: str = "",
    channel: str = "web",
) -> SupervisorAbsence:
    """A supervisor records their own absence and names who covers: their own act, never typed by another."""
    if not rules.is_supervisor(actor):
        raise AccessDenied("Only a supervisor (sergeant or above) records an absence with cover.")
    errors: dict[str, str] = {}
    if starts_on is None:
        errors["starts_on"] = "Enter the first day of the absence."
    if ends_on is None:
        errors["ends_on"] = "Enter the last day of the absence."
    elif starts_on is not None and ends_on < starts_on:
        errors["ends_on"] = "The last day must be the same as or after the first day."
    if cover.pk == actor.pk:
        errors["cover"] = "Choose someone else to cover for you."
    elif not cover.is_active or not rules.is_supervisor(cover):
        errors["cover"] = "Choose a supervisor (sergeant or above) to cover."
    if not errors and starts_on is not None and ends_on is not None:
        if SupervisorAbsence.objects.filter(supervisor=actor, starts_on__lte=ends_on, ends_on__gte=starts_on).exists():
            errors["starts_on"] = "You already have an absence recorded for some of these days."
        elif SupervisorAbsence.objects.filter(
            supervisor=cover, starts_on__lte=ends_on, ends_on__gte=starts_on
        ).exists():
            errors["cover"] = f"{cover.display_name} is away for some of these days: choose someone else."
    if errors or starts_on is None or ends_on is None:
        raise InvalidInput(errors)
    with transaction.atomic():
        absence = SupervisorAbsence(
            supervisor=actor,
            cover=cover,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=str(reason or "").strip()[:200],
            recorded_at=clock.now(),
            recorded_by=actor,
        )
        absence.full_clean()
        absence.save()
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="supervisor.absence",
            subject=absence,
            new={"cover": cover.pk, "starts_on": starts_on, "ends_on": ends_on},
            channel=channel,
        )
    return absence


# -- orders ---------------------------------------------------------------------------------------------


def order_record(
    *,
    actor: User,
    offender: Offender,
    kind: str,
    made_on: date | None,
    ends_on: date | None,
    prohibitions: str,
    channel: str = "web",
) -> Order:
    """A sexual harm prevention order, notification order or sexual risk order, with its prohibitions."""
    _manage(actor, offender)
    errors: dict[str, str] = {}
    kind = _choice(errors, "kind", kind, OrderKind, "the kind of order")
    prohibitions = _text(errors, "prohibitions", prohibitions, "the order's prohibitions and requirements")
    if made_on is None:
        errors["made_on"] = "Enter the date the order was made."
    elif made_on > clock.today_london():
        errors["made_on"] = "The date the order was made can't be in the future."
    elif ends_on is not None and ends_on <= made_on:
        errors["ends_on"] = "The end date must be after the date the order was made."
    if errors or made_on is None:
        raise InvalidInput(errors)
    with transaction.atomic():
        order = Order(
            offender=offender,
            kind=kind,
            made_on=made_on,
            ends_on=ends_on,
            prohibitions=prohibitions,
            recorded_at=clock.now(),
            recorded_by=actor,
        )
        order.full_clean()
        order.save()
        _audit(
            actor,
            AuditCategory.COLLECTION,
            "offender.order",
            order,
            offender,
            channel,
            new={"kind": kind, "made_on": made_on, "ends_on": ends_on},
        )
    return order
