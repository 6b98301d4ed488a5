"""Every write on police protection: start (PP-1, PP-4), designate (PP-1), hand over and end (PP-3), answer the
offences prompt (PP-4), and the local authority's acknowledgement of the notice (PP-1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import Http404

from childsafe.core import access, audit, clock, outbox
from childsafe.core.errors import AccessDenied, InvalidInput, Prompt
from childsafe.core.ids import next_daily_reference
from childsafe.core.models import AuditCategory, User
from childsafe.core.roles import Capability
from childsafe.incidents.models import Incident
from childsafe.people.access import Decision, decide
from childsafe.people.models import Organisation, Person
from childsafe.protection import rules
from childsafe.protection.models import (
    EndOutcome,
    EventKind,
    Offences,
    PlaceOfSafety,
    PoliceProtection,
    ProtectedChild,
    ProtectionEvent,
    ProtectionNotice,
)
from childsafe.referrals import services as referrals_services

STALE = "Someone changed this police protection record a moment ago. Reload the page to see what changed."


@dataclass
class ChildInput:
    person: Person
    wishes: str = ""


@dataclass
class ProtectionStarted:
    protection: PoliceProtection
    prompts: list[Prompt] = field(default_factory=list)


def _require_reach(actor: User, people: list[Person]) -> None:
    """Every child a write touches is within the actor's reach: a record they could not open, they can't change."""
    for person in people:
        if decide(actor, person).decision is Decision.HIDDEN:
            raise AccessDenied("You cannot record police protection for a child outside your access.")


def _children_of(protection: PoliceProtection) -> list[Person]:
    return [c.person for c in protection.children.select_related("person")]


def _audit(
    actor: User | None,
    protection: PoliceProtection,
    event_type: str,
    *,
    category: str = AuditCategory.ALTERATION,
    old: dict | None = None,
    new: dict | None = None,
    channel: str,
) -> None:
    for person_id in protection.children.values_list("person_id", flat=True):
        audit.record(
            actor=actor,
            category=category,
            event_type=event_type,
            subject=protection,
            person_id=person_id,
            old=old,
            new=new,
            channel=channel,
        )


def protection_start(
    *,
    actor: User,
    children: list[ChildInput],
    removed_at: datetime | None,
    reason: str,
    place_kind: str,
    place_name: str,
    place_rationale: str = "",
    la_informed_at: datetime | None = None,
    parents_informed: str,
    offences_against_child: str,
    incident: Incident | None = None,
    investigation_reference: str = "",
    offences_reason: str = "",
    channel: str = "web",
) -> ProtectionStarted:
    """Record that one or more children were taken into police protection (PP-1), tell each child's local
    authority through the outbox, and ask about offences against the child (PP-4)."""
    access.require(actor, Capability.PROTECTION_START)
    _require_reach(actor, [c.person for c in children])
    now = clock.now()
    reason, place_name, place_rationale = reason.strip(), place_name.strip(), place_rationale.strip()
    parents_informed = parents_informed.strip()
    investigation_reference, offences_reason = investigation_reference.strip(), offences_reason.strip()
    errors = protection_start_problems(
        children=children,
        removed_at=removed_at,
        reason=reason,
        place_kind=place_kind,
        place_name=place_name,
        la_informed_at=la_informed_at,
        parents_informed=parents_informed,
        offences_against_child=offences_against_child,
    )
    if errors:
        raise InvalidInput(errors)
    assert removed_at is not None  # checked above
    rules.place_of_safety_check(place_kind, place_rationale)
    prompts: list[Prompt] = []
    if offences_against_child in (Offences.YES, Offences.UNKNOWN) and not (investigation_reference or offences_reason):
        prompts.append(Prompt("PP-4", rules.offences_prompt_message(), field="investigation_reference"))
    with transaction.atomic():
        for attempt in range(5):
            try:
                with transaction.atomic():
                    protection = PoliceProtection(
                        reference=next_daily_reference(PoliceProtection, "PP"),
                        incident=incident,
                        initiated_by=actor,
                        area_id=actor.area_id,
                        removed_at=removed_at,
                        reason=reason,
                        place_kind=place_kind,
                        place_name=place_name,
                        place_rationale=place_rationale,
                        la_informed_at=la_informed_at,
                        parents_informed=parents_informed,
                        offences_against_child=offences_against_child,
                        investigation_reference=investigation_reference,
                        offences_reason=offences_reason,
                        created_at=now,
                    )
                    protection.full_clean()
                    protection.save()
                break
            except IntegrityError:
                if attempt == 4:
                    raise
        try:
            # The partial unique index decides a race between two officers starting protection at once.
            with transaction.atomic():
                for child in children:
                    ProtectedChild.objects.create(
                        protection=protection, person=child.person, wishes=child.wishes.strip()
                    )
        except IntegrityError:
            raise InvalidInput(
                {"children": "One of these children was put in police protection by someone else a moment ago."}
            ) from None
        ProtectionEvent.objects.create(
            protection=protection,
            at=removed_at,
            kind=EventKind.STARTED,
            by=actor,
            text=f"Taken to {place_name} ({protection.get_place_kind_display().lower()}). {reason}",
        )
        _audit(
            actor,
            protection,
            "protection.start",
            category=AuditCategory.COLLECTION,
            new={"reference": protection.reference, "place_kind": place_kind, "offences": offences_against_child},
            channel=channel,
        )
        _notify_local_authorities(protection, [c.person for c in children])
        # RF-7: police protection shows a child at risk, so a PPN about each child is due within 24 hours.
        referrals_services.ppn_requirement_open(
            subject=protection,
            children=[c.person for c in children],
            due_from=actor,
            reason=f"{protection.reference}: children taken into police protection.",
            started_at=removed_at,
            url=f"/protection/{protection.pk}/",
        )
    return ProtectionStarted(protection, prompts)


def protection_start_problems(
    *,
    children: list[ChildInput],
    removed_at: datetime | None,
    reason: str,
    place_kind: str,
    place_name: str,
    la_informed_at: datetime | None,
    parents_informed: str,
    offences_against_child: str,
) -> dict[str, str]:
    """Everything wrong with a start, by argument, without saving anything: `protection_start` refuses on
    these, and a form whose own boxes could not be read asks for them to list every problem at once."""
    reason, place_name, parents_informed = reason.strip(), place_name.strip(), parents_informed.strip()
    now = clock.now()
    errors: dict[str, str] = {}
    ids = [c.person.pk for c in children]
    if not children:
        errors["children"] = "Choose the child or children taken into police protection."
    elif len(set(ids)) != len(ids):
        errors["children"] = "A child is chosen twice. Choose each child once."
    else:
        if removed_at is not None:
            day = removed_at.astimezone(clock.LONDON).date()
            adults = [c.person.full_name for c in children if c.person.date_of_birth and not c.person.is_child_on(day)]
            if adults:
                errors["children"] = (
                    f"{', '.join(adults)} was not a child at the time of removal: police protection is for "
                    "children under 18."
                )
        already = (
            ProtectedChild.objects.filter(person_id__in=ids, open=True)
            .select_related("person", "protection")
            .order_by("person__surname")
        )
        held = [f"{c.person.full_name} ({c.protection.reference})" for c in already]
        if held:
            errors["children"] = (
                f"Already in police protection: {', '.join(held)}. Open that record instead: a child is in one "
                "police protection at a time."
            )
        missing_wishes = [c.person.full_name for c in children if not c.wishes.strip()]
        if missing_wishes:
            errors["child_wishes"] = (
                f"Write the wishes and feelings of {', '.join(missing_wishes)}, in their words where they can "
                "give them, or why they could not be asked."
            )
    if removed_at is None:
        errors["removed_at"] = "Enter the time the children were removed."
    elif removed_at > now:
        errors["removed_at"] = "The time of removal cannot be in the future."
    if not reason:
        errors["reason"] = "Describe the circumstances and why the children were removed."
    if place_kind not in PlaceOfSafety.values:
        errors["place_kind"] = "Choose the kind of place of safety."
    if not place_name:
        errors["place_name"] = "Enter the name of the place of safety."
    if la_informed_at is not None and la_informed_at > now:
        errors["la_informed_at"] = "The time the local authority was told cannot be in the future."
    if not parents_informed:
        errors["parents_informed"] = "Say how the parents were told, or why they have not been told yet."
    if offences_against_child not in Offences.values:
        errors["offences_against_child"] = "Say whether offences may have been committed against the child."
    return errors


def _notify_local_authorities(protection: PoliceProtection, children: list[Person]) -> None:
    """PP-1: each child's local authority told in writing. The email says only that a notice is waiting;
    the children's details are in the partner portal, where the authority acknowledges it."""
    authorities: dict[int, Organisation] = {}
    for child in children:
        la = child.local_authority
        if la is not None and la.email:
            authorities.setdefault(la.pk, la)
    for la in authorities.values():
        ProtectionNotice.objects.create(protection=protection, organisation=la, sent_at=protection.created_at)
        outbox.enqueue(
            kind="police_protection",
            recipient=la.email,
            recipient_organisation_id=la.pk,
            recipient_label=la.name,
            subject="Police protection: a child you are responsible for is in police protection",
            body=(
                f"{la.name},\n\nNorth Yorkshire Police has taken a child you are responsible for into police "
                f"protection under section 46 of the Children Act 1989 (police reference {protection.reference}).\n"
                "Read and acknowledge the notice in the Childsafe partner portal: "
                f"{settings.CHILDSAFE_BASE_URL}/partners/\n\nThis message contains no personal details by design."
            ),
            idempotency_key=f"police_protection:{protection.pk}:{la.pk}",
            person_id=next((c.pk for c in children if c.local_authority_id == la.pk), None),
            source_type="protection.policeprotection",
            source_id=protection.pk,
            deliver_by=protection.created_at + rules.notice_within(),
        )


