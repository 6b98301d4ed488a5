"""PPN submission (RF-1, RF-2, RF-8), VAT triage and sharing (RF-3, RF-4, RF-6), partner acknowledgement,
and Operation Encompass (RF-9), registered to run when a domestic abuse incident is recorded."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Model
from django.http import Http404

from childsafe.core import access, audit, clock, compiled, language, outbox, policy
from childsafe.core.errors import AccessDenied, InvalidInput, Prompt, RuleRefusal
from childsafe.core.ids import next_daily_reference
from childsafe.core.models import AuditCategory, User
from childsafe.core.roles import Capability, Rank, Role
from childsafe.incidents.models import Incident, IncidentType
from childsafe.incidents.services import recorded_hook
from childsafe.missing.models import SafeAndWellCheck
from childsafe.people import calendars
from childsafe.people.access import partner_people, reach_for_write
from childsafe.people.models import Organisation, Person, SchoolEnrolment
from childsafe.people.selectors import household_children
from childsafe.people.vocabulary import OrganisationType, SelfDefinedEthnicity
from childsafe.referrals import encompass, rules
from childsafe.referrals.models import (
    EncompassNotification,
    Ppn,
    PpnChild,
    PpnDelay,
    PpnDraft,
    PpnDraftChild,
    PpnDraftOtherChild,
    PpnOtherChild,
    PpnRequirement,
    PpnReview,
    PpnShare,
    PpnStatus,
    ReviewQuality,
    StrategyAction,
    StrategyMeeting,
)
from childsafe.referrals.strategy_page import may_mark_done

SHAREABLE = {OrganisationType.LOCAL_AUTHORITY, OrganisationType.PARTNER, OrganisationType.SCHOOL}


@dataclass
class PpnChildInput:
    person: Person
    aware: dict[str, str] = field(default_factory=dict)
    voice: str = ""
    ethnicity: str = ""


@dataclass
class OtherChildInput:
    """RF-8: another child of the household, not referred on this PPN, and why not."""

    person: Person
    reason: str = ""


@dataclass
class PpnSubmitted:
    ppn: Ppn
    prompts: list[Prompt] = field(default_factory=list)


def other_child_field(person: Person) -> str:
    """The name a refusal about another child (RF-8) is given: the PPN form's field for their reason."""
    return f"o{person.pk}_reason"


def _other_errors(
    children: list[PpnChildInput], others: list[OtherChildInput], *, need_reasons: bool
) -> dict[str, str]:
    """RF-8: another child is either referred on the PPN or not, once, and (`need_reasons`: on submission)
    someone not referred has the reason why not."""
    errors: dict[str, str] = {}
    referred = {c.person.pk for c in children}
    seen: set[int] = set()
    for other in others:
        name = other.person.full_name
        if other.person.pk in seen:
            errors[other_child_field(other.person)] = f"{name} is listed twice as another child."
        elif other.person.pk in referred:
            errors[other_child_field(other.person)] = (
                f"{name} is referred on this PPN and also listed as not referred. Choose one."
            )
        elif need_reasons and not (other.reason or "").strip():
            errors[other_child_field(other.person)] = (
                f"Give the reason {name} is not referred on this PPN, or add them to it."
            )
        seen.add(other.person.pk)
    return errors


# A household or sibling group fits easily; beyond this a PPN is unreadable for the MASH and a batch
# of thousands is a mistake or an attack, not a referral.
MAX_CHILDREN = 20


def _structure_errors(
    children: list[PpnChildInput], incident: Incident | None, *, check_codes: bool = False
) -> dict[str, str]:
    """What makes a PPN (or a draft) impossible whatever stage it is at: no children, a child twice, a child
    not on the linked incident (nor of the household of one who is: RF-8), an AWARE section or
    (`check_codes`, for a draft: a submission's RF-2 guard says it) an ethnicity code that doesn't exist."""
    errors: dict[str, str] = {}
    if not children:
        errors["children"] = "Add the child or children the PPN is about."
    elif len(children) > MAX_CHILDREN:
        errors["children"] = (
            f"A PPN can name up to {MAX_CHILDREN} children (this one names {len(children)}). For a larger "
            "group, such as a whole household or class, submit one PPN for each family and say so in each."
        )
    if len({c.person.pk for c in children}) != len(children):
        errors["children"] = "A child is named twice on this PPN."
    if incident is not None:
        on_incident = set(incident.people.values_list("person_id", flat=True))
        outside = [c for c in children if c.person.pk not in on_incident]
        if outside:
            household = {h.person.pk for h in household_children(sorted(on_incident))}
            outside = [c for c in outside if c.person.pk not in household]
        strangers = [c.person.full_name for c in outside]
        if strangers:
            errors["children"] = (
                f"{', '.join(strangers)} is not on incident {incident.reference}. Add them to the "
                "incident first, or submit the PPN without linking it."
            )
    for c in children:
        unknown = [k for k in c.aware if k not in rules.AWARE_SECTIONS]
        if unknown:
            errors["aware"] = f"{', '.join(unknown)} is not a section of AWARE."
        if check_codes and c.ethnicity and c.ethnicity not in SelfDefinedEthnicity.values:
            errors["ethnicity"] = (
                f"{c.ethnicity!r} is not a self-defined ethnicity code for {c.person.full_name}. Use one of the "
                "18+1 codes (W1, W2, ... O9) or NS for not stated."
            )
    return errors


