"""Investigation writes: open, allocate (INV-1), supervise (INV-2), activity (INV-3), DFU requests (INV-4),
forensic submissions (INV-5), suspects' access to children (INV-6, starting RF-7), bail (INV-7), victim
identification offers (INV-8), closure. Each in one transaction with its audit; clocks in rules.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.db.models import F, Model

from childsafe.core import access, audit, clock, language, supervision
from childsafe.core.errors import AccessDenied, InvalidInput, Prompt, RuleRefusal
from childsafe.core.ids import next_daily_reference
from childsafe.core.models import AuditCategory, User
from childsafe.core.roles import AREA_ROLES, FORCE_WIDE_ROLES, Capability, Role
from childsafe.core.text import check_text
from childsafe.incidents.models import Incident
from childsafe.investigations import rules
from childsafe.investigations.models import (
    ACCREDITATION,
    Activity,
    Allocation,
    Bail,
    BailOutcome,
    DfuRequest,
    ForensicSubmission,
    Investigation,
    InvestigationOutcome,
    InvestigationPerson,
    InvestigationStatus,
    InvestigationType,
    PersonRole,
    SupervisionReview,
    SuspectAccess,
    VioOffer,
    VioResponse,
)
from childsafe.people.access import Decision, decide
from childsafe.people.models import Person
from childsafe.referrals.services import ppn_requirement_open

M = TypeVar("M", bound=Model)
STALE = "Someone changed this investigation a moment ago. Check the latest details, then make your change again."
MAX_TEXT = 10_000


@dataclass
class Saved:
    """A record a service saved, with any prompts for the user."""

    record: Any
    prompts: list[Prompt] = field(default_factory=list)


def _text(errors: dict[str, str], name: str, value: Any, label: str, *, required: bool = True) -> str:
    return check_text(errors, name, value, label, required=required, max_length=MAX_TEXT)


def _create(model: type[M], **fields: Any) -> M:
    """Build, `full_clean()` (choices, lengths, required fields) and save: the model's own invariants hold
    whatever called the service. Uniqueness is the database's word (a reference clash is retried)."""
    record = model(**fields)
    record.full_clean(validate_unique=False, validate_constraints=False)
    record.save(force_insert=True)
    return record


def _audit(actor: User | None, category: str, event_type: str, inv: Investigation, channel: str, **kw: Any) -> None:
    audit.record(actor=actor, category=category, event_type=event_type, subject=inv, channel=channel, **kw)


# -- reach (need to know) ------------------------------------------------------------------------------
def involved(user: User, inv: Investigation) -> bool:
    return user.pk in {inv.officer_id, inv.supervisor_id, inv.opened_by_id}


def can_reach(user: User, inv: Investigation) -> bool:
    """Need to know for an investigation, as for incidents: force-wide teams (DFU, VAT, MHET...), the
    officers on it, and officers of its command area; anyone else is not on it."""
    if user.role in FORCE_WIDE_ROLES or involved(user, inv):
        return True
    if user.role in AREA_ROLES:
        return inv.area_id is None or inv.area_id == user.area_id
    return False


def require_reach(user: User, inv: Investigation) -> None:
    if not can_reach(user, inv):
        raise AccessDenied(
            f"Investigation {inv.reference} is outside your area and you are not on it. Ask its supervisor to "
            "add you if you need to work on it."
        )


def _require_person(user: User, person: Person) -> None:
    if decide(user, person).decision is Decision.HIDDEN:
        raise AccessDenied("You can't name that person on an investigation.")


def _lock(inv: Investigation, expected_version: int | None) -> Investigation:
    """The investigation under a row lock; a stale version is refused, so no edit is lost."""
    locked = Investigation.objects.select_for_update().get(pk=inv.pk)
    if expected_version is not None and expected_version != locked.version:
        raise InvalidInput({"investigation": STALE})
    return locked


def _require_open(inv: Investigation) -> None:
    if inv.status == InvestigationStatus.CLOSED:
        raise InvalidInput({"investigation": f"Investigation {inv.reference} is closed."})


def _touch(inv: Investigation, now: datetime) -> None:
    """Recorded work: INV-3's drift clock restarts from here."""
    Investigation.objects.filter(pk=inv.pk, last_activity_at__lt=now).update(last_activity_at=now)


