"""Reads for worklists and the information manager's audit questions."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from childsafe.core.models import Alert, AuditEvent, OutboxMessage, OutboxStatus, User
from childsafe.core.roles import FORCE_WIDE_ROLES


def _role_scope(user: User, role_field: str) -> Q:
    # Area roles see their role's alerts in their own area (or force-wide ones); force-wide roles see all.
    q = Q(**{role_field: user.role}, owner_user__isnull=True)
    if user.role not in FORCE_WIDE_ROLES and user.area_id:
        q &= Q(owner_area_id=user.area_id) | Q(owner_area__isnull=True)
    return q


def my_alerts(user: User) -> QuerySet[Alert]:
    """Alerts owned by me, by my role in my area, or escalated to my role: the 'My alerts' worklist."""
    return (
        Alert.objects.open()
        .filter(Q(owner_user=user) | _role_scope(user, "owner_role") | _role_scope(user, "escalated_to_role"))
        .select_related("owner_user", "owner_area")
        .order_by("due_by", "raised_at")
    )


def team_alerts(user: User) -> QuerySet[Alert]:
    """Alerts of the people I supervise: my team's members and, for area supervisors, my area's."""
    q = Q(owner_user__line_manager=user)
    if user.team_id:
        q |= Q(owner_user__team_id=user.team_id)
    if user.area_id:
        q |= Q(owner_area_id=user.area_id)
    return Alert.objects.open().filter(q).select_related("owner_user", "owner_area").order_by("due_by", "raised_at")


def audit_for_person(person_ids: list[int]) -> QuerySet[AuditEvent]:
    """Who looked at or changed this child's records, and why."""
    return AuditEvent.objects.filter(person_id__in=person_ids).select_related("actor").order_by("-at", "-id")


def audit_for_user(user: User) -> QuerySet[AuditEvent]:
    """What this user looked at and changed."""
    return AuditEvent.objects.filter(actor=user).order_by("-at", "-id")


def outbox_problems() -> QuerySet[OutboxMessage]:
    return OutboxMessage.objects.filter(
        status__in=[OutboxStatus.DEAD, OutboxStatus.PENDING, OutboxStatus.SENDING]
    ).order_by("status", "created_at")


def accounts() -> QuerySet[User]:
    """Every account with what the skills registry (QG-6) holds for it."""
    return (
        User.objects.select_related("area", "team", "organisation", "line_manager")
        .prefetch_related("skills__skill")
        .order_by("username")
    )


def language_phrases(since) -> list:
    """QG-1: every phrase with how often it was flagged since a date, most used first."""
    from django.db.models import Count, Q

    from childsafe.core.models import LanguagePhrase

    return list(
        LanguagePhrase.objects.annotate(uses=Count("flags", filter=Q(flags__at__gte=since))).order_by("-uses", "phrase")
    )
