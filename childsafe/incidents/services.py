"""Control-room writes: record, update, THRIVE, regrade (CR-1), allocate (CR-2), close.

Other apps add guards to closing an incident (MP-7 lives in missing/rules.py) and work to recording
one (Operation Encompass, RF-9) through the two explicit registries below, so that incidents never
imports the apps that build on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F

from childsafe.core import access, approvals, audit, clock, language, policy
from childsafe.core.errors import InvalidInput, Prompt, RuleRefusal
from childsafe.core.ids import next_daily_reference
from childsafe.core.models import Approval, AuditCategory, Team, User
from childsafe.core.roles import SUPERVISING_ROLES, Capability
from childsafe.core.text import check_text
from childsafe.incidents.models import (
    CHILD_WELFARE_TYPES,
    CallReview,
    GradeChange,
    Incident,
    IncidentPerson,
    IncidentType,
    IncidentUpdate,
    PersonRole,
    ThriveAssessment,
)
from childsafe.people.intelligence import Picture, intelligence_check
from childsafe.people.models import Person

RESTRICTED_TEAM_KINDS = policy.define(
    "incidents.cr2_restricted_team_kinds",
    default="initial_inquiry,diary_appointment",
    unit="list",
    rule_id="CR-2",
    description="Team kinds that may not take a child-welfare incident (comma-separated).",
)

# (incident, the user closing it, the supervisor's decided approval if the closure was approved)
CloseGuard = Callable[[Incident, User, Approval | None], None]
RecordedHook = Callable[[Incident, User | None], list[Prompt]]
CLOSE_GUARDS: list[CloseGuard] = []
RECORDED_HOOKS: list[RecordedHook] = []


def close_guard(fn: CloseGuard) -> CloseGuard:
    CLOSE_GUARDS.append(fn)
    return fn


def recorded_hook(fn: RecordedHook) -> RecordedHook:
    RECORDED_HOOKS.append(fn)
    return fn


@dataclass
class ChildOnIncident:
    person: Person
    present: bool | None = None
    resident: bool | None = None


@dataclass
class AdultOnIncident:
    person: Person
    role: str


@dataclass
class IncidentRecorded:
    incident: Incident
    prompts: list[Prompt] = field(default_factory=list)
    pictures: dict[int, Picture] = field(default_factory=dict)


def _text(
    errors: dict[str, str], name: str, value: Any, label: str, *, required: bool = True, max_length: int = 10_000
) -> str:
    return check_text(errors, name, value, f"the {label}", required=required, max_length=max_length)


def concerns_children(incident: Incident) -> bool:
    return incident.type in CHILD_WELFARE_TYPES or incident.people.filter(role=PersonRole.CHILD).exists()


def incident_record(
    *,
    actor: User | None,
    type: str,
    grade: int,
    location: str,
    summary: str,
    children: list[ChildOnIncident] | None = None,
    adults: list[AdultOnIncident] | None = None,
    evidence_advice_given: bool | None = None,
    channel: str = "web",
    check_children: bool = True,
    occurred_at: datetime | None = None,
) -> IncidentRecorded:
    """Record an incident. Runs the intelligence check on every child named (CR-4) and returns prompts.

    `occurred_at` is when it happened, if not now: an incident recorded late is still recorded (and
    Operation Encompass flags its notification as late, RF-9)."""
    if actor is not None:
        access.require(actor, Capability.INCIDENT_RECORD)
    errors: dict[str, str] = {}
    if type not in IncidentType.values:
        errors["type"] = f"{type!r} is not an incident type. Use one of: {', '.join(IncidentType.values)}."
    try:
        grade = int(grade)
        if grade not in (1, 2, 3, 4):
            raise ValueError
    except (TypeError, ValueError):
        errors["grade"] = "Choose a grade from 1 (emergency) to 4 (resolved without deployment)."
    location = _text(errors, "location", location, "location", max_length=300)
    summary = _text(errors, "summary", summary, "summary of what was reported")
    adults = adults or []
    for adult in adults:
        if adult.role not in PersonRole.values or adult.role == PersonRole.CHILD:
            errors["adults"] = (
                f"{adult.role!r} is not a role for an adult: use victim, suspect, reporting_person, witness or other."
            )
    children = children or []
    ids = [c.person.pk for c in children]
    if len(ids) != len(set(ids)):
        errors["children"] = "A child is named twice on this incident."
    now = clock.now()
    if occurred_at is not None and (occurred_at.tzinfo is None or occurred_at > now):
        errors["occurred_at"] = (
            "The time the incident happened must be now or in the past. Enter when it happened, "
            "or leave it blank if it is happening now."
        )
    if errors:
        raise InvalidInput(errors)
    # The number in its own short transaction, and the audit events written together at the end: the two rows
    # every recording queues for (the day's counter, the audit chain's tail) are locked for a few statements,
    # not for the intelligence check and the hooks, so call handlers recording at once don't wait for each
    # other (bench/encompass_latency.py --burst; ADR 0056).
    reference = next_daily_reference(Incident, "NYP")
    with transaction.atomic(), audit.deferred():
        incident = Incident(
            reference=reference,
            type=type,
            grade=grade,
            location_text=location,
            summary=summary,
            created_at=now,
            occurred_at=occurred_at or now,
            created_by=actor,
            evidence_advice_given=evidence_advice_given,
            area=children[0].person.area if children else None,
        )
        incident.full_clean(exclude=["reference"])
        for attempt in range(5):
            try:
                with transaction.atomic():  # a savepoint: another handler may take the number first
                    incident.save()
                break
            except IntegrityError:
                if attempt == 4:
                    raise
                incident.pk = None
                incident.reference = next_daily_reference(Incident, "NYP")
        for child in children:
            IncidentPerson.objects.create(
                incident=incident,
                person=child.person,
                role=PersonRole.CHILD,
                present=child.present,
                resident=child.resident,
            )
        for adult in adults:
            IncidentPerson.objects.get_or_create(incident=incident, person=adult.person, role=adult.role)
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="incident.record",
            subject=incident,
            person_id=children[0].person.pk if children else None,
            channel=channel,
            new={
                "type": type,
                "grade": grade,
                "occurred_at": incident.occurred_at.isoformat(),
                "children": ids,
                "adults": [(a.person.pk, a.role) for a in adults],
            },
        )
        # A missing report runs the check itself once its episode exists (so the episode counts).
        pictures = {
            c.person.pk: intelligence_check(
                person=c.person, actor=actor, context_type="incidents.incident", context_id=incident.pk
            )
            for c in (children if check_children else [])
        }
        prompts = language.check(
            texts={"summary": summary}, user=actor, subject_type="incidents.incident", subject_id=incident.pk
        )
        if children and type in CHILD_WELFARE_TYPES:
            prompts.append(
                Prompt(
                    "CR-3", "Record a THRIVE assessment for this incident before grading the response.", field="thrive"
                )
            )
        if type == IncidentType.ONLINE_ABUSE and not evidence_advice_given:
            prompts.append(
                Prompt(
                    "CR-5",
                    "Tell the caller how to keep the evidence: don't delete messages, "
                    "images or accounts; take screenshots showing usernames and times; "
                    "keep the device switched on and unchanged. Record that you did.",
                    field="evidence_advice_given",
                )
            )
        for hook in RECORDED_HOOKS:
            prompts.extend(hook(incident, actor))
    return IncidentRecorded(incident, prompts, pictures)


def thrive_record(
    *,
    actor: User | None,
    incident: Incident,
    threat: str,
    harm: str,
    risk: str,
    investigation: str,
    vulnerability: str,
    engagement: str,
    channel: str = "web",
) -> tuple[ThriveAssessment, list[Prompt]]:
    """A new THRIVE assessment. Earlier ones are kept (CR-3)."""
    if actor is not None:
        access.require(actor, Capability.INCIDENT_RECORD)
    errors: dict[str, str] = {}
    values = {
        name: _text(errors, name, value, f"{name} section")
        for name, value in (
            ("threat", threat),
            ("harm", harm),
            ("risk", risk),
            ("investigation", investigation),
            ("vulnerability", vulnerability),
            ("engagement", engagement),
        )
    }
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        thrive = ThriveAssessment.objects.create(incident=incident, at=clock.now(), by=actor, **values)
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="thrive.record",
            subject=thrive,
            person_id=_first_child_id(incident),
            new=values,
            channel=channel,
        )
        prompts = language.check(
            texts=values, user=actor, subject_type="incidents.thriveassessment", subject_id=thrive.pk
        )
    return thrive, prompts


def incident_add_information(*, actor: User, incident: Incident, text: str, channel: str = "web") -> list[Prompt]:
    """New information on an open incident: kept, and a prompt to re-THRIVE (CR-3)."""
    access.require(actor, Capability.INCIDENT_RECORD)
    errors: dict[str, str] = {}
    text = _text(errors, "text", text, "new information")
    if not incident.is_open:
        errors["incident"] = "This incident is closed. Open a new incident for new information."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        update = IncidentUpdate.objects.create(incident=incident, text=text, at=clock.now(), by=actor)
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="incident.add_information",
            subject=incident,
            person_id=_first_child_id(incident),
            new={"text": text},
            channel=channel,
        )
        prompts = language.check(
            texts={"text": text}, user=actor, subject_type="incidents.incidentupdate", subject_id=update.pk
        )
    if concerns_children(incident):
        prompts.append(Prompt("CR-3", "New information: re-assess THRIVE. The earlier assessment is kept."))
    return prompts


def incident_regrade(
    *,
    actor: User,
    incident: Incident,
    grade: int,
    rationale: str,
    version: int | None = None,
    channel: str = "web",
) -> Incident:
    """Change the response grade. Downgrading a child incident needs a supervisor's approval (CR-1):
    ask for it with `incident_regrade_request`; it is carried out when the supervisor approves."""
    access.require(actor, Capability.INCIDENT_RECORD)
    grade, rationale = _regrade_input(grade, rationale)
    return _regrade(actor=actor, incident=incident, grade=grade, rationale=rationale, version=version, channel=channel)


def incident_regrade_request(
    *,
    actor: User,
    incident: Incident,
    grade: int,
    rationale: str,
    version: int | None = None,
    channel: str = "web",
) -> Approval:
    """Ask a supervisor to approve a downgrade (CR-1): it waits on the supervisors' list for the area."""
    access.require(actor, Capability.INCIDENT_RECORD)
    grade, rationale = _regrade_input(grade, rationale)
    current = Incident.objects.get(pk=incident.pk)
    if version is not None and current.version != version:
        raise InvalidInput({"grade": STALE})
    if grade <= current.grade or not concerns_children(current):
        raise InvalidInput({"grade": "Only a downgrade of an incident that concerns a child needs approval."})
    return approvals.approval_request(
        actor=actor,
        kind="incident.downgrade",
        rule_id="CR-1",
        subject=current,
        summary=f"Downgrade {current.reference} from grade {current.grade} to grade {grade}",
        reason=rationale,
        approver_roles=SUPERVISING_ROLES,
        area=current.area,
        person_id=_first_child_id(current),
        payload={"grade": grade, "from_grade": current.grade, "version": current.version},
        url=f"/incidents/{current.pk}/",
        channel=channel,
    )