# -- open ----------------------------------------------------------------------------------------------
def investigation_open(
    *,
    actor: User,
    type: str,
    victims: list[Person],
    suspects: list[Person],
    summary: str,
    incident: Incident | None = None,
    channel: str = "web",
) -> Saved:
    """Open an investigation, from an incident or on its own. A child victim starts RF-7's PPN clock."""
    access.require(actor, Capability.INVESTIGATION_WORK)
    errors: dict[str, str] = {}
    if type not in InvestigationType.values:
        errors["type"] = "Choose the type of investigation."
    summary = _text(errors, "summary", summary, "a summary of what is being investigated")
    victim_ids = [p.pk for p in victims]
    suspect_ids = [p.pk for p in suspects]
    if len(set(victim_ids)) != len(victim_ids) or len(set(suspect_ids)) != len(suspect_ids):
        errors["people"] = "A person is named twice in the same role."
    if set(victim_ids) & set(suspect_ids):
        errors["people"] = "A person can't be both a victim and a suspect on the same investigation."
    if not victims and not suspects:
        errors["people"] = "Name at least one victim or suspect (victims may be unknown yet, as in online abuse)."
    if errors:
        raise InvalidInput(errors)
    for person in [*victims, *suspects]:
        _require_person(actor, person)
    now = clock.now()
    today = clock.today_london()
    with transaction.atomic():
        for attempt in range(5):
            try:
                with transaction.atomic():
                    inv = _create(
                        Investigation,
                        reference=next_daily_reference(Investigation, "INV"),
                        type=type,
                        summary=summary,
                        incident=incident,
                        area=actor.area or (incident.area if incident else None),
                        opened_at=now,
                        opened_by=actor,
                        last_activity_at=now,
                    )
                break
            except IntegrityError:
                if attempt == 4:
                    raise
        for role, people in ((PersonRole.VICTIM, victims), (PersonRole.SUSPECT, suspects)):
            for person in people:
                _create(InvestigationPerson, investigation=inv, person=person, role=role)
                _audit(
                    actor,
                    AuditCategory.COLLECTION,
                    "investigation.open",
                    inv,
                    channel,
                    person_id=person.pk,
                    new={"type": type, "role": role, "reference": inv.reference},
                )
        children = [v for v in victims if v.is_child_on(today)]
        prompts = language.check(
            texts={"summary": summary}, user=actor, subject_type="investigations.investigation", subject_id=inv.pk
        )
        if children:
            # RF-7: an investigation with a child victim leads to a PPN about that child.
            ppn_requirement_open(
                subject=inv,
                children=children,
                due_from=actor,
                reason=f"Investigation {inv.reference} names a child victim.",
                started_at=now,
                url=f"/investigations/{inv.pk}/",
            )
            prompts.append(
                Prompt("RF-7", "Submit a PPN for each child victim within 24 hours, unless one has been submitted.")
            )
    return Saved(inv, prompts)


# -- allocate (INV-1) ----------------------------------------------------------------------------------
def allocation_problem(inv: Investigation, officer: User) -> str:
    """Why INV-1 would refuse this officer without an override rationale ("" when it wouldn't)."""
    skill = ACCREDITATION.get(InvestigationType(inv.type)) if inv.type in InvestigationType.values else None
    if skill and not officer.has_skill(skill):
        return (
            f"{officer.get_full_name() or officer.username} does not hold the accreditation a "
            f"{inv.get_type_display().lower()} investigation needs. Choose an accredited officer, or record "
            "why this officer should have it."
        )
    return ""