def ppn_submit(
    *,
    actor: User,
    concern: str,
    children: list[PpnChildInput],
    incident: Incident | None = None,
    other_children: str = "",
    other_people: list[OtherChildInput] | None = None,
    channel: str = "web",
    requirement: PpnRequirement | None = None,
    viewed: audit.Batch | None = None,
) -> PpnSubmitted:
    """Submit a PPN. Each child needs AWARE and their voice (RF-1) and their ethnicity or NS (RF-2).

    `requirement`: the RF-7 requirement the PPN was started from (the form opened from the record that
    showed the risk); it is met by this PPN whoever the children are. Any other open requirement is met
    once every child it names has a PPN since it started.

    `other_people` (RF-8): the household's other children on police records who are not referred, each with
    the reason; `other_children`, in words, others not known to police. The RF-8 prompt names the
    household's children (same address, siblings, household) neither referred nor given a reason.

    `viewed`: the caller's logged views of the children (people.access.person_for_user with `log`), written
    with the PPN's own events, last in its transaction, and emptied once it commits."""
    access.require(actor, Capability.INCIDENT_RECORD)
    others = list(other_people or [])
    errors = _structure_errors(children, incident)
    errors.update(_other_errors(children, others, need_reasons=True))
    concern = (concern or "").strip()
    if not concern:
        errors["concern"] = "Enter what the concern is."
    if errors:
        raise InvalidInput(errors)
    for child in children:
        rules.check_child_entry(child.person.full_name, child.aware, child.voice, child.ethnicity)
    # The audit events are written together at the end (audit.Batch): the chain's tail is locked only for
    # the last statements before the commit, not for the whole submission.
    log = audit.Batch(viewed) if viewed is not None else audit.Batch()
    # The number first, in its own short transaction (unless the caller holds one): the day's counter row is
    # locked only for that statement, not for the whole submission, so concurrent submissions don't queue
    # behind each other for it. A submission that then fails leaves a gap in the day's numbers (ADR 0056).
    reference = next_daily_reference(Ppn, "PPN")
    with transaction.atomic():
        # The PPN and its children by statements built once (core.compiled, ADR 0064): this runs on every PPN.
        ppn = Ppn(
            reference=reference,
            concern=concern,
            incident=incident,
            other_children=other_children.strip(),
            submitted_at=clock.now(),
            submitted_by=actor,
        )
        compiled.insert([ppn])
        compiled.insert(
            [
                PpnChild(
                    ppn=ppn,
                    person=child.person,
                    voice=child.voice.strip(),
                    ethnicity=child.ethnicity,
                    aware={s: str(child.aware.get(s, "")).strip() for s in rules.AWARE_SECTIONS},
                )
                for child in children
            ]
        )
        for child in children:
            log.record(
                actor=actor,
                category=AuditCategory.COLLECTION,
                event_type="ppn.submit",
                subject=ppn,
                person_id=child.person.pk,
                channel=channel,
                new={"concern": concern, "ethnicity": child.ethnicity, "incident": incident.pk if incident else None},
            )
        if others:
            PpnOtherChild.objects.bulk_create(
                [PpnOtherChild(ppn=ppn, person=other.person, reason=other.reason.strip()) for other in others]
            )
        for other in others:
            log.record(
                actor=actor,
                category=AuditCategory.COLLECTION,
                event_type="ppn.other_child",
                subject=ppn,
                person_id=other.person.pk,
                channel=channel,
                new={"not_referred_because": other.reason.strip()},
            )
        texts = {
            "concern": concern,
            "other_children": other_children,
            **{f"voice.{c.person.pk}": c.voice for c in children},
            **{other_child_field(o.person): o.reason for o in others},
        }
        for c in children:
            texts.update({f"aware.{c.person.pk}.{k}": str(v) for k, v in c.aware.items()})
        prompts = language.check(texts=texts, user=actor, subject_type="referrals.ppn", subject_id=ppn.pk)
        _requirements_met(ppn, [c.person.pk for c in children], requirement, actor, channel, log)
        log.write()
    if viewed is not None:
        viewed.values.clear()  # written with the PPN
    rf8 = other_children_prompt(children, others, other_children)
    if rf8 is not None:
        prompts.append(rf8)
    return PpnSubmitted(ppn, prompts)


def other_children_prompt(
    children: list[PpnChildInput], others: list[OtherChildInput], other_children: str
) -> Prompt | None:
    """RF-8: name the household's children who are neither referred nor given a reason; with none known to
    police, ask about others if nothing was said about them."""
    addressed = {c.person.pk for c in children} | {o.person.pk for o in others}
    left = [h for h in household_children([c.person.pk for c in children]) if h.person.pk not in addressed]
    if left:
        names = "; ".join(f"{h.person.full_name} ({h.why})" for h in left)
        return Prompt(
            "RF-8",
            f"Other children of the household are not on this PPN and have no reason recorded: {names}. "
            "Refer each one on a PPN or record why not.",
            field="other_children",
        )
    if not other_children.strip() and not others:
        return Prompt(
            "RF-8",
            "Are there other children in the household, with access to the suspect, or "
            "linked friends? Refer each one or record why not.",
            field="other_children",
        )
    return None