@approvals.handler("incident.downgrade")
def _approved_downgrade(approval: Approval, approver: User) -> None:
    incident = Incident.objects.get(pk=int(approval.subject_id))
    _regrade(
        actor=approval.requested_by,
        incident=incident,
        grade=int(approval.payload["grade"]),
        rationale=approval.reason,
        version=int(approval.payload["version"]),
        approved_by=approver,
        channel="web",
    )


STALE = "Someone changed this incident a moment ago. Check the incident again before you save."


def _regrade_input(grade: Any, rationale: str) -> tuple[int, str]:
    errors: dict[str, str] = {}
    rationale = _text(errors, "rationale", rationale, "rationale for the new grade")
    try:
        grade = int(grade)
        if grade not in (1, 2, 3, 4):
            raise ValueError
    except (TypeError, ValueError):
        errors["grade"] = "Choose a grade from 1 (emergency) to 4 (resolved without deployment)."
    if errors:
        raise InvalidInput(errors)
    return grade, rationale


def _regrade(
    *,
    actor: User,
    incident: Incident,
    grade: int,
    rationale: str,
    version: int | None,
    approved_by: User | None = None,
    channel: str,
) -> Incident:
    with transaction.atomic():
        # Judged against the grade the database holds, under a lock: two regrades at once can't both pass
        # (a downgrade slipping past CR-1 because each saw the other's old grade).
        current = Incident.objects.select_for_update().get(pk=incident.pk)
        if version is not None and current.version != version:
            raise InvalidInput({"grade": STALE})
        if grade == current.grade:
            raise InvalidInput({"grade": f"The incident is already grade {grade}."})
        downgrade = grade > current.grade
        if downgrade and concerns_children(current) and approved_by is None:
            raise RuleRefusal(
                "CR-1",
                "Downgrading an incident that concerns a child needs a supervisor's approval. "
                "Send it to a supervisor, FIM or CII with your rationale; the grade changes when they approve.",
                field="grade",
            )
        old = current.grade
        GradeChange.objects.create(
            incident=current,
            from_grade=old,
            to_grade=grade,
            rationale=rationale,
            approved_by=approved_by if downgrade else None,
            at=clock.now(),
            by=actor,
        )
        Incident.objects.filter(pk=current.pk).update(grade=grade, version=F("version") + 1)
        audit.record(
            actor=approved_by or actor,
            category=AuditCategory.ALTERATION,
            event_type="incident.regrade",
            subject=current,
            person_id=_first_child_id(current),
            old={"grade": old},
            new={
                "grade": grade,
                "rationale": rationale,
                "requested_by": actor.username,
                "approved_by": approved_by.username if approved_by else None,
            },
            channel=channel,
        )
    incident.refresh_from_db()
    return incident