def _locked(protection: PoliceProtection, version: int | None) -> PoliceProtection:
    """The row under lock, refused if someone changed it since the page was read, or it has ended."""
    current = PoliceProtection.objects.select_for_update().get(pk=protection.pk)
    if version is not None and current.version != version:
        raise InvalidInput({"version": STALE})
    if current.ended_at is not None:
        raise InvalidInput({"protection": f"{current} has already ended: nothing more can be recorded on it."})
    return current


def _bump(protection: PoliceProtection, **changes) -> None:
    PoliceProtection.objects.filter(pk=protection.pk).update(version=F("version") + 1, **changes)
    protection.refresh_from_db()


def protection_designate(
    *,
    actor: User,
    protection: PoliceProtection,
    officer: User,
    rationale: str = "",
    version: int | None = None,
    channel: str = "web",
) -> PoliceProtection:
    """Name the designated officer (PP-1): an inspector takes it on, or an inspector names another."""
    access.require(actor, Capability.PROTECTION_DECIDE)
    _require_reach(actor, _children_of(protection))
    if not officer.is_active or officer.is_partner:
        raise InvalidInput({"officer": "Choose a serving police officer."})
    with transaction.atomic():
        current = _locked(protection, version)
        if current.designated_officer_id is not None:
            raise InvalidInput({"officer": "A designated officer is already named. Record a handover to change them."})
        rules.designation_check(actor=actor, officer=officer, protection=current)
        now = clock.now()
        _bump(current, designated_officer=officer, designated_at=now)
        ProtectionEvent.objects.create(
            protection=current, at=now, kind=EventKind.DESIGNATED, by=actor, officer=officer, text=rationale.strip()
        )
        _audit(actor, current, "protection.designate", new={"officer": officer.username}, channel=channel)
    return current