def investigation_allocate(
    *,
    actor: User,
    investigation: Investigation,
    officer: User,
    rationale: str = "",
    expected_version: int | None = None,
    channel: str = "web",
) -> Allocation:
    """Allocate to an officer in the case. INV-1: online CSA, CSE and complex child abuse need the matching
    accreditation unless the allocating sergeant records an override rationale; another area needs one too.
    Two sergeants allocating at once: the second is told it changed (version under a row lock)."""
    access.require(actor, Capability.INVESTIGATION_SUPERVISE)
    require_reach(actor, investigation)
    rationale = (rationale or "").strip()
    errors: dict[str, str] = {}
    if not officer.is_active or officer.role != Role.INVESTIGATOR:
        errors["officer"] = "Choose an investigator from the list."
    other_area = bool(investigation.area_id and officer.area_id and officer.area_id != investigation.area_id)
    if other_area and not rationale:
        errors["rationale"] = (
            f"{officer.get_full_name() or officer.username} works in another area. Record why they should have "
            "this investigation."
        )
    if errors:
        raise InvalidInput(errors)
    problem = allocation_problem(investigation, officer)
    if problem and not rationale:
        raise RuleRefusal("INV-1", problem, field="officer")
    if rationale:
        rationale = supervision.require_reasoned_entry(rationale, "INV-1", field="rationale", label="rationale")
    now = clock.now()
    with transaction.atomic():
        inv = _lock(investigation, expected_version)
        _require_open(inv)
        if inv.officer_id == officer.pk:
            raise InvalidInput({"officer": f"Investigation {inv.reference} is already allocated to this officer."})
        old = {"officer": inv.officer_id}
        allocation = _create(
            Allocation,
            investigation=inv,
            officer=officer,
            by=actor,
            at=now,
            rationale=rationale,
            override_accreditation=ACCREDITATION.get(InvestigationType(inv.type), "") if problem else "",
            other_area=other_area,
        )
        first_review = now + rules._hours(rules.FIRST_REVIEW_HOURS)
        reviewed = inv.reviews.exists()
        Investigation.objects.filter(pk=inv.pk).update(
            officer=officer,
            supervisor=actor,
            allocated_at=now,
            status=InvestigationStatus.ALLOCATED,
            review_due_at=inv.review_due_at if reviewed and inv.review_due_at else first_review,
            last_activity_at=now,
            version=F("version") + 1,
        )
        _audit(
            actor,
            AuditCategory.ALTERATION,
            "investigation.allocate",
            inv,
            channel,
            old=old,
            new={"officer": officer.pk, "rationale": rationale, "override": allocation.override_accreditation},
        )
    investigation.refresh_from_db()
    return allocation


# -- supervise (INV-2) ---------------------------------------------------------------------------------
def investigation_supervise(
    *,
    actor: User,
    investigation: Investigation,
    lines_of_enquiry: str,
    safeguarding_actions: str,
    other_children: str,
    next_review_at: datetime | None,
    reviewed_at: datetime | None = None,
    channel: str = "web",
) -> Saved:
    """A supervision review on the template. An entry that says only "seen" or "agreed" is refused (INV-2,
    the same check as RSO-7's); the next review is no more than 28 days away (the force's setting)."""
    access.require(actor, Capability.INVESTIGATION_SUPERVISE)
    require_reach(actor, investigation)
    now = clock.now()
    at = reviewed_at or now
    errors: dict[str, str] = {}
    lines_of_enquiry = _text(errors, "lines_of_enquiry", lines_of_enquiry, "the lines of enquiry")
    safeguarding_actions = _text(errors, "safeguarding_actions", safeguarding_actions, "the safeguarding actions")
    other_children = _text(
        errors, "other_children", other_children, "what is known of other children (or that none are known)"
    )
    if at > now:
        errors["reviewed_at"] = "The review can't be dated in the future."
    elif investigation.allocated_at is None:
        errors["investigation"] = "Allocate the investigation before reviewing it."
    elif at < investigation.allocated_at:
        errors["reviewed_at"] = "The review can't be dated before the investigation was allocated."
    longest = rules._days(rules.REVIEW_DAYS)
    if next_review_at is None:
        errors["next_review_at"] = "Enter the date of the next review."
    elif next_review_at <= at:
        errors["next_review_at"] = "The next review must be after this one."
    elif next_review_at > at + longest:
        errors["next_review_at"] = f"The next review must be within {longest.days} days of this one."
    if errors:
        raise InvalidInput(errors)
    assert next_review_at is not None
    lines_of_enquiry = supervision.require_reasoned_entry(
        lines_of_enquiry, "INV-2", field="lines_of_enquiry", label="lines of enquiry"
    )
    safeguarding_actions = supervision.require_reasoned_entry(
        safeguarding_actions, "INV-2", field="safeguarding_actions", label="safeguarding actions"
    )
    with transaction.atomic():
        inv = _lock(investigation, None)
        _require_open(inv)
        review = _create(
            SupervisionReview,
            investigation=inv,
            by=actor,
            at=at,
            lines_of_enquiry=lines_of_enquiry,
            safeguarding_actions=safeguarding_actions,
            other_children=other_children,
            next_review_at=next_review_at,
        )
        Investigation.objects.filter(pk=inv.pk).update(review_due_at=next_review_at, version=F("version") + 1)
        _touch(inv, at)
        _audit(
            actor,
            AuditCategory.COLLECTION,
            "investigation.supervise",
            inv,
            channel,
            new={"next_review_at": next_review_at.isoformat()},
        )
        prompts = language.check(
            texts={
                "lines_of_enquiry": lines_of_enquiry,
                "safeguarding_actions": safeguarding_actions,
                "other_children": other_children,
            },
            user=actor,
            subject_type="investigations.investigation",
            subject_id=inv.pk,
        )
    return Saved(review, prompts)


