from __future__ import annotations

from typing import Any

from django.http import Http404

from childsafe.core import audit
from childsafe.core.models import AuditCategory, User
from childsafe.people.access import partner_people
from childsafe.people.models import Person
from childsafe.protection import selectors as protection_selectors
from childsafe.referrals import encompass, rules
from childsafe.referrals import services as referral_services
from childsafe.referrals.models import EncompassNotification, Ppn, PpnChild, PpnShare, StrategyMeeting


def _flag_late(notes: list[EncompassNotification]) -> list[EncompassNotification]:
    """RF-9: a notification about an incident recorded late says so, and how late (`late_text`)."""
    threshold = rules.late_recording_threshold()
    for note in notes:
        late = encompass.late_by(note.incident, threshold)
        note.late_text = encompass.describe(late) if late else ""  # type: ignore[attr-defined]
    return notes


def portal_home(user: User) -> dict[str, Any]:
    """The partner's Operation Encompass notifications, shared PPNs and children (newest first)."""
    org = user.organisation_id
    return {
        "children": list(partner_people(user).order_by("surname", "forenames")[:200]),
        "encompass": _flag_late(
            list(
                EncompassNotification.objects.filter(organisation_id=org)
                .select_related("person", "incident")
                .order_by("-created_at", "-id")[:100]
            )
        ),
        "shares": list(
            PpnShare.objects.filter(organisation_id=org).select_related("ppn").order_by("-shared_at", "-id")[:100]
        ),
        "organisation": user.organisation,
        # PP-1: police protection notices sent to this local authority.
        "protections": protection_selectors.notices_for_partner(user),
        # RF-10: the strategy meeting outcomes this organisation has sent back.
        "strategy_returns": list(
            StrategyMeeting.objects.filter(organisation_id=org)
            .select_related("person", "recorded_by")
            .order_by("-recorded_at", "-id")[:100]
        )
        if org
        else [],
    }


def strategy_outcome_child(user: User, person_id: int, *, channel: str = "web") -> Person:
    """The child a local authority user is sending a strategy meeting outcome for. Showing the child's name
    in the form is a disclosure, logged; a school, or another authority's child, is refused and audited."""
    child = Person.objects.filter(pk=person_id).first()
    if child is None:
        raise _refused(user, "strategy_outcome.form", "people.person", person_id, channel)
    referral_services.strategy_outcome_check(actor=user, child=child, channel=channel)
    audit.access(
        actor=user,
        event_type="strategy_outcome.form",
        subject=child,
        person_id=child.pk,
        category=AuditCategory.DISCLOSURE,
        recipient=user.organisation.name if user.organisation else "",
        channel=channel,
    )
    return child


def _refused(user: User, event_type: str, subject_type: str, pk: int, channel: str) -> Http404:
    audit.access(
        actor=user,
        event_type=f"{event_type}.refused",
        subject_type=subject_type,
        subject_id=pk,
        justification="Refused: not sent to this user's organisation.",
        channel=channel,
    )
    return Http404("No record with that reference.")


def encompass_for_partner(user: User, pk: int, *, channel: str = "web") -> dict[str, Any]:
    """One notification for its own organisation, the view logged as a disclosure; anyone else: 404, audited."""
    note = (
        EncompassNotification.objects.select_related("person", "incident", "organisation", "acknowledged_by")
        .filter(pk=pk, organisation_id=user.organisation_id)
        .first()
        if user.organisation_id
        else None
    )
    if note is None:
        raise _refused(user, "encompass.view", "referrals.encompassnotification", pk, channel)
    audit.access(
        actor=user,
        event_type="encompass.view",
        subject=note,
        person_id=note.person_id,
        category=AuditCategory.DISCLOSURE,
        recipient=note.organisation.name,
        channel=channel,
    )
    voices = list(
        PpnChild.objects.filter(ppn__incident_id=note.incident_id, person_id=note.person_id)
        .order_by("ppn__submitted_at")
        .values_list("voice", flat=True)
    )
    return {"note": _flag_late([note])[0], "voices": voices}


def ppn_for_partner(user: User, pk: int, *, channel: str = "web") -> dict[str, Any]:
    """A PPN shared with the user's organisation, the view logged as a disclosure per child; else 404, audited."""
    share = (
        PpnShare.objects.select_related("ppn", "organisation", "acknowledged_by")
        .filter(ppn_id=pk, organisation_id=user.organisation_id)
        .first()
        if user.organisation_id
        else None
    )
    if share is None:
        raise _refused(user, "ppn.partner_view", "referrals.ppn", pk, channel)
    children = list(share.ppn.children.select_related("person").order_by("id"))
    for child in children or [None]:
        audit.access(
            actor=user,
            event_type="ppn.partner_view",
            subject=share.ppn,
            person_id=child.person_id if child else None,
            category=AuditCategory.DISCLOSURE,
            recipient=share.organisation.name,
            channel=channel,
        )
    return {"share": share, "ppn": share.ppn, "children": children}


def encompass_get(pk: int) -> EncompassNotification:
    note = EncompassNotification.objects.filter(pk=pk).first()
    if note is None:
        raise Http404("No notification with that reference.")
    return note


def ppn_get(pk: int) -> Ppn:
    ppn = Ppn.objects.filter(pk=pk).first()
    if ppn is None:
        raise Http404("No PPN with that reference.")
    return ppn