def protection_handover(
    *,
    actor: User,
    protection: PoliceProtection,
    to: User,
    rationale: str,
    version: int | None = None,
    channel: str = "web",
) -> PoliceProtection:
    """Hand the protection to another designated officer, with why (PP-3)."""
    access.require(actor, Capability.PROTECTION_DECIDE)
    _require_reach(actor, _children_of(protection))
    if not to.is_active or to.is_partner:
        raise InvalidInput({"to": "Choose a serving police officer."})
    with transaction.atomic():
        current = _locked(protection, version)
        if current.designated_officer_id is None:
            raise InvalidInput({"to": "No designated officer is named yet: designate one instead of a handover."})
        rules.handover_check(actor=actor, to=to, protection=current, rationale=rationale)
        previous = current.designated_officer
        now = clock.now()
        _bump(current, designated_officer=to, designated_at=now)
        ProtectionEvent.objects.create(
            protection=current, at=now, kind=EventKind.HANDOVER, by=actor, officer=to, text=rationale.strip()
        )
        _audit(
            actor,
            current,
            "protection.handover",
            old={"officer": previous.username if previous else ""},
            new={"officer": to.username, "rationale": rationale.strip()},
            channel=channel,
        )
    return current


def protection_end(
    *,
    actor: User,
    protection: PoliceProtection,
    outcome: str,
    rationale: str,
    ended_at: datetime | None = None,
    version: int | None = None,
    channel: str = "web",
) -> PoliceProtection:
    """End police protection with the outcome and why the children are safe (PP-3). Only once: a second end,
    even at the same moment by another inspector, is refused under the row lock."""
    access.require(actor, Capability.PROTECTION_DECIDE)
    _require_reach(actor, _children_of(protection))
    now = clock.now()
    ended_at = ended_at or now
    errors: dict[str, str] = {}
    if outcome not in EndOutcome.values:
        errors["outcome"] = "Choose how police protection ended."
    if ended_at > now:
        errors["ended_at"] = "The end of police protection cannot be in the future."
    elif ended_at < protection.removed_at:
        errors["ended_at"] = "Police protection cannot end before the children were removed."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        current = _locked(protection, version)
        rules.end_check(actor=actor, protection=current, rationale=rationale)
        _bump(current, ended_at=ended_at, ended_by=actor, end_outcome=outcome, end_rationale=rationale.strip())
        ProtectedChild.objects.filter(protection=current).update(open=False)
        ProtectionEvent.objects.create(
            protection=current,
            at=ended_at,
            kind=EventKind.ENDED,
            by=actor,
            text=f"{current.get_end_outcome_display()}. {rationale.strip()}",
        )
        _audit(
            actor, current, "protection.end", new={"outcome": outcome, "rationale": rationale.strip()}, channel=channel
        )
    return current