# -- activity (INV-3) ----------------------------------------------------------------------------------
def investigation_activity(*, actor: User, investigation: Investigation, note: str, channel: str = "web") -> Saved:
    access.require(actor, Capability.INVESTIGATION_WORK)
    require_reach(actor, investigation)
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, "what was done")
    if errors:
        raise InvalidInput(errors)
    _require_open(investigation)
    now = clock.now()
    with transaction.atomic():
        activity = _create(Activity, investigation=investigation, by=actor, at=now, note=note)
        _touch(investigation, now)
        _audit(actor, AuditCategory.COLLECTION, "investigation.activity", investigation, channel, new={"note": note})
        prompts = language.check(
            texts={"note": note}, user=actor, subject_type="investigations.investigation", subject_id=investigation.pk
        )
    return Saved(activity, prompts)


# -- close ---------------------------------------------------------------------------------------------
def investigation_close(
    *,
    actor: User,
    investigation: Investigation,
    outcome: str,
    rationale: str,
    expected_version: int | None = None,
    channel: str = "web",
) -> Investigation:
    """Close with an outcome and the supervisor's own rationale. A closed investigation stays in the
    chronology; its clocks stop."""
    access.require(actor, Capability.INVESTIGATION_SUPERVISE)
    require_reach(actor, investigation)
    errors: dict[str, str] = {}
    if outcome not in InvestigationOutcome.values:
        errors["outcome"] = "Choose the outcome."
    rationale = _text(errors, "rationale", rationale, "your rationale for closing it")
    if errors:
        raise InvalidInput(errors)
    rationale = supervision.require_reasoned_entry(rationale, "INV-2", field="rationale", label="closing rationale")
    now = clock.now()
    with transaction.atomic():
        inv = _lock(investigation, expected_version)
        _require_open(inv)
        Investigation.objects.filter(pk=inv.pk).update(
            status=InvestigationStatus.CLOSED,
            closed_at=now,
            closed_by=actor,
            outcome=outcome,
            closure_rationale=rationale,
            version=F("version") + 1,
        )
        _audit(actor, AuditCategory.ALTERATION, "investigation.close", inv, channel, new={"outcome": outcome})
    investigation.refresh_from_db()
    return investigation


# -- suspects' access to children (INV-6 -> RF-7) ------------------------------------------------------
def _suspect_on(inv: Investigation, suspect: Person) -> None:
    if not inv.people.filter(person=suspect, role=PersonRole.SUSPECT).exists():
        raise InvalidInput({"suspect": f"{suspect.full_name} is not a suspect on investigation {inv.reference}."})


