"""Case audits (QG-2) and the action plan's evidence (QG-4). Every write: one transaction, audited."""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models, transaction

from childsafe.core import access, audit, clock
from childsafe.core.errors import AccessDenied, InvalidInput, RuleRefusal
from childsafe.core.models import AuditCategory, User
from childsafe.core.roles import Capability
from childsafe.oversight.models import (
    Action,
    ActionStatus,
    AuditCriterion,
    CaseAudit,
    CaseType,
    Evidence,
    Grade,
)

# -- Case audits (QG-2) ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseSource:
    """Where a type of case lives, and how to read its area, officer and supervisor."""

    model: str  # app_label.ModelName
    started: str  # the field that puts a case in a month
    area: str
    officer: str  # fields to try in turn, separated by |: the officer in the case, else who opened it
    supervisor: str = ""  # else the officer's line manager
    url_name: str = ""


CASE_SOURCES: dict[str, CaseSource] = {
    CaseType.MISSING: CaseSource(
        "missing.MissingEpisode", "reported_at", "owner_area_id", "officer_in_case_id", "", "missing:detail"
    ),
    CaseType.REFERRAL: CaseSource(
        "referrals.Ppn", "submitted_at", "incident__area_id", "submitted_by_id", "", "referrals:detail"
    ),
    CaseType.INVESTIGATION: CaseSource(
        "investigations.Investigation",
        "opened_at",
        "area_id",
        "officer_id|opened_by_id",
        "supervisor_id",
        "investigations:detail",
    ),
    CaseType.PROTECTION: CaseSource(
        "protection.PoliceProtection",
        "removed_at",
        "area_id",
        "initiated_by_id",
        "designated_officer_id",
        "protection:detail",
    ),
    CaseType.OFFENDER: CaseSource("offenders.Offender", "created_at", "area_id", "manager_id", "", "offenders:detail"),
}


def case_type_of(record: models.Model) -> str:
    label = f"{record._meta.app_label}.{record._meta.object_name}"
    for case_type, source in CASE_SOURCES.items():
        if source.model == label:
            return case_type
    raise InvalidInput(
        {"subject": "Only missing episodes, PPNs, investigations, police protections and offenders are audited."}
    )


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    first = month.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return datetime.combine(first, time.min, tzinfo=clock.LONDON), datetime.combine(nxt, time.min, tzinfo=clock.LONDON)


def _audit_row(record: models.Model, case_type: str, month: date, now: datetime) -> CaseAudit:
    from django.urls import reverse

    source = CASE_SOURCES[case_type]
    holder: Any = record
    for part in source.area.split("__"):
        holder = getattr(holder, part, None) if holder is not None else None
    area_id = holder
    officer_id = next((v for f in source.officer.split("|") if (v := getattr(record, f, None))), None)
    supervisor_id = getattr(record, source.supervisor, None) if source.supervisor else None
    if supervisor_id is None and officer_id:
        supervisor_id = User.objects.filter(pk=officer_id).values_list("line_manager_id", flat=True).first()
    return CaseAudit(
        case_type=case_type,
        subject_type=record._meta.label_lower,
        subject_id=str(record.pk),
        subject_label=str(record)[:300],
        url=reverse(source.url_name, args=[record.pk]) if source.url_name else "",
        area_id=area_id,
        month=month.replace(day=1),
        officer_id=officer_id,
        supervisor_id=supervisor_id,
        sampled_at=now,
    )


