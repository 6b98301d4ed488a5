from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse

from childsafe.core import audit
from childsafe.core.models import AuditCategory, User
from childsafe.people.access import partner_people
from childsafe.people.models import Person
from childsafe.protection.models import ProtectionNotice
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


NOTICE_KINDS = {
    "encompass": "Operation Encompass",
    "ppn": "Referral (PPN)",
    "protection": "Police protection",
}
NOTICES_PER_PAGE = 25
CHILDREN_PER_PAGE = 50


@dataclass(frozen=True)
class NoticeFilter:
    """What the partner searched for: a child's name, a kind of notice, acknowledged or not, sent between."""

    name: str = ""
    kind: str = ""  # a key of NOTICE_KINDS, or "" for every kind
    acknowledged: str = ""  # "yes", "no" or "" for both
    sent_from: date | None = None
    sent_to: date | None = None


@dataclass(frozen=True)
class Notice:
    """One row of the portal's list: a notification, a shared PPN or a police protection notice."""

    kind: str
    url: str
    children: str
    reference: str
    sent_at: datetime
    acknowledged_at: datetime | None
    late_text: str = ""
    in_protection_now: bool = False

    @property
    def kind_label(self) -> str:
        return NOTICE_KINDS[self.kind]


def _name_q(prefix: str, name: str) -> Q:
    """Every word typed is in the child's forenames or surname (\"ella hug\" finds Ella Hughes)."""
    q = Q()
    for word in name.split():
        q &= Q(**{f"{prefix}forenames__icontains": word}) | Q(**{f"{prefix}surname__icontains": word})
    return q


def _filtered(qs: QuerySet, f: NoticeFilter, *, sent: str, person: str) -> QuerySet:
    if f.name.strip():
        qs = qs.filter(_name_q(person, f.name))
    if f.acknowledged in ("yes", "no"):
        qs = qs.filter(acknowledged_at__isnull=f.acknowledged == "no")
    if f.sent_from:
        qs = qs.filter(**{f"{sent}__date__gte": f.sent_from})
    if f.sent_to:
        qs = qs.filter(**{f"{sent}__date__lte": f.sent_to})
    return qs


def portal_notices(user: User, f: NoticeFilter, *, page: int | str = 1) -> Page:
    """The notices sent to the partner's organisation that match `f`, newest first, a page at a time.

    Only keys and dates are read for the whole match (cheap even for a school with years of notices); the
    rows are loaded for the page shown.
    """
    org = user.organisation_id
    keys: list[tuple[datetime, str, int]] = []
    if org:
        sources: list[tuple[str, QuerySet, str, str]] = [
            ("encompass", EncompassNotification.objects.filter(organisation_id=org), "created_at", "person__"),
            ("ppn", PpnShare.objects.filter(organisation_id=org), "shared_at", "ppn__children__person__"),
            (
                "protection",
                ProtectionNotice.objects.filter(organisation_id=org),
                "sent_at",
                "protection__children__person__",
            ),
        ]
        for kind, qs, sent, person in sources:
            if f.kind and f.kind != kind:
                continue
            rows = _filtered(qs, f, sent=sent, person=person).values_list(sent, "pk").distinct()
            keys.extend((at, kind, pk) for at, pk in rows)
    keys.sort(reverse=True)
    found = Paginator(keys, NOTICES_PER_PAGE).get_page(page)
    # The same page of the same paginator, holding the notices rather than their keys.
    return Page(_notices([(kind, pk) for _, kind, pk in found.object_list]), found.number, found.paginator)


def _notices(wanted: list[tuple[str, int]]) -> list[Notice]:
    ids: dict[str, list[int]] = {kind: [pk for k, pk in wanted if k == kind] for kind in NOTICE_KINDS}
    found: dict[tuple[str, int], Notice] = {}
    notes = _flag_late(
        list(EncompassNotification.objects.filter(pk__in=ids["encompass"]).select_related("person", "incident"))
    )
    for n in notes:
        found["encompass", n.pk] = Notice(
            kind="encompass",
            url=reverse("partners:encompass", args=[n.pk]),
            children=n.person.full_name,
            reference=n.incident.reference,
            sent_at=n.created_at,
            acknowledged_at=n.acknowledged_at,
            late_text=n.late_text,  # type: ignore[attr-defined]
        )
    shares = PpnShare.objects.filter(pk__in=ids["ppn"]).select_related("ppn").prefetch_related("ppn__children__person")
    for s in shares:
        found["ppn", s.pk] = Notice(
            kind="ppn",
            url=reverse("partners:ppn", args=[s.ppn_id]),
            children=", ".join(c.person.full_name for c in s.ppn.children.all()),
            reference=s.ppn.reference,
            sent_at=s.shared_at,
            acknowledged_at=s.acknowledged_at,
        )
    protections = (
        ProtectionNotice.objects.filter(pk__in=ids["protection"])
        .select_related("protection")
        .prefetch_related("protection__children__person")
    )
    for p in protections:
        found["protection", p.pk] = Notice(
            kind="protection",
            url=reverse("partners:protection", args=[p.protection_id]),
            children=", ".join(c.person.full_name for c in p.protection.children.all()),
            reference=p.protection.reference,
            sent_at=p.sent_at,
            acknowledged_at=p.acknowledged_at,
            in_protection_now=p.protection.is_open,
        )
    return [found[key] for key in wanted if key in found]


def portal_children(user: User, name: str = "", *, page: int | str = 1) -> Page:
    """The organisation's children (a school's current pupils, an authority's children), by surname."""
    people = partner_people(user)
    if name.strip():
        people = people.filter(_name_q("", name))
    return Paginator(people.order_by("surname", "forenames", "pk"), CHILDREN_PER_PAGE).get_page(page)


def portal_home(
    user: User, f: NoticeFilter | None = None, *, page: int | str = 1, children_page: int | str = 1
) -> dict[str, Any]:
    """The partner's notices (newest first, searched and filtered), its children and the outcomes it sent."""
    f = f or NoticeFilter()
    org = user.organisation_id
    return {
        "notices": portal_notices(user, f, page=page),
        "children": portal_children(user, f.name, page=children_page),
        "organisation": user.organisation,
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
        recipient=note.organisation.name if note.organisation else "",
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
    each: list[PpnChild | None] = [*children] or [None]
    for child in each:
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