def suspect_access_record(
    *,
    actor: User,
    investigation: Investigation,
    suspect: Person,
    source: str,
    detail: str,
    children: list[Person] | None = None,
    channel: str = "web",
) -> Saved:
    """Record that a suspect has access to children (household, own children, a remark on the detention
    log, any source). INV-6 prompts a PPN for those children and RF-7's 24-hour clock starts on this record,
    whether the children are known yet or not."""
    access.require(actor, Capability.INVESTIGATION_WORK)
    require_reach(actor, investigation)
    children = children or []
    errors: dict[str, str] = {}
    source = _text(errors, "source", source, "where this came from (for example, a custody remark)")
    detail = _text(errors, "detail", detail, "what is known")
    if len({c.pk for c in children}) != len(children):
        errors["children"] = "A child is named twice."
    if suspect in children:
        errors["children"] = "The suspect can't be one of the children."
    if errors:
        raise InvalidInput(errors)
    _require_open(investigation)
    _suspect_on(investigation, suspect)
    for child in children:
        _require_person(actor, child)
    now = clock.now()
    with transaction.atomic():
        record = _create(
            SuspectAccess, investigation=investigation, suspect=suspect, source=source, detail=detail, at=now, by=actor
        )
        if children:
            record.children.add(*children)
        _touch(investigation, now)
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="suspect.access_to_children",
            subject=record,
            person_id=suspect.pk,
            channel=channel,
            new={"source": source, "children": [c.pk for c in children]},
        )
        ppn_requirement_open(
            subject=record,
            children=children,
            due_from=investigation.officer or actor,
            reason=f"{suspect.full_name} has access to children ({source}).",
            started_at=now,
            url=f"/investigations/{investigation.pk}/",
        )
        names = ", ".join(c.full_name for c in children)
        prompts = [
            Prompt(
                "INV-6",
                f"Submit a PPN for {names} within 24 hours."
                if children
                else "Find out which children the suspect has access to and submit a PPN for them within 24 hours.",
            ),
            *language.check(
                texts={"detail": detail}, user=actor, subject_type="investigations.suspectaccess", subject_id=record.pk
            ),
        ]
    return Saved(record, prompts)


# -- bail (INV-7) --------------------------------------------------------------------------------------
def bail_set(
    *,
    actor: User,
    investigation: Investigation,
    suspect: Person,
    conditions: str,
    ends_at: datetime,
    set_at: datetime | None = None,
    channel: str = "web",
) -> Bail:
    access.require(actor, Capability.INVESTIGATION_WORK)
    require_reach(actor, investigation)
    now = clock.now()
    set_at = set_at or now
    errors: dict[str, str] = {}
    conditions = _text(errors, "conditions", conditions, "the bail conditions")
    if set_at > now:
        errors["set_at"] = "Bail can't be set in the future."
    if ends_at <= set_at:
        errors["ends_at"] = "Bail must end after it was set."
    if errors:
        raise InvalidInput(errors)
    _require_open(investigation)
    _suspect_on(investigation, suspect)
    with transaction.atomic():
        bail = _create(
            Bail,
            investigation=investigation,
            suspect=suspect,
            conditions=conditions,
            set_at=set_at,
            set_by=actor,
            ends_at=ends_at,
        )
        _touch(investigation, now)
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="bail.set",
            subject=bail,
            person_id=suspect.pk,
            channel=channel,
            new={"ends_at": ends_at.isoformat(), "conditions": conditions},
        )
    return bail


def bail_end(
    *,
    actor: User,
    bail: Bail,
    outcome: str,
    ends_at: datetime | None = None,
    expected_version: int | None = None,
    channel: str = "web",
) -> Bail:
    """Record what happened when bail ended; `extended` moves the end date on and keeps the bail current."""
    access.require(actor, Capability.INVESTIGATION_WORK)
    require_reach(actor, bail.investigation)
    now = clock.now()
    errors: dict[str, str] = {}
    if outcome not in BailOutcome.values:
        errors["outcome"] = (
            "Choose what happened: charged, released under investigation, no further action or extended."
        )
    elif outcome == BailOutcome.EXTENDED:
        if ends_at is None:
            errors["ends_at"] = "Enter the new date bail ends."
        elif ends_at <= max(bail.ends_at, now):
            errors["ends_at"] = "Extended bail must end after the current end date."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        locked = Bail.objects.select_for_update().get(pk=bail.pk)
        if expected_version is not None and locked.version != expected_version:
            raise InvalidInput({"bail": "Someone changed this bail a moment ago. Check it, then try again."})
        if locked.ended_at is not None:
            raise InvalidInput({"bail": "This bail has already ended."})
        old = {"ends_at": locked.ends_at.isoformat()}
        if outcome == BailOutcome.EXTENDED:
            assert ends_at is not None
            Bail.objects.filter(pk=bail.pk).update(ends_at=ends_at, version=F("version") + 1)
        else:
            Bail.objects.filter(pk=bail.pk).update(
                outcome=outcome, ended_at=now, ended_by=actor, version=F("version") + 1
            )
        _touch(locked.investigation, now)
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="bail.end" if outcome != BailOutcome.EXTENDED else "bail.extend",
            subject=locked,
            person_id=locked.suspect_id,
            channel=channel,
            old=old,
            new={"outcome": outcome, "ends_at": ends_at.isoformat() if ends_at else None},
        )
    bail.refresh_from_db()
    return bail