# -- Drafts ---------------------------------------------------------------------------------------------
SUBMITTED_IS_FINAL = (
    "{ppn} has been submitted, so it can't be changed here. Only VAT changes a submitted PPN, by triaging it: "
    "if something needs correcting, ask VAT to return it to you and submit a new PPN."
)


def _own_draft(actor: User, draft: PpnDraft) -> PpnDraft:
    """The draft, locked, if this user wrote it and it is still a draft. Anyone else: it isn't there (404)."""
    found = PpnDraft.objects.select_for_update().filter(pk=draft.pk, author=actor).first()
    if found is None:
        raise Http404("No draft PPN with that reference.")
    if found.submitted_ppn_id is not None:
        raise InvalidInput({"ppn": SUBMITTED_IS_FINAL.format(ppn=Ppn.objects.get(pk=found.submitted_ppn_id))})
    return found


def _draft_audit(actor: User, draft: PpnDraft, event_type: str, category: str, new: dict, channel: str) -> None:
    for person_id in draft.children.values_list("person_id", flat=True).order_by("id"):
        audit.record(
            actor=actor,
            category=category,
            event_type=event_type,
            subject=draft,
            person_id=person_id,
            new=new,
            channel=channel,
        )


def ppn_draft_save(
    *,
    actor: User,
    concern: str,
    children: list[PpnChildInput],
    incident: Incident | None = None,
    other_children: str = "",
    other_people: list[OtherChildInput] | None = None,
    draft: PpnDraft | None = None,
    channel: str = "web",
) -> PpnDraft:
    """Keep what the officer has written so far, to finish later. No RF-1, RF-2 or RF-8 guard yet (they apply
    on submission), but a draft must still make sense: its children, their ethnicity codes, the incident.
    Updating a draft keeps its incident; only its author may; a submitted one is final."""
    access.require(actor, Capability.INCIDENT_RECORD)
    now = clock.now()
    with transaction.atomic():
        if draft is not None:
            draft = _own_draft(actor, draft)
            incident = draft.incident
        others = list(other_people or [])
        errors = _structure_errors(children, incident, check_codes=True)
        errors.update(_other_errors(children, others, need_reasons=False))
        if errors:
            raise InvalidInput(errors)
        concern, other_children = (concern or "").strip(), (other_children or "").strip()
        if draft is None:
            draft = PpnDraft.objects.create(
                author=actor,
                incident=incident,
                concern=concern,
                other_children=other_children,
                created_at=now,
                updated_at=now,
            )
        else:
            PpnDraft.objects.filter(pk=draft.pk).update(concern=concern, other_children=other_children, updated_at=now)
            draft.children.all().delete()
            draft.other_people.all().delete()
        for other in others:
            PpnDraftOtherChild.objects.create(draft=draft, person=other.person, reason=(other.reason or "").strip())
        for child in children:
            PpnDraftChild.objects.create(
                draft=draft,
                person=child.person,
                voice=(child.voice or "").strip(),
                ethnicity=child.ethnicity or "",
                aware={s: str(child.aware.get(s, "")).strip() for s in rules.AWARE_SECTIONS},
            )
        _draft_audit(
            actor,
            draft,
            "ppn.draft_save",
            AuditCategory.COLLECTION,
            {"concern": concern, "incident": incident.pk if incident else None},
            channel,
        )
    draft.refresh_from_db()
    return draft


def ppn_draft_submit(
    *,
    actor: User,
    draft: PpnDraft,
    concern: str,
    children: list[PpnChildInput],
    other_children: str = "",
    other_people: list[OtherChildInput] | None = None,
    channel: str = "web",
) -> PpnSubmitted:
    """Submit a draft as it now reads, through `ppn_submit` (every guard and the QG-1 check, as for a new PPN).
    A refusal changes nothing: the draft stays as it was. Once submitted the draft keeps only the PPN's link."""
    with transaction.atomic():
        draft = _own_draft(actor, draft)
        submitted = ppn_submit(
            actor=actor,
            concern=concern,
            children=children,
            incident=draft.incident,
            other_children=other_children,
            other_people=other_people,
            channel=channel,
        )
        _draft_audit(
            actor, draft, "ppn.draft_submit", AuditCategory.ALTERATION, {"ppn": submitted.ppn.reference}, channel
        )
        draft.children.all().delete()
        draft.other_people.all().delete()
        PpnDraft.objects.filter(pk=draft.pk).update(
            submitted_ppn=submitted.ppn, concern="", other_children="", updated_at=clock.now()
        )
    return submitted


def ppn_draft_discard(*, actor: User, draft: PpnDraft, channel: str = "web") -> None:
    """The author throws a draft away. Nothing was shared, so nothing else changes."""
    with transaction.atomic():
        draft = _own_draft(actor, draft)
        _draft_audit(actor, draft, "ppn.draft_discard", AuditCategory.ERASURE, {"draft": draft.pk}, channel)
        draft.delete()