def protection_offences_answer(
    *,
    actor: User,
    protection: PoliceProtection,
    investigation_reference: str = "",
    reason: str = "",
    version: int | None = None,
    channel: str = "web",
) -> PoliceProtection:
    """PP-4's answer: the linked investigation, or why there is none. Allowed after the end too: the question
    of offences against the child outlives the protection."""
    access.require(actor, Capability.PROTECTION_DECIDE)
    _require_reach(actor, _children_of(protection))
    investigation_reference, reason = investigation_reference.strip(), reason.strip()
    if not (investigation_reference or reason):
        raise InvalidInput(
            {"investigation_reference": "Give the investigation's reference, or write why there is none."}
        )
    with transaction.atomic():
        current = PoliceProtection.objects.select_for_update().get(pk=protection.pk)
        if version is not None and current.version != version:
            raise InvalidInput({"version": STALE})
        _bump(current, investigation_reference=investigation_reference, offences_reason=reason)
        ProtectionEvent.objects.create(
            protection=current,
            at=clock.now(),
            kind=EventKind.OFFENCES,
            by=actor,
            text=f"Investigation {investigation_reference}." if investigation_reference else reason,
        )
        _audit(
            actor,
            current,
            "protection.offences",
            new={"investigation_reference": investigation_reference, "reason": reason},
            channel=channel,
        )
    return current


def notice_acknowledge(*, actor: User, protection: PoliceProtection, channel: str = "web") -> ProtectionNotice:
    """The local authority acknowledges the notice sent to it. Anyone else: it isn't there (404), audited."""
    notice = None
    if actor.is_partner and actor.organisation_id is not None:
        notice = ProtectionNotice.objects.filter(protection=protection, organisation_id=actor.organisation_id).first()
    if notice is None:
        audit.access(
            actor=actor,
            event_type="protection.acknowledge.refused",
            subject=protection,
            justification="Refused: not sent to this user's organisation.",
            channel=channel,
        )
        raise Http404("No notice with that reference.")
    if notice.acknowledged_at:
        raise InvalidInput({"protection": "This notice was already acknowledged."})
    with transaction.atomic():
        now = clock.now()
        if not ProtectionNotice.objects.filter(pk=notice.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=actor
        ):
            raise InvalidInput({"protection": "Someone acknowledged this notice a moment ago."})
        ProtectionEvent.objects.create(
            protection=protection, at=now, kind=EventKind.ACKNOWLEDGED, by=actor, text=notice.organisation.name
        )
        _audit(
            actor, protection, "protection.acknowledge", new={"organisation": notice.organisation.name}, channel=channel
        )
    notice.refresh_from_db()
    return notice