def incident_allocate(
    *,
    actor: User,
    incident: Incident,
    team: Team | None = None,
    user: User | None = None,
    version: int | None = None,
    channel: str = "web",
) -> Incident:
    """Allocate to a team or an officer. Child welfare never goes to initial inquiry or diary (CR-2)."""
    access.require(actor, Capability.INCIDENT_RECORD)
    if (team is None) == (user is None):
        raise InvalidInput({"to": "Allocate to one team or one officer."})
    if not incident.is_open:
        raise InvalidInput({"incident": "This incident is closed."})
    restricted = {k.strip() for k in str(policy.get(RESTRICTED_TEAM_KINDS.key)).split(",") if k.strip()}
    target_team = team or (user.team if user else None)
    if target_team is not None and target_team.kind in restricted and concerns_children(incident):
        raise RuleRefusal(
            "CR-2",
            f"A child-welfare incident can't go to {target_team.name}. Allocate it to an "
            "officer or team who can attend and assess the child.",
            field="to",
        )
    with transaction.atomic():
        if version is not None:
            updated = Incident.objects.filter(pk=incident.pk, version=version).update(
                allocated_team=team, allocated_user=user, version=F("version") + 1
            )
            if not updated:
                raise InvalidInput({"to": STALE})
        else:
            Incident.objects.filter(pk=incident.pk).update(
                allocated_team=team, allocated_user=user, version=F("version") + 1
            )
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="incident.allocate",
            subject=incident,
            person_id=_first_child_id(incident),
            new={"team": team.name if team else None, "user": user.username if user else None},
            channel=channel,
        )
    incident.refresh_from_db()
    return incident