def ppn_triage(
    *,
    actor: User,
    ppn: Ppn,
    decision: str,
    partners: list[Organisation] | None = None,
    reason: str = "",
    channel: str = "web",
) -> Ppn:
    """VAT's decision: share with partners (RF-6), return to the officer with reasons (RF-4), or no further action."""
    if actor.role != Role.VAT:
        raise AccessDenied("Only the Vulnerability Assessment Team (VAT) triages PPNs.")
    errors: dict[str, str] = {}
    partners = partners or []
    if decision not in {"share", "return", "no_further_action"}:
        errors["decision"] = "Choose share, return or no_further_action."
    elif decision == "share" and not partners:
        errors["partners"] = "Choose at least one partner to share the PPN with."
    elif decision != "share" and not reason.strip():
        errors["reason"] = "Give the reason for returning the PPN or taking no further action."
    elif decision != "share" and partners:
        errors["partners"] = "Partners are chosen only when the decision is to share the PPN."
    for org in partners:
        if org.type not in SHAREABLE:
            errors["partners"] = f"{org.name} is not a partner Childsafe shares PPNs with."
        elif not (org.email or org.key_adult_email):
            errors["partners"] = f"{org.name} has no email address to send the PPN to. Add one first."
    if ppn.status != PpnStatus.SUBMITTED:
        errors["ppn"] = f"{ppn} has already been triaged ({ppn.get_status_display().lower()})."
    if errors:
        raise InvalidInput(errors)
    status = {
        "share": PpnStatus.SHARED,
        "return": PpnStatus.RETURNED,
        "no_further_action": PpnStatus.NO_FURTHER_ACTION,
    }[decision]
    now = clock.now()
    with transaction.atomic():
        updated = Ppn.objects.filter(pk=ppn.pk, status=PpnStatus.SUBMITTED).update(
            status=status, triaged_at=now, triaged_by=actor, decision_reason=reason.strip(), version=F("version") + 1
        )
        if not updated:
            raise InvalidInput({"ppn": f"Someone triaged {ppn} a moment ago."})
        child_ids = list(ppn.children.values_list("person_id", flat=True))
        for org in partners:
            PpnShare.objects.create(ppn=ppn, organisation=org, shared_at=now)
            outbox.enqueue(
                kind="ppn_referral",
                recipient=org.email or org.key_adult_email,
                recipient_organisation_id=org.pk,
                recipient_label=org.name,
                subject="A police referral (PPN) is waiting for you in Childsafe",
                body=(
                    f"{org.name},\n\nNorth Yorkshire Police has shared a Public Protection Notice with you "
                    f"(reference {ppn.reference}). Read and acknowledge it in the Childsafe partner portal: "
                    f"{settings.CHILDSAFE_BASE_URL}/partners/\n\nThis message contains no personal details by design."
                ),
                idempotency_key=f"ppn_referral:{ppn.pk}:{org.pk}",
                person_id=child_ids[0] if child_ids else None,
                source_type="referrals.ppn",
                source_id=ppn.pk,
            )
        for pid in child_ids:
            audit.record(
                actor=actor,
                category=AuditCategory.ALTERATION,
                event_type="ppn.triage",
                subject=ppn,
                person_id=pid,
                old={"status": PpnStatus.SUBMITTED},
                new={"status": status, "partners": [o.name for o in partners], "reason": reason},
                channel=channel,
            )
    ppn.refresh_from_db()
    return ppn


def ppn_review_record(*, actor: User, ppn: Ppn, quality: str, note: str, channel: str = "web") -> PpnReview:
    """RF-5: the line manager's findings on a PPN from their monthly sample. Only the submitting officer's
    line manager, only a PPN the system picked for the sample (so nobody chooses the easy ones), once."""
    access.require(actor, Capability.INCIDENT_RECORD)
    submitter = User.objects.only("pk", "line_manager_id").get(pk=ppn.submitted_by_id)
    if submitter.line_manager_id != actor.pk:
        raise AccessDenied("Only the line manager of the officer who submitted a PPN reviews it for RF-5.")
    month = rules.month_of(ppn.submitted_at)
    errors: dict[str, str] = {}
    note = (note or "").strip()
    if quality not in ReviewQuality.values:
        errors["quality"] = "Choose good, needs improvement or not acceptable."
    if not note:
        errors["note"] = "Write what you found: what was done well and what the officer should do differently."
    if PpnReview.objects.filter(ppn=ppn, reviewer=actor).exists():
        errors["ppn"] = f"You have already recorded your findings on {ppn}."
    elif ppn.pk not in rules.ppn_sample(actor.pk, month).picked:
        errors["ppn"] = (
            f"{ppn} is not in your sample for {month:%B %Y}. Review the PPNs the system picked, "
            "so the sample stays fair."
        )
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        try:
            with transaction.atomic():
                review = PpnReview.objects.create(
                    ppn=ppn, reviewer=actor, month=month, quality=quality, note=note, reviewed_at=clock.now()
                )
        except IntegrityError:
            raise InvalidInput({"ppn": f"You have already recorded your findings on {ppn}."}) from None
        for person_id in ppn.children.values_list("person_id", flat=True):
            audit.record(
                actor=actor,
                category=AuditCategory.COLLECTION,
                event_type="ppn.review",
                subject=ppn,
                person_id=person_id,
                new={"quality": quality, "note": note, "month": f"{month:%Y-%m}"},
                channel=channel,
            )
    return review