def case_audit_sample(
    *, actor: User | None, month: date, per_area: int = 2, seed: int | None = None
) -> list[CaseAudit]:
    """The system picks the month's sample: up to `per_area` cases of each type in each area, at random
    (seeded by the month, so a second run picks the same cases and adds nothing)."""
    from django.apps import apps

    if actor is not None:
        access.require(actor, Capability.CASE_AUDIT)
    since, until = _month_bounds(month)
    now = clock.now()
    rng = random.Random(seed if seed is not None else month.toordinal())
    made: list[CaseAudit] = []
    with transaction.atomic():
        for case_type, source in CASE_SOURCES.items():
            model = apps.get_model(source.model)
            rows = list(
                model._default_manager.filter(**{f"{source.started}__gte": since, f"{source.started}__lt": until})
                .order_by("pk")
                .values_list("pk", source.area)
            )
            by_area: dict[Any, list[int]] = {}
            for pk, area_id in rows:
                by_area.setdefault(area_id, []).append(pk)
            for pks in by_area.values():
                picked = rng.sample(pks, min(per_area, len(pks)))
                for record in model._default_manager.filter(pk__in=picked).order_by("pk"):
                    row = _audit_row(record, case_type, month, now)
                    if CaseAudit.objects.filter(
                        subject_type=row.subject_type, subject_id=row.subject_id, month=row.month
                    ).exists():
                        continue
                    row.full_clean()
                    row.save()
                    made.append(row)
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="case_audit.sample",
            subject_type="oversight.caseaudit",
            subject_id=f"{month:%Y-%m}",
            new={"month": f"{month:%Y-%m}", "sampled": len(made)},
        )
    return made


# -- The audit questions (QG-2: criteria are data the force changes) ------------------------------------------

QUESTION_MAX = 300


def _question_errors(case_type: str, question: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if case_type not in CaseType.values:
        errors["case_type"] = "Choose the type of case the question is for"
    if not question.strip():
        errors["question"] = "Enter the question"
    elif len(question.strip()) > QUESTION_MAX:
        errors["question"] = f"The question must be {QUESTION_MAX} characters or fewer"
    elif AuditCriterion.objects.filter(case_type=case_type, question=question.strip(), active=True).exists():
        errors["question"] = "That question is already asked for this type of case"
    return errors


def criterion_add(*, actor: User, case_type: str, question: str) -> AuditCriterion:
    """The audit lead (a senior leader) adds a question for a type of case; it is asked from the next grading."""
    access.require(actor, Capability.CASE_AUDIT_CRITERIA)
    errors = _question_errors(case_type, question)
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        last = AuditCriterion.objects.filter(case_type=case_type).order_by("-order").values_list("order", flat=True)
        row = AuditCriterion.objects.create(
            case_type=case_type, question=question.strip(), order=(last.first() or 0) + 1
        )
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="case_audit.criterion_add",
            subject=row,
            new={"case_type": case_type, "question": row.question},
        )
    return row


def criterion_change(
    *, actor: User, criterion: AuditCriterion, version: int, question: str | None = None, active: bool | None = None
) -> AuditCriterion:
    """Reword a question, retire it (kept: past audits answered it) or bring it back. Versioned: a change made
    on a page someone else has since changed is refused. Audits already graded keep their answers."""
    access.require(actor, Capability.CASE_AUDIT_CRITERIA)
    with transaction.atomic():
        locked = AuditCriterion.objects.select_for_update().get(pk=criterion.pk)
        if locked.version != version:
            raise RuleRefusal("QG-2", "Someone changed this question a moment ago. Reload the page and check it.")
        old = {"question": locked.question, "active": locked.active}
        if question is not None and question.strip() != locked.question:
            errors = _question_errors(locked.case_type, question)
            if errors:
                raise InvalidInput(errors)
            locked.question = question.strip()
        if active is not None:
            locked.active = active
        new = {"question": locked.question, "active": locked.active}
        if new == old:
            return locked
        locked.version += 1
        locked.save()
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="case_audit.criterion_change",
            subject=locked,
            old=old,
            new=new,
        )
    return locked