def incident_close(
    *,
    actor: User,
    incident: Incident,
    outcome: str,
    version: int | None = None,
    channel: str = "web",
    _approval: Approval | None = None,
) -> Incident:
    """Close an incident. Registered guards may refuse (MP-7: a missing child must not vanish into
    'concern for safety'); then a supervisor may approve the closure (`incident_close_request`)."""
    access.require(actor, Capability.INCIDENT_RECORD)
    errors: dict[str, str] = {}
    outcome = _text(errors, "outcome", outcome, "outcome")
    if not incident.is_open:
        errors["incident"] = "This incident is already closed."
    if errors:
        raise InvalidInput(errors)
    for guard in CLOSE_GUARDS:
        guard(incident, actor, _approval)
    with transaction.atomic():
        match = {"version": version} if version is not None else {}
        closed = Incident.objects.filter(pk=incident.pk, closed_at__isnull=True, **match).update(
            closed_at=clock.now(),
            closed_by=actor,
            outcome=outcome,
            closure_reason=_approval.decision_reason if _approval else "",
            closure_approved_by=_approval.decided_by if _approval else None,
            version=F("version") + 1,
        )
        if not closed:
            raise InvalidInput({"incident": "Someone closed or changed this incident a moment ago."})
        audit.record(
            actor=_approval.decided_by if _approval and _approval.decided_by else actor,
            category=AuditCategory.ALTERATION,
            event_type="incident.close",
            subject=incident,
            person_id=_first_child_id(incident),
            new={
                "outcome": outcome,
                "requested_by": actor.username,
                "approved_by": _approval.decided_by.username if _approval and _approval.decided_by else None,
            },
            channel=channel,
        )
    incident.refresh_from_db()
    return incident