def ppn_acknowledge(*, actor: User, ppn: Ppn, channel: str = "web") -> PpnShare:
    """A partner acknowledges a PPN shared with their organisation. Anyone else: it isn't there (404)."""
    share = None
    if actor.is_partner and actor.organisation_id is not None:
        share = PpnShare.objects.filter(ppn=ppn, organisation_id=actor.organisation_id).first()
    if share is None:
        audit.access(
            actor=actor,
            event_type="ppn.acknowledge.refused",
            subject=ppn,
            justification="Refused: not shared with this user's organisation.",
            channel=channel,
        )
        raise Http404("No PPN with that reference.")
    if share.acknowledged_at:
        raise InvalidInput({"ppn": f"{ppn} was already acknowledged."})
    with transaction.atomic():
        acknowledged = PpnShare.objects.filter(pk=share.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=clock.now(), acknowledged_by=actor
        )
        if not acknowledged:
            raise InvalidInput({"ppn": f"Someone acknowledged {ppn} a moment ago."})
        for person_id in ppn.children.values_list("person_id", flat=True):
            audit.record(
                actor=actor,
                category=AuditCategory.ALTERATION,
                event_type="ppn.acknowledge",
                subject=ppn,
                person_id=person_id,
                new={"organisation": share.organisation.name},
                channel=channel,
            )
    share.refresh_from_db()
    return share


@recorded_hook
def encompass_on_domestic_abuse(incident: Incident, actor: User | None) -> list[Prompt]:
    """RF-9: a domestic abuse incident with a school-age child present or normally resident notifies the
    child's school Key Adult at once, due before the next school day starts; no known school (or home
    educated): the local authority. A missing contact is recorded as a problem (an alert), never dropped.
    An incident recorded late is still notified at once; the notification shows how late (RF-9)."""
    if incident.type != IncidentType.DOMESTIC_ABUSE:
        return []
    prompts: list[Prompt] = []
    late = encompass.late_by(incident, rules.late_recording_threshold())
    qualifying = encompass.qualifying(
        encompass.candidates().filter(incident=incident).select_related("person__local_authority").order_by("id")
    )
    for ip in qualifying:
        enrolment = (
            SchoolEnrolment.objects.filter(person=ip.person, valid_to__isnull=True).select_related("school").first()
        )
        school = enrolment.school if enrolment else None
        org = school or ip.person.local_authority
        address = (school.key_adult_email if school else (org.email if org else "")) or ""
        problem = ""
        if org is None:
            problem = "the child has no known school or local authority."
        elif not address:
            problem = f"{org.name} has no {'Key Adult' if school else 'children services'} email address."
        try:
            cal = calendars.calendar_for(school.calendar if school else None)
            start = cal.start_time or time.fromisoformat(str(policy.get(rules.RF9_SCHOOL_DAY_START.key)))
            due = calendars.next_school_day_start(clock.now(), cal, start=start)
        except ValueError as exc:
            due, problem = None, problem or f"{org.name if org else 'The school'}'s calendar can't be read: {exc}"
        note = EncompassNotification.objects.create(
            incident=incident,
            person=ip.person,
            organisation=org,
            to_local_authority=school is None,
            present=ip.present,
            created_at=clock.now(),
            due_by=due,
            problem=problem,
        )
        if org is not None and not problem:
            outbox.enqueue(
                kind="encompass",
                recipient=address,
                recipient_organisation_id=org.pk,
                recipient_label=org.name,
                subject="Operation Encompass: a notification is waiting for you in Childsafe",
                body=(
                    f"{org.name},\n\nNorth Yorkshire Police has an Operation Encompass notification for a "
                    f"{'pupil at your school' if school else 'child in your area'} (police reference "
                    f"{incident.reference}). Read it before the school day starts in the Childsafe partner portal: "
                    f"{settings.CHILDSAFE_BASE_URL}/partners/\n\nThis message contains no personal details by design."
                ),
                idempotency_key=f"encompass:{note.pk}",
                person_id=ip.person_id,
                source_type="referrals.encompassnotification",
                source_id=note.pk,
                deliver_by=due,
            )
        else:
            prompts.append(
                Prompt(
                    "RF-9",
                    f"Operation Encompass for {ip.person.full_name}: {problem} VAT has been "
                    "alerted; tell the school another way tonight if you can.",
                )
            )
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="encompass.create",
            subject=note,
            person_id=ip.person_id,
            new={
                "organisation": org.name if org else None,
                "due_by": due.isoformat() if due else None,
                "problem": problem,
                "recorded_late_by_hours": round(late.total_seconds() / 3600, 1) if late else None,
            },
        )
    if qualifying and late:
        prompts.append(
            Prompt(
                "RF-9",
                f"This incident was recorded {encompass.describe(late)} after it happened. Operation Encompass "
                "notifications have still been sent, flagged as recorded late.",
            )
        )
    return prompts


@dataclass
class ActionInput:
    action: str
    owner: User
    due_at: datetime