# -- forensic submissions (INV-5) ----------------------------------------------------------------------
def forensic_submit(
    *, actor: User, investigation: Investigation, item: str, channel: str = "web"
) -> ForensicSubmission:
    access.require(actor, Capability.INVESTIGATION_WORK)
    require_reach(actor, investigation)
    errors: dict[str, str] = {}
    item = _text(errors, "item", item, "what is being submitted")
    if errors:
        raise InvalidInput(errors)
    _require_open(investigation)
    now = clock.now()
    with transaction.atomic():
        sub = _create(
            ForensicSubmission, investigation=investigation, item=item[:300], submitted_at=now, submitted_by=actor
        )
        _touch(investigation, now)
        _audit(actor, AuditCategory.COLLECTION, "forensic.submit", investigation, channel, new={"item": item})
    return sub


def forensic_return(
    *, actor: User, submission: ForensicSubmission, reason: str, channel: str = "web"
) -> ForensicSubmission:
    """The laboratory returned it (for example, wrong forms): resubmission is due within 2 working days."""
    access.require(actor, Capability.INVESTIGATION_WORK)
    require_reach(actor, submission.investigation)
    errors: dict[str, str] = {}
    reason = _text(errors, "reason", reason, "why it was returned")
    if errors:
        raise InvalidInput(errors)
    now = clock.now()
    with transaction.atomic():
        locked = ForensicSubmission.objects.select_for_update().get(pk=submission.pk)
        if locked.returned_at is not None and locked.resubmitted_at is None:
            raise InvalidInput({"submission": "This submission is already recorded as returned."})
        due = rules.add_working_days(now, int(rules.policy.get(rules.RESUBMIT_WORKING_DAYS.key)))
        ForensicSubmission.objects.filter(pk=locked.pk).update(
            returned_at=now, return_reason=reason, resubmit_due_at=due, resubmitted_at=None, version=F("version") + 1
        )
        _touch(locked.investigation, now)
        _audit(
            actor,
            AuditCategory.ALTERATION,
            "forensic.return",
            locked.investigation,
            channel,
            new={"item": locked.item, "reason": reason, "resubmit_due_at": due.isoformat()},
        )
    submission.refresh_from_db()
    return submission


def forensic_resubmit(*, actor: User, submission: ForensicSubmission, channel: str = "web") -> ForensicSubmission:
    access.require(actor, Capability.INVESTIGATION_WORK)
    require_reach(actor, submission.investigation)
    now = clock.now()
    with transaction.atomic():
        locked = ForensicSubmission.objects.select_for_update().get(pk=submission.pk)
        if locked.returned_at is None or locked.resubmitted_at is not None:
            raise InvalidInput({"submission": "Only a returned submission can be resubmitted."})
        ForensicSubmission.objects.filter(pk=locked.pk).update(resubmitted_at=now, version=F("version") + 1)
        _touch(locked.investigation, now)
        _audit(
            actor,
            AuditCategory.ALTERATION,
            "forensic.resubmit",
            locked.investigation,
            channel,
            new={"item": locked.item},
        )
    submission.refresh_from_db()
    return submission


# -- digital forensics (INV-4) -------------------------------------------------------------------------
def dfu_submit(
    *,
    actor: User,
    investigation: Investigation,
    devices: list[str],
    priority: bool = False,
    reason: str = "",
    channel: str = "web",
) -> DfuRequest:
    """Submit devices to the DFU; priority needs its reason (a child at risk)."""
    access.require(actor, Capability.INVESTIGATION_WORK)
    require_reach(actor, investigation)
    errors: dict[str, str] = {}
    devices = [str(d).strip() for d in devices if str(d).strip()]
    if not devices:
        errors["devices"] = "List the devices being submitted."
    reason = (reason or "").strip()
    if priority and not reason:
        errors["reason"] = "Say why this needs priority: which child is at risk, and how."
    if errors:
        raise InvalidInput(errors)
    _require_open(investigation)
    now = clock.now()
    with transaction.atomic():
        request = _create(
            DfuRequest,
            investigation=investigation,
            devices=devices,
            priority=priority,
            priority_reason=reason if priority else "",
            submitted_at=now,
            submitted_by=actor,
        )
        _touch(investigation, now)
        _audit(
            actor,
            AuditCategory.COLLECTION,
            "dfu.submit",
            investigation,
            channel,
            new={"devices": devices, "priority": priority, "reason": reason},
        )
    return request