def incident_close_request(
    *, actor: User, incident: Incident, outcome: str, reason: str, channel: str = "web"
) -> Approval:
    """Ask a supervisor to approve a closure a guard refused (MP-7), with why it should close anyway."""
    access.require(actor, Capability.INCIDENT_RECORD)
    errors: dict[str, str] = {}
    outcome = _text(errors, "outcome", outcome, "outcome")
    if not incident.is_open:
        errors["incident"] = "This incident is already closed."
    if errors:
        raise InvalidInput(errors)
    return approvals.approval_request(
        actor=actor,
        kind="incident.close",
        rule_id="MP-7",
        subject=incident,
        summary=f"Close {incident.reference} ({incident.get_type_display().lower()})",
        reason=reason,
        approver_roles=SUPERVISING_ROLES,
        area=incident.area,
        person_id=_first_child_id(incident),
        payload={"outcome": outcome},
        url=f"/incidents/{incident.pk}/",
        channel=channel,
    )


@approvals.handler("incident.close")
def _approved_close(approval: Approval, approver: User) -> None:
    incident = Incident.objects.get(pk=int(approval.subject_id))
    incident_close(
        actor=approval.requested_by, incident=incident, outcome=str(approval.payload["outcome"]), _approval=approval
    )


def _first_child_id(incident: Incident) -> int | None:
    return incident.people.filter(role=PersonRole.CHILD).values_list("person_id", flat=True).first()


def call_review_record(*, actor: User, incident: Incident, findings: str, channel: str = "web") -> CallReview:
    """A manager reviews how a call handler dealt with a child-protection call (CR-6)."""
    access.require(actor, Capability.INCIDENT_SUPERVISE)
    errors: dict[str, str] = {}
    findings = _text(errors, "findings", findings, "findings of your review")
    if incident.created_by_id is None:
        errors["incident"] = "This incident has no call handler recorded to review."
    elif incident.created_by_id == actor.pk:
        errors["incident"] = "A manager other than the call handler reviews the call."
    if not concerns_children(incident):
        errors["incident"] = "Only calls about children are reviewed for call monitoring."
    handler = incident.created_by
    if errors or handler is None:
        raise InvalidInput(errors)
    with transaction.atomic():
        try:
            with transaction.atomic():
                review = CallReview.objects.create(
                    incident=incident,
                    handler=handler,
                    reviewer=actor,
                    findings=findings,
                    at=clock.now(),
                )
        except IntegrityError:
            raise InvalidInput({"incident": "This call has already been reviewed."}) from None
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="incident.call_review",
            subject=incident,
            person_id=_first_child_id(incident),
            new={"findings": findings},
            channel=channel,
        )
    return review