def strategy_meeting_record(
    *,
    actor: User,
    child: Person,
    held_at: datetime,
    attendees: str,
    decisions: str,
    actions: list[ActionInput],
    channel: str = "web",
    reasons: Mapping[str, str] | None = None,
) -> StrategyMeeting:
    """Record a strategy meeting's attendees, decisions and actions on the child's record (RF-10)."""
    access.require(actor, Capability.INCIDENT_RECORD)
    why = reach_for_write(actor, child, reasons=reasons, channel=channel, event_type="strategy_meeting.record")
    errors: dict[str, str] = {}
    attendees, decisions = _meeting_text(errors, held_at, attendees, decisions)
    for n, item in enumerate(actions, start=1):
        if not item.action.strip():
            errors[f"actions.{n}"] = f"Enter what action {n} is."
        elif item.owner.is_partner or not item.owner.is_active:
            errors[f"actions.{n}"] = f"Action {n} needs a named police owner."
        elif item.due_at < held_at:
            errors[f"actions.{n}"] = f"Action {n} can't be due before the meeting was held."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        meeting = StrategyMeeting.objects.create(
            person=child,
            held_at=held_at,
            attendees=attendees,
            decisions=decisions,
            recorded_at=clock.now(),
            recorded_by=actor,
        )
        for item in actions:
            StrategyAction.objects.create(
                meeting=meeting, action=item.action.strip(), owner=item.owner, due_at=item.due_at
            )
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="strategy_meeting.record",
            subject=meeting,
            person_id=child.pk,
            channel=channel,
            justification=why,
            new={
                "held_at": held_at.isoformat(),
                "attendees": attendees,
                "decisions": decisions,
                "actions": [(a.action, a.owner.username, a.due_at.isoformat()) for a in actions],
            },
        )
    return meeting


def _meeting_text(errors: dict[str, str], held_at: datetime, attendees: str, decisions: str) -> tuple[str, str]:
    """The checks every strategy meeting record passes, however it arrives (RF-10)."""
    attendees, decisions = (attendees or "").strip(), (decisions or "").strip()
    if not attendees:
        errors["attendees"] = "Enter who attended, and for which agency."
    elif len(attendees) > 10_000:
        errors["attendees"] = "The list of who attended must be 10,000 characters or fewer."
    if not decisions:
        errors["decisions"] = "Enter what the meeting decided."
    elif len(decisions) > 10_000:
        errors["decisions"] = "What the meeting decided must be 10,000 characters or fewer."
    if held_at > clock.now():
        errors["held_at"] = "The meeting date must be today or in the past."
    return attendees, decisions


def strategy_outcome_check(*, actor: User, child: Person, channel: str = "web") -> None:
    """May this user return a strategy meeting outcome for this child? Refusals are audited: a school (or
    anyone else without the capability) gets AccessDenied (403); another authority's child, Http404."""
    if not access.can(actor, Capability.STRATEGY_OUTCOME_RETURN):
        audit.access(
            actor=actor,
            event_type="strategy_outcome.return.refused",
            subject=child,
            person_id=child.pk,
            justification="Refused: only local authority children's services return strategy meeting outcomes.",
            channel=channel,
        )
        raise AccessDenied(
            "Only local authority children's services can send the outcome of a strategy meeting. "
            "Ask the child's social worker to send it."
        )
    if not partner_people(actor).filter(pk=child.pk).exists():
        audit.access(
            actor=actor,
            event_type="strategy_outcome.return.refused",
            subject=child,
            person_id=child.pk,
            justification="Refused: not a child of this user's organisation.",
            channel=channel,
        )
        raise Http404("No child with that reference.")


def strategy_outcome_return(
    *, actor: User, child: Person, held_at: datetime, attendees: str, decisions: str, channel: str = "web"
) -> StrategyMeeting:
    """Children's services return a strategy meeting's outcome through the partner portal (RF-10). It goes on
    the child's record beside the police's own meetings (one place), with the portal user and organisation.

    Only a local authority partner may (a school: refused, 403, audited), and only for a child of its own
    (anyone else's: not there, 404, audited)."""
    strategy_outcome_check(actor=actor, child=child, channel=channel)
    errors: dict[str, str] = {}
    attendees, decisions = _meeting_text(errors, held_at, attendees, decisions)
    if errors:
        raise InvalidInput(errors)
    organisation = actor.organisation
    with transaction.atomic():
        meeting = StrategyMeeting.objects.create(
            person=child,
            held_at=held_at,
            attendees=attendees,
            decisions=decisions,
            recorded_at=clock.now(),
            recorded_by=actor,
            organisation=organisation,
        )
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="strategy_outcome.return",
            subject=meeting,
            person_id=child.pk,
            channel=channel,
            new={
                "held_at": held_at.isoformat(),
                "attendees": attendees,
                "decisions": decisions,
                "organisation": organisation.name if organisation else None,
            },
        )
        # QG-1 on what the local authority wrote too: counted as any other use (the page shows the wording).
        language.check(
            texts={"decisions": decisions}, user=actor, subject_type="referrals.strategymeeting", subject_id=meeting.pk
        )
    return meeting


