"""Approvals: asked by one user, decided by another signed in as themselves (DESIGN.md, "Approvals").

The inspectorate found supervisory decisions that were claimed, not made. Here an approval is a record:
`approval_request` puts it on the approvers' list with the requester's reason; `approval_decide` is the
approver's own act, with their reason, and when it approves, the kind's handler carries out what was asked
in the same transaction (so an approval never exists without its effect, nor the effect without it).

A handler is registered by the app that owns the record (`@handler("incident.downgrade")`); it may refuse
(raise) if the record changed since the request, and then nothing is decided.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth import authenticate
from django.db import models, transaction
from django.db.models import Q

from childsafe.core import audit, clock
from childsafe.core.errors import AccessDenied, InvalidInput, RuleRefusal
from childsafe.core.models import Approval, ApprovalStatus, Area, AuditCategory, User

Handler = Callable[[Approval, User], None]
_HANDLERS: dict[str, Handler] = {}


def handler(kind: str) -> Callable[[Handler], Handler]:
    def wrap(fn: Handler) -> Handler:
        if kind in _HANDLERS and _HANDLERS[kind] is not fn:
            raise ValueError(f"The approval kind {kind!r} has two handlers.")
        _HANDLERS[kind] = fn
        return fn

    return wrap


def approval_request(
    *,
    actor: User,
    kind: str,
    rule_id: str,
    subject: models.Model,
    summary: str,
    reason: str,
    approver_roles: Iterable[str],
    area: Area | None = None,
    person_id: int | None = None,
    payload: dict[str, Any] | None = None,
    url: str = "",
    channel: str = "web",
) -> Approval:
    """Ask for an approval: it waits on the approvers' list until one of them decides it."""
    if kind not in _HANDLERS:
        raise ValueError(f"No handler for approvals of kind {kind!r}.")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": "Enter your reason, so the supervisor can decide."})
    subject_type, subject_id = subject._meta.label_lower, str(subject.pk)
    with transaction.atomic():
        if Approval.objects.filter(
            kind=kind, subject_type=subject_type, subject_id=subject_id, status=ApprovalStatus.WAITING
        ).exists():
            raise InvalidInput({"reason": "A request like this is already waiting for a supervisor's decision."})
        approval = Approval.objects.create(
            kind=kind,
            rule_id=rule_id,
            subject_type=subject_type,
            subject_id=subject_id,
            subject_label=str(subject)[:300],
            person_id=person_id,
            summary=summary[:300],
            payload=payload or {},
            reason=reason,
            requested_by=actor,
            requested_at=clock.now(),
            # Stored ",fim,supervisor," so that one role is found by `contains ",fim,"`.
            approver_roles="," + ",".join(sorted(set(approver_roles))) + ",",
            area=area,
            url=url,
        )
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="approval.request",
            subject=approval,
            person_id=person_id,
            new={
                "kind": kind,
                "rule": rule_id,
                "record": f"{subject_type}:{subject_id}",
                "reason": reason,
                **(payload or {}),
            },
            channel=channel,
        )
    return approval


def may_decide(user: User, approval: Approval) -> bool:
    return user.role in approval.roles and (approval.area_id is None or user.area_id in (None, approval.area_id))


def approval_decide(
    *,
    actor: User,
    approval: Approval,
    approve: bool,
    reason: str,
    version: int | None = None,
    decided_on: str = "list",
    channel: str = "web",
) -> Approval:
    """The approver's own decision, with their reason. Approving carries out what was asked."""
    reason = (reason or "").strip()
    # Who asked and who may decide never change, so these refusals are judged (and logged) before the lock.
    if approval.requested_by_id == actor.pk:
        _refused_attempt(actor, approval, "asked by the same user")
        raise RuleRefusal(
            approval.rule_id, "You asked for this approval, so another supervisor must decide it.", field="decision"
        )
    if not may_decide(actor, approval):
        _refused_attempt(actor, approval, "not an approver for this request")
        raise AccessDenied("Only a supervisor for this record's area can decide this request.")
    if not reason:
        raise InvalidInput({"reason": "Enter the reason for your decision."})
    with transaction.atomic():
        current = Approval.objects.select_for_update().get(pk=approval.pk)
        if current.status != ApprovalStatus.WAITING:
            raise InvalidInput({"decision": f"This request has already been {current.get_status_display().lower()}."})
        if version is not None and current.version != version:
            raise InvalidInput({"decision": "Someone changed this request a moment ago. Check it again."})
        now = clock.now()
        current.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REFUSED
        current.decided_by = actor
        current.decided_at = now
        current.decision_reason = reason
        current.decided_on = decided_on
        current.version += 1
        current.save()
        if approve:
            _HANDLERS[current.kind](current, actor)
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="approval.approve" if approve else "approval.refuse",
            subject=current,
            person_id=current.person_id,
            new={
                "record": f"{current.subject_type}:{current.subject_id}",
                "requested_by": current.requested_by.username,
                "reason": reason,
                "decided_on": decided_on,
            },
            channel=channel,
        )
    return current


def approval_decide_beside(
    *, username: str, password: str, approval: Approval, approve: bool, reason: str, request=None, channel: str = "web"
) -> Approval:
    """The approver is at the requester's desk: they sign in there with their own password and decide.

    Never a typed name alone: without the approver's password nothing is decided.
    """
    approver = authenticate(request, username=(username or "").strip(), password=password or "")
    if approver is None:
        raise InvalidInput({"approver_password": "The supervisor's username or password is not right."})
    assert isinstance(approver, User)
    return approval_decide(
        actor=approver, approval=approval, approve=approve, reason=reason, decided_on="beside", channel=channel
    )


def approval_withdraw(*, actor: User, approval: Approval, channel: str = "web") -> Approval:
    with transaction.atomic():
        current = Approval.objects.select_for_update().get(pk=approval.pk)
        if current.requested_by_id != actor.pk:
            raise AccessDenied("Only the person who asked can withdraw a request.")
        if current.status != ApprovalStatus.WAITING:
            raise InvalidInput({"decision": f"This request has already been {current.get_status_display().lower()}."})
        current.status = ApprovalStatus.WITHDRAWN
        current.decided_at = clock.now()
        current.version += 1
        current.save()
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="approval.withdraw",
            subject=current,
            person_id=current.person_id,
            channel=channel,
        )
    return current


def waiting_for(user: User) -> models.QuerySet[Approval]:
    """The requests on this user's list: their role may decide, in their area, and they didn't ask."""
    if not user.role:
        return Approval.objects.none()
    qs = Approval.objects.filter(status=ApprovalStatus.WAITING, approver_roles__contains=f",{user.role},").exclude(
        requested_by=user
    )
    if user.area_id is not None:
        qs = qs.filter(Q(area__isnull=True) | Q(area_id=user.area_id))
    return qs.select_related("requested_by", "area").order_by("requested_at", "id")


def waiting_on(subject: models.Model) -> models.QuerySet[Approval]:
    """Requests about this record still waiting for a decision (shown on the record's page)."""
    return Approval.objects.filter(
        subject_type=subject._meta.label_lower, subject_id=str(subject.pk), status=ApprovalStatus.WAITING
    ).select_related("requested_by")


def _refused_attempt(actor: User, approval: Approval, why: str) -> None:
    """A refused decision is logged as a refusal, as refused views of hidden records are."""
    audit.access(
        actor=actor,
        event_type="approval.decide.refused",
        subject=approval,
        person_id=approval.person_id,
        justification=f"Refused: {why}.",
    )
