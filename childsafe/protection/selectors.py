"""Reads for police protection: what a page, the API, a rule or the partner portal needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404

from childsafe.core import access, audit, compiled
from childsafe.core.errors import JustificationRequired
from childsafe.core.models import AuditCategory, User
from childsafe.core.roles import Capability
from childsafe.people.access import Decision, decide
from childsafe.protection.models import EventKind, PoliceProtection, ProtectedChild, ProtectionNotice
from childsafe.protection.templatetags.protection import officer


def protections_for(person_ids: list[int]) -> list[PoliceProtection]:
    """A child's police protections (any of their linked records), open ones first, newest first.

    On every child's page and intelligence check: a statement built once (core.compiled, ADR 0067), then, only
    when there are any, the children with their records in one more."""
    children, params = compiled.one_of("c.person_id", person_ids)
    found = compiled.where(
        PoliceProtection,
        f"t0.id IN (SELECT c.protection_id FROM {ProtectedChild._meta.db_table} c WHERE {children})",  # noqa: S608 -- a model's table
        params,
        related=("designated_officer", "initiated_by"),
        # Open first on both databases (PostgreSQL sorts an empty end last, SQLite first), then newest first.
        order="CASE WHEN t0.ended_at IS NULL THEN 0 ELSE 1 END, t0.removed_at DESC, t0.id DESC",
    )
    if found:
        prefetch_related_objects(found, Prefetch("children", queryset=ProtectedChild.objects.select_related("person")))
    return found


def protection_for_user(
    user: User, pk: int, *, reasons: dict[str, str] | None = None, channel: str = "web"
) -> PoliceProtection:
    """One protection for a police user who may see every child on it, the view logged for each child.
    A record with a child hidden from them does not exist for them (404, logged); a child outside their area
    or work needs the reason they gave for that child first (JustificationRequired), as on the child's page."""
    access.require(user, Capability.PERSON_VIEW)
    protection = (
        PoliceProtection.objects.select_related("initiated_by", "designated_officer", "ended_by", "incident")
        .prefetch_related("children__person")
        .filter(pk=pk)
        .first()
    )
    if protection is None:
        raise Http404("No police protection with that reference.")
    reasons = reasons or {}
    children = [c.person for c in protection.children.all()]
    decisions = {person.pk: decide(user, person).decision for person in children}
    if Decision.HIDDEN in decisions.values():
        audit.access(
            actor=user,
            event_type="protection.view.refused",
            subject=protection,
            justification="Refused: not within this user's need to know.",
            channel=channel,
        )
        raise Http404("No police protection with that reference.")
    for person in children:
        if decisions[person.pk] is Decision.REASON and not reasons.get(str(person.pk), "").strip():
            raise JustificationRequired(person.pk)
    for person in children:
        audit.access(
            actor=user,
            event_type="protection.view",
            subject=protection,
            person_id=person.pk,
            justification=reasons.get(str(person.pk), "").strip(),
            channel=channel,
        )
    return protection


@dataclass(frozen=True)
class Line:
    at: datetime
    text: str
    detail: str = ""
    warning: bool = False


def timeline(protection: PoliceProtection) -> list[Line]:
    """The protection as one account in time order: what each officer did and why, and the local authority's
    notice and acknowledgement (PP-3: nothing is left for the reader to piece together)."""
    lines = []
    for e in protection.events.select_related("by", "officer"):
        by, to = officer(e.by), officer(e.officer)
        if e.kind == EventKind.STARTED:
            lines.append(Line(e.at, f"{by} took the children into police protection.", e.text))
        elif e.kind == EventKind.DESIGNATED:
            named = "" if e.by_id == e.officer_id else f", named by {by}"
            lines.append(Line(e.at, f"{to} became the designated officer{named}.", e.text))
        elif e.kind == EventKind.HANDOVER:
            lines.append(Line(e.at, f"{by} handed over to {to}.", e.text))
        elif e.kind == EventKind.OFFENCES:
            lines.append(Line(e.at, f"{by} answered the question of offences against the child.", e.text))
        elif e.kind == EventKind.ACKNOWLEDGED:
            lines.append(Line(e.at, f"{e.text} acknowledged the police protection notice."))
        elif e.kind == EventKind.ENDED:
            lines.append(Line(e.at, f"{by} ended police protection.", e.text))
    notices = list(protection.notices.select_related("organisation"))
    for n in notices:
        waiting = "" if n.acknowledged_at else " Not yet acknowledged."
        lines.append(Line(n.sent_at, f"Written notice sent to {n.organisation.name} through the outbox.{waiting}"))
    if not notices:
        lines.append(
            Line(
                protection.created_at,
                "No local authority is recorded for these children, so none was told automatically. Tell "
                "children's services by phone and record the local authority on the child's record.",
                warning=True,
            )
        )
    return sorted(lines, key=lambda line: line.at)


def open_protections(user: User) -> QuerySet[PoliceProtection]:
    """Open protections, longest held first: the protection worklist."""
    return (
        PoliceProtection.objects.filter(ended_at__isnull=True)
        .select_related("designated_officer", "initiated_by")
        .prefetch_related("children__person", "notices__organisation")
        .order_by("removed_at")
    )


def recently_ended() -> QuerySet[PoliceProtection]:
    return (
        PoliceProtection.objects.filter(ended_at__isnull=False)
        .select_related("designated_officer")
        .prefetch_related("children__person")
        .order_by("-ended_at")[:20]
    )


# -- the partner portal -----------------------------------------------------------------------------------
def notices_for_partner(user: User) -> list[ProtectionNotice]:
    if not user.is_partner or not user.organisation_id:
        return []
    return list(
        ProtectionNotice.objects.filter(organisation_id=user.organisation_id)
        .select_related("protection")
        .order_by("-sent_at", "-id")[:100]
    )


def notice_for_partner(user: User, pk: int, *, channel: str = "web") -> dict[str, Any]:
    """The protection as its local authority reads it in the portal: only the children it is responsible for,
    each view logged as a disclosure; anyone else: 404, audited."""
    notice = (
        ProtectionNotice.objects.select_related("protection", "organisation", "acknowledged_by")
        .filter(protection_id=pk, organisation_id=user.organisation_id)
        .first()
        if user.is_partner and user.organisation_id
        else None
    )
    if notice is None:
        audit.access(
            actor=user,
            event_type="protection.partner_view.refused",
            subject_type="protection.policeprotection",
            subject_id=pk,
            justification="Refused: not sent to this user's organisation.",
            channel=channel,
        )
        raise Http404("No notice with that reference.")
    protection = notice.protection
    children = list(
        protection.children.select_related("person").filter(person__local_authority_id=notice.organisation_id)
    )
    for child in children:
        audit.access(
            actor=user,
            event_type="protection.partner_view",
            subject=protection,
            person_id=child.person_id,
            category=AuditCategory.DISCLOSURE,
            recipient=notice.organisation.name,
            channel=channel,
        )
    return {"notice": notice, "protection": protection, "children": children}


def protection_get(pk: int) -> PoliceProtection:
    found = PoliceProtection.objects.filter(pk=pk).first()
    if found is None:
        raise Http404("No police protection with that reference.")
    return found