def strategy_action_done(
    *, actor: User, action: StrategyAction, channel: str = "web", reasons: Mapping[str, str] | None = None
) -> StrategyAction:
    """The action's owner, or a supervisor, marks a strategy meeting action done (RF-10): its clock stops."""
    if actor.is_partner:
        raise AccessDenied("Strategy meeting actions are marked done by the police officer who owns them.")
    why = reach_for_write(
        actor, action.meeting.person, reasons=reasons, channel=channel, event_type="strategy_action.done"
    )
    if not may_mark_done(actor, action):
        raise RuleRefusal(
            "RF-10",
            f"Only the action's owner ({action.owner.display_name}) or a supervisor can mark it done. "
            "Ask them to, or tell your supervisor if it has been done.",
            field="action",
        )
    if action.done_at is not None:
        raise InvalidInput({"action": "This action is already done."})
    with transaction.atomic():
        updated = StrategyAction.objects.filter(pk=action.pk, done_at__isnull=True).update(done_at=clock.now())
        if not updated:
            raise InvalidInput({"action": "Someone marked this action done a moment ago."})
        audit.record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="strategy_action.done",
            subject=action.meeting,
            person_id=action.meeting.person_id,
            new={"action": action.action},
            channel=channel,
            justification=why,
        )
    action.refresh_from_db()
    return action


# RF-7: an inspector may approve a delay of up to this long past the 24-hour clock; longer needs a
# superintendent. "Until the warrant is executed" is a reason, not an open-ended date. The rank decides,
# not the role (RULES.md RF-7).
DELAY_INSPECTOR_LIMIT = timedelta(hours=24)


def can_approve_delay(user: User) -> bool:
    return user.has_rank(Rank.INSPECTOR)


def ppn_delay_deadline(check: SafeAndWellCheck) -> datetime:
    """When the PPN is due (RF-7): the check plus the force's setting."""
    return check.at + timedelta(hours=int(policy.get(rules.RF7_HOURS.key)))


def ppn_delay_approve(
    *, actor: User, check: SafeAndWellCheck, rationale: str, until: datetime, approved_by: User, channel: str = "web"
) -> PpnDelay:
    """Record an approved delay before the PPN a record showing a child at risk needs (RF-7)."""
    if not can_approve_delay(actor):  # an inspector or above approving on the page records it themself
        access.require(actor, Capability.INCIDENT_RECORD)
    errors: dict[str, str] = {}
    rationale = (rationale or "").strip()
    now = clock.now()
    if not rationale:
        errors["rationale"] = "Enter why the PPN must wait."
    if until <= now:
        errors["until"] = "The delay must end in the future."
    if errors:
        raise InvalidInput(errors)
    # The person asking is the officer the PPN is due from; an inspector may record their own approval.
    if approved_by.pk == check.by_id or not can_approve_delay(approved_by):
        raise RuleRefusal(
            "RF-7",
            "A delay to a PPN is approved by an inspector other than the officer the PPN is due from.",
            field="approved_by",
        )
    deadline = ppn_delay_deadline(check)
    if until > deadline + DELAY_INSPECTOR_LIMIT and not approved_by.has_rank(Rank.SUPERINTENDENT):
        raise RuleRefusal(
            "RF-7",
            "A delay of more than 24 hours past the PPN's deadline needs a superintendent's approval.",
            field="approved_by",
        )
    with transaction.atomic():
        delay = PpnDelay.objects.create(
            safe_and_well=check,
            rationale=rationale,
            until=until,
            approved_by=approved_by,
            recorded_by=actor,
            recorded_at=now,
        )
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="ppn.delay",
            subject=check.episode,
            person_id=check.episode.person_id,
            channel=channel,
            new={"rationale": rationale, "until": until.isoformat(), "approved_by": approved_by.username},
        )
    return delay


# -- RF-7 for any record that shows a child at risk -------------------------------------------------------
def ppn_requirement_open(
    *,
    subject: Model,
    children: list[Person],
    due_from: User | None,
    reason: str,
    started_at: datetime | None = None,
    url: str = "",
) -> PpnRequirement:
    """Start RF-7's clock on `subject`, a saved record that shows a child at risk (a suspect's access to
    children, an offender's contact with a child, a child in custody or police protection...).

    Called by the app that owns the record, inside its own transaction. `children` may be empty: the
    clock runs whether or not the children are known yet, and then only a PPN started from the
    requirement meets it. A second call for the same record adds any new children; if its PPN was already
    done, the requirement opens again from now for them."""
    if subject.pk is None:
        raise ValueError("Save the record before opening its PPN requirement.")
    with transaction.atomic():
        requirement, created = PpnRequirement.objects.get_or_create(
            subject_type=subject._meta.label_lower,
            subject_id=str(subject.pk),
            defaults={
                "subject_label": str(subject)[:300],
                "url": url,
                "reason": (reason or "").strip() or "A record shows a child at risk.",
                "started_at": started_at or clock.now(),
                "due_from": due_from,
            },
        )
        named = set(requirement.children.values_list("pk", flat=True)) if not created else set()
        new_children = [c for c in children if c.pk not in named]
        if not created and requirement.satisfied_at is not None and new_children:
            # Children learnt of after the PPN was done: a new 24 hours for a PPN about them.
            PpnRequirement.objects.filter(pk=requirement.pk).update(
                satisfied_at=None, satisfied_by=None, started_at=started_at or clock.now()
            )
            requirement.refresh_from_db()
        if new_children:
            requirement.children.add(*new_children)
        # The app that owns the record audits who recorded it; this row says the clock started (RF-7).
        audit.record(
            actor=None,
            category=AuditCategory.COLLECTION,
            event_type="ppn_requirement.open" if created else "ppn_requirement.children",
            subject=requirement,
            person_id=children[0].pk if children else None,
            channel="system",
            new={
                "record": f"{requirement.subject_type}:{requirement.subject_id}",
                "children": [c.pk for c in children],
                "reason": requirement.reason,
            },
        )
    return requirement