def criterion_move(*, actor: User, criterion: AuditCriterion, version: int, direction: str) -> AuditCriterion:
    """Move a question one place up or down among its type of case's questions (the order auditors answer
    them in). Versioned like a change; the questions are renumbered 1, 2, 3... in the same transaction."""
    access.require(actor, Capability.CASE_AUDIT_CRITERIA)
    if direction not in ("up", "down"):
        raise InvalidInput({"direction": "Choose whether to move the question up or down"})
    with transaction.atomic():
        rows = list(
            AuditCriterion.objects.select_for_update().filter(case_type=criterion.case_type).order_by("order", "id")
        )
        at = next(i for i, r in enumerate(rows) if r.pk == criterion.pk)
        locked = rows[at]
        if locked.version != version:
            raise RuleRefusal("QG-2", "Someone changed this question a moment ago. Reload the page and check it.")
        to = at - 1 if direction == "up" else at + 1
        if not 0 <= to < len(rows):
            first_or_last = "first" if direction == "up" else "last"
            raise InvalidInput({"direction": f"This question is already the {first_or_last} for its type of case"})
        rows[at], rows[to] = rows[to], rows[at]
        for position, row in enumerate(rows, start=1):
            if row.pk == locked.pk:
                row.version += 1
            if row.order != position or row.pk == locked.pk:
                row.order = position
                row.save(update_fields=["order", "version"])
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="case_audit.criterion_move",
            subject=locked,
            old={"position": at + 1},
            new={"position": to + 1},
        )
    return locked


def in_reach(user: User, row: CaseAudit) -> bool:
    """Leaders see every area's audits; an area supervisor or CII their own area's (and their own cases)."""
    if access.can(user, Capability.STATISTICS_VIEW) or not user.area_id or row.area_id is None:
        return True
    return row.area_id == user.area_id or user.pk in (row.officer_id, row.supervisor_id)


def case_audit_record(
    *,
    actor: User,
    grade: str,
    findings: str,
    case_audit: CaseAudit | None = None,
    subject: models.Model | None = None,
    answers: dict[str, str] | None = None,
    version: int | None = None,
    channel: str = "web",
) -> CaseAudit:
    """Grade a sampled case (or, from the replay, any case: it is added to this month's sample). A grade
    below good sends the findings to the officer and the supervisor (QG-2's clock, until they respond)."""
    access.require(actor, Capability.CASE_AUDIT)
    errors: dict[str, str] = {}
    if grade not in Grade.values:
        errors["grade"] = "Choose good, requires improvement or inadequate"
    if grade in (Grade.REQUIRES_IMPROVEMENT, Grade.INADEQUATE) and not findings.strip():
        errors["findings"] = "Enter the findings the officer and supervisor need to act on"
    if case_audit is None and subject is None:
        errors["subject"] = "Choose the case you audited"
    if errors:
        raise InvalidInput(errors)
    now = clock.now()
    with transaction.atomic():
        if case_audit is None:
            assert subject is not None
            row = _audit_row(subject, case_type_of(subject), clock.today_london(), now)
            case_audit, _ = CaseAudit.objects.get_or_create(
                subject_type=row.subject_type,
                subject_id=row.subject_id,
                month=row.month,
                defaults={f.name: getattr(row, f.name) for f in CaseAudit._meta.concrete_fields if f.name != "id"},
            )
        locked = CaseAudit.objects.select_for_update().get(pk=case_audit.pk)
        if not in_reach(actor, locked):
            raise AccessDenied("This case is in another command area: its own area's auditors grade it.")
        if version is not None and version != locked.version:
            raise RuleRefusal("QG-2", "Someone changed this audit a moment ago. Reload the page and check it.")
        before = {"grade": locked.grade, "findings": locked.findings}
        locked.grade = grade
        locked.findings = findings.strip()
        locked.answers = answers or {}
        locked.auditor = actor
        locked.graded_at = now
        locked.response, locked.responded_at = "", None
        locked.version += 1
        locked.full_clean()
        locked.save()
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION if before["grade"] else AuditCategory.COLLECTION,
            event_type="case_audit.record",
            subject=locked,
            old=before,
            new={"grade": grade, "findings": locked.findings},
            channel=channel,
        )
    return locked