def dfu_start(*, actor: User, request: DfuRequest, channel: str = "web") -> DfuRequest:
    access.require(actor, Capability.DFU_EXAMINE)
    now = clock.now()
    with transaction.atomic():
        locked = DfuRequest.objects.select_for_update().get(pk=request.pk)
        if locked.started_at is not None:
            raise InvalidInput(
                {"request": f"This examination was already started on {clock_label(locked.started_at)}."}
            )
        DfuRequest.objects.filter(pk=locked.pk).update(started_at=now, started_by=actor, version=F("version") + 1)
        _touch(locked.investigation, now)
        _audit(actor, AuditCategory.ALTERATION, "dfu.start", locked.investigation, channel, new={"request": locked.pk})
    request.refresh_from_db()
    return request


def dfu_complete(*, actor: User, request: DfuRequest, summary: str, channel: str = "web") -> DfuRequest:
    """The examination's results go on the investigation."""
    access.require(actor, Capability.DFU_EXAMINE)
    errors: dict[str, str] = {}
    summary = _text(errors, "summary", summary, "a summary of the results")
    if errors:
        raise InvalidInput(errors)
    now = clock.now()
    with transaction.atomic():
        locked = DfuRequest.objects.select_for_update().get(pk=request.pk)
        if locked.started_at is None:
            raise InvalidInput({"request": "Start the examination before recording it as complete."})
        if locked.completed_at is not None:
            raise InvalidInput({"request": "This examination is already complete."})
        DfuRequest.objects.filter(pk=locked.pk).update(
            completed_at=now, completed_by=actor, results=summary, version=F("version") + 1
        )
        _touch(locked.investigation, now)
        _audit(actor, AuditCategory.ALTERATION, "dfu.complete", locked.investigation, channel, new={"results": summary})
    request.refresh_from_db()
    return request


def clock_label(when: datetime) -> str:
    return when.astimezone(clock.LONDON).strftime("%-d %B %Y at %H:%M")


# -- victim identification offers (INV-8) --------------------------------------------------------------
def vio_offer(*, actor: User, investigation: Investigation, message: str, channel: str = "web") -> VioOffer:
    """A DFU victim identification officer offers help on any investigation."""
    access.require(actor, Capability.DFU_EXAMINE)
    errors: dict[str, str] = {}
    message = _text(errors, "message", message, "the offer of help")
    if errors:
        raise InvalidInput(errors)
    _require_open(investigation)
    with transaction.atomic():
        offer = _create(
            VioOffer, investigation=investigation, message=message, offered_at=clock.now(), offered_by=actor
        )
        _audit(actor, AuditCategory.COLLECTION, "vio.offer", investigation, channel, new={"message": message})
    return offer


def vio_respond(*, actor: User, offer: VioOffer, response: str, reason: str = "", channel: str = "web") -> VioOffer:
    """Only the officer in the case answers; declining needs a reason."""
    inv = offer.investigation
    if actor.pk != inv.officer_id:
        raise RuleRefusal("INV-8", "Only the officer in the case can accept or decline this offer of help.")
    errors: dict[str, str] = {}
    if response not in VioResponse.values:
        errors["response"] = "Choose accept or decline."
    reason = (reason or "").strip()
    if response == VioResponse.DECLINED and not reason:
        errors["reason"] = "Say why the offer is declined."
    if errors:
        raise InvalidInput(errors)
    now = clock.now()
    with transaction.atomic():
        locked = VioOffer.objects.select_for_update().get(pk=offer.pk)
        if locked.responded_at is not None:
            raise InvalidInput({"offer": "This offer has already been answered."})
        VioOffer.objects.filter(pk=locked.pk).update(
            response=response, reason=reason, responded_at=now, responded_by=actor
        )
        _touch(inv, now)
        _audit(
            actor, AuditCategory.ALTERATION, "vio.respond", inv, channel, new={"response": response, "reason": reason}
        )
    offer.refresh_from_db()
    return offer