def _requirements_met(
    ppn: Ppn,
    child_ids: list[int],
    started_from: PpnRequirement | None,
    actor: User,
    channel: str,
    log: audit.Batch | None = None,
) -> None:
    """Mark the open requirements this PPN meets, in the PPN's own transaction (RF-7 then sees them met)."""
    met: list[PpnRequirement] = []
    if started_from is not None and started_from.satisfied_at is None:
        met.append(started_from)
    # Most PPNs meet no requirement: which open ones name these children is asked in plain SQL (it runs on
    # every PPN; ADR 0064), and only those found are read as models.
    m2m = PpnRequirement._meta.get_field("children")
    open_ids: list[int] = []
    if child_ids:
        marks = ", ".join(["%s"] * len(child_ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT DISTINCT c.{m2m.m2m_column_name()} FROM {m2m.m2m_db_table()} c "  # noqa: S608 -- names from the models
                f"JOIN {PpnRequirement._meta.db_table} r ON r.id = c.{m2m.m2m_column_name()} "
                f"WHERE r.satisfied_at IS NULL AND c.{m2m.m2m_reverse_name()} IN ({marks})",
                child_ids,
            )
            open_ids = [row[0] for row in cursor.fetchall()]
    candidates = PpnRequirement.objects.filter(pk__in=open_ids).prefetch_related("children") if open_ids else []
    for requirement in candidates:
        if any(r.pk == requirement.pk for r in met):
            continue
        named = {c.pk for c in requirement.children.all()}
        referred = set(
            PpnChild.objects.filter(person_id__in=named, ppn__submitted_at__gte=requirement.started_at).values_list(
                "person_id", flat=True
            )
        )
        if named and named <= referred:
            met.append(requirement)
    for requirement in met:
        PpnRequirement.objects.filter(pk=requirement.pk, satisfied_at__isnull=True).update(
            satisfied_at=ppn.submitted_at, satisfied_by=ppn
        )
        (log or audit).record(
            actor=actor,
            category=AuditCategory.ALTERATION,
            event_type="ppn_requirement.met",
            subject=requirement,
            channel=channel,
            new={"ppn": ppn.reference},
        )


def ppn_requirement_for(subject: Model) -> PpnRequirement | None:
    """The RF-7 requirement a saved record started, if it did."""
    return PpnRequirement.objects.filter(subject_type=subject._meta.label_lower, subject_id=str(subject.pk)).first()


def ppn_requirement_deadline(requirement: PpnRequirement) -> datetime:
    return requirement.started_at + timedelta(hours=int(policy.get(rules.RF7_HOURS.key)))


def ppn_requirement_delay_approve(
    *, actor: User, requirement: PpnRequirement, rationale: str, until: datetime, channel: str = "web"
) -> PpnDelay:
    """Approve a delay before the PPN a record showing a child at risk needs (RF-7).

    The approval is the actor's own act: an inspector or above, not the officer the PPN is due from; a
    delay ending more than 24 hours past the deadline ("until the warrant is executed") needs a
    superintendent. A sergeant asking is refused: they ask their inspector, who approves signed in."""
    errors: dict[str, str] = {}
    rationale = (rationale or "").strip()
    now = clock.now()
    if not rationale:
        errors["rationale"] = "Enter why the PPN must wait."
    if until <= now:
        errors["until"] = "The delay must end in the future."
    if errors:
        raise InvalidInput(errors)
    if not can_approve_delay(actor):
        raise RuleRefusal(
            "RF-7",
            "Only an inspector or above may approve a delay to a PPN. Submit the PPN now, or ask your "
            "inspector to approve the delay themselves.",
        )
    if requirement.due_from_id == actor.pk:
        raise RuleRefusal(
            "RF-7", "A delay to a PPN is approved by an inspector other than the officer the PPN is due from."
        )
    if until > ppn_requirement_deadline(requirement) + DELAY_INSPECTOR_LIMIT and not actor.has_rank(
        Rank.SUPERINTENDENT
    ):
        raise RuleRefusal(
            "RF-7", "A delay of more than 24 hours past the PPN's deadline needs a superintendent's approval."
        )
    with transaction.atomic():
        locked = PpnRequirement.objects.select_for_update().get(pk=requirement.pk)
        if locked.satisfied_at is not None:
            raise InvalidInput({"requirement": "A PPN has already been submitted for this record: no delay is needed."})
        delay = PpnDelay.objects.create(
            requirement=locked,
            rationale=rationale,
            until=until,
            approved_by=actor,
            recorded_by=actor,
            recorded_at=now,
        )
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="ppn.delay",
            subject=locked,
            channel=channel,
            new={"rationale": rationale, "until": until.isoformat(), "approved_by": actor.username},
        )
    return delay