def case_audit_respond(*, actor: User, case_audit: CaseAudit, response: str) -> CaseAudit:
    """The officer (or supervisor) says what was done about the findings: the QG-2 task clears."""
    if actor.pk not in (case_audit.officer_id, case_audit.supervisor_id):
        raise AccessDenied("Only the officer or the supervisor of the audited case responds to its findings.")
    if not response.strip():
        raise InvalidInput({"response": "Enter what was done about the findings"})
    with transaction.atomic():
        locked = CaseAudit.objects.select_for_update().get(pk=case_audit.pk)
        locked.response, locked.responded_at = response.strip(), clock.now()
        locked.version += 1
        locked.save()
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="case_audit.respond",
            subject=locked,
            new={"response": locked.response},
        )
    return locked


# -- The action plan's evidence (QG-4) ---------------------------------------------------------------------

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024

# What a file's first bytes say it is; the name and the browser's claim are not trusted.
_SIGNATURES: list[tuple[bytes, str, str]] = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"PK\x03\x04", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
]


def sniff(head: bytes, name: str) -> tuple[str, str] | None:
    """The content type and extension of an allowed file, from its content, or None."""
    for magic, content_type, ext in _SIGNATURES:
        if head.startswith(magic):
            if ext == ".xlsx" and b"[Content_Types].xml" not in head and b"xl/" not in head:
                return None  # a zip, but not a spreadsheet
            return content_type, ext
    if name.lower().endswith(".csv"):
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if "\x00" not in text and "," in text:
            return "text/csv", ".csv"
    return None


def evidence_dir() -> Path:
    return Path(getattr(settings, "EVIDENCE_DIR", Path(settings.VAR_DIR) / "evidence"))


def _require_owner(actor: User, action: Action) -> None:
    if actor.pk not in (action.gold_id, action.silver_id, action.bronze_id):
        raise AccessDenied("Only the action's gold, silver or bronze owner changes it.")


def evidence_add(
    *,
    actor: User,
    action: Action,
    description: str,
    upload: Any = None,
    dashboard_link: str = "",
) -> Evidence:
    """Attach evidence to an action: a checked file, or a link to a dashboard figure at a date."""
    _require_owner(actor, action)
    errors: dict[str, str] = {}
    if not description.strip():
        errors["description"] = "Enter what the evidence shows"
    link = dashboard_link.strip()
    if upload is None and not link:
        errors["upload"] = "Choose a file, or give a link to a dashboard figure"
    if link and not link.startswith("/oversight/dashboard/"):
        errors["dashboard_link"] = "Give a link to a figure on the performance dashboard"
    content = b""
    kind: tuple[str, str] | None = None
    if upload is not None:
        if upload.size > MAX_EVIDENCE_BYTES:
            errors["upload"] = "The file must be smaller than 10 MB"
        else:
            content = upload.read()
            kind = sniff(content[:4096], upload.name or "")
            if kind is None:
                errors["upload"] = "The file must be a PDF, a PNG or JPEG image, or a CSV or Excel spreadsheet"
    if errors:
        raise InvalidInput(errors)
    now = clock.now()
    stored = ""
    if kind is not None:
        directory = evidence_dir()
        directory.mkdir(parents=True, exist_ok=True)
        stored = f"{uuid.uuid4().hex}{kind[1]}"
    with transaction.atomic():
        evidence = Evidence(
            action=action,
            description=description.strip()[:300],
            file_path=stored,
            file_name=Path(upload.name).name[:200] if upload is not None else "",
            content_type=kind[0] if kind else "",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest() if content else "",
            dashboard_link=link[:500],
            added_at=now,
            added_by=actor,
        )
        evidence.full_clean()
        if stored:
            (evidence_dir() / stored).write_bytes(content)
        evidence.save()
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="action_plan.evidence_add",
            subject=evidence,
            new={"action": action.pk, "file": evidence.file_name, "sha256": evidence.sha256, "link": link},
        )
    return evidence


def action_complete(*, actor: User, action: Action, version: int) -> Action:
    """QG-4: an action is complete only with evidence attached."""
    _require_owner(actor, action)
    with transaction.atomic():
        locked = Action.objects.select_for_update().get(pk=action.pk)
        if locked.version != version:
            raise RuleRefusal("QG-4", "Someone changed this action a moment ago. Reload the page and check it.")
        if not locked.evidence.exists():
            raise RuleRefusal("QG-4", "Attach evidence before you mark the action complete.")
        locked.status = ActionStatus.COMPLETE
        locked.completed_at, locked.completed_by = clock.now(), actor
        locked.version += 1
        locked.save()
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="action_plan.complete",
            subject=locked,
            new={"status": locked.status},
        )
    return locked


def action_create(
    *,
    actor: User,
    recommendation: Any,
    description: str,
    due_on: date | None,
    gold: User | None,
    silver: User | None,
    bronze: User | None = None,
) -> Action:
    """A senior leader adds an action to a recommendation, with its owners and due date."""
    access.require(actor, Capability.ACTION_PLAN_MANAGE)
    errors: dict[str, str] = {}
    if not description.strip():
        errors["description"] = "Enter what will be done"
    if due_on is None:
        errors["due_on"] = "Enter the date the action is due"
    if gold is None:
        errors["gold"] = "Choose the gold owner"
    if silver is None:
        errors["silver"] = "Choose the silver owner"
    if errors or due_on is None:
        raise InvalidInput(errors)
    with transaction.atomic():
        action = Action(
            recommendation=recommendation,
            description=description.strip(),
            due_on=due_on,
            gold=gold,
            silver=silver,
            bronze=bronze,
        )
        action.full_clean()
        action.save()
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="action_plan.action_create",
            subject=action,
            new={"recommendation": recommendation.reference, "due_on": str(due_on)},
        )
    return action


# -- A named case shared with the PFCC's scrutiny team -----------------------------------------------------

PFCC_RECIPIENT = "Office of the Police, Fire and Crime Commissioner (scrutiny team)"


def case_share(*, actor: User, person: Any, reason: str) -> Any:
    """A senior leader shares one named child's case with the PFCC's scrutiny team, saying why. The share is
    audited as a disclosure decision; the team's every reading of the case is logged as a disclosure."""
    from childsafe.oversight.models import CaseShare
    from childsafe.people.access import people_visible_to

    access.require(actor, Capability.CASE_SHARE_PFCC)
    errors: dict[str, str] = {}
    if person is None:
        errors["person"] = "Choose the child whose case you are sharing: search by name and choose them"
    elif not people_visible_to(actor).filter(pk=person.pk).exists():
        raise AccessDenied("You can only share a case you can see yourself.")
    if not reason.strip():
        errors["reason"] = "Enter why the PFCC's scrutiny team needs to see this case"
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        share = CaseShare.objects.create(person=person, reason=reason.strip(), shared_by=actor, shared_at=clock.now())
        audit.access(
            actor=actor,
            event_type="case_share.share",
            subject=share,
            person_id=person.pk,
            category=AuditCategory.DISCLOSURE,
            justification=reason.strip(),
            recipient=PFCC_RECIPIENT,
        )
    return share


def case_share_withdraw(*, actor: User, share: Any) -> Any:
    access.require(actor, Capability.CASE_SHARE_PFCC)
    with transaction.atomic():
        if share.withdrawn_at is None:
            share.withdrawn_at = clock.now()
            share.save(update_fields=["withdrawn_at"])
            audit.record(
                actor=actor,
                category=AuditCategory.ALTERATION,
                event_type="case_share.withdraw",
                subject=share,
                person_id=share.person_id,
                new={"withdrawn": True},
            )
    return share


def shared_case_for(user: User, share_pk: int) -> Any:
    """The share a user may read: the PFCC's scrutiny team reads current shares; a senior leader any.
    Anyone else, or a withdrawn share, is refused."""
    from childsafe.core.roles import Role
    from childsafe.oversight.models import CaseShare

    share = CaseShare.objects.select_related("person", "shared_by").filter(pk=share_pk).first()
    if user.role == Role.PFCC_SCRUTINY:
        if share is None or share.withdrawn_at is not None:
            raise AccessDenied("That child's case has not been shared with the PFCC's scrutiny team.")
        return share
    access.require(user, Capability.CASE_SHARE_PFCC)
    if share is None:
        raise AccessDenied("There is no such shared case.")
    return share
