"""Missing children: report, grade, plan, find, safe and well, return home interview, close; trigger plans
and hotspot plans. Every write audited; guards in missing/rules.py."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F

from childsafe.core import access, audit, clock, language, outbox
from childsafe.core.errors import InvalidInput, Prompt
from childsafe.core.models import AuditCategory, User
from childsafe.core.roles import Capability, Role
from childsafe.core.text import check_text
from childsafe.incidents.models import Incident, IncidentType
from childsafe.incidents.services import ChildOnIncident, incident_record
from childsafe.missing import rules
from childsafe.missing.models import (
    EpisodeLocation,
    LineOfEnquiry,
    LocationPlan,
    MissingEpisode,
    ReturnHomeInterview,
    RiskGrade,
    SafeAndWellCheck,
    SupervisoryReview,
    TriggerPlan,
)
from childsafe.people import services as people_services
from childsafe.people.intelligence import Picture, intelligence_check
from childsafe.people.models import Location, Person
from childsafe.people.services import location_for
from childsafe.people.vocabulary import marker_labels

AWARE_SECTIONS = ("appearance", "words", "activity", "relationships", "environment")
TEMPLATED_SIMILARITY = 0.9
TRIGGER_PLAN_REVIEW_DAYS = 90


_text = check_text


def _audit(
    actor: User | None,
    category: str,
    event_type: str,
    episode: MissingEpisode,
    channel: str,
    old: dict | None = None,
    new: dict | None = None,
) -> None:
    audit.record(
        actor=actor,
        category=category,
        event_type=event_type,
        subject=episode,
        person_id=episode.person_id,
        old=old,
        new=new,
        channel=channel,
    )


def _changed(episode: MissingEpisode, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != episode.version:
        raise InvalidInput(
            {
                "episode": "Someone else changed this episode while you were working on it. Check "
                "the latest details below, then make your change again."
            }
        )


@dataclass
class Reported:
    episode: MissingEpisode
    picture: Picture
    prompts: list[Prompt] = field(default_factory=list)


def missing_report(
    *,
    actor: User | None,
    child: Person,
    reported_by: str,
    last_seen_at: datetime | None = None,
    last_seen_place: str = "",
    circumstances: str = "",
    questionnaire: dict | None = None,
    incident: Incident | None = None,
    returned_before_report: bool = False,
    channel: str = "web",
) -> Reported:
    """Report a child missing: an episode (and its control-room incident), with the intelligence check
    shown before anyone grades it (CR-4), trigger plan first (MP-5)."""
    if actor is not None:
        access.require(actor, Capability.MISSING_WORK)
    errors: dict[str, str] = {}
    reported_by = _text(errors, "reported_by", reported_by, "who reported the child missing", max_length=200)
    last_seen_place = _text(
        errors, "last_seen_place", last_seen_place, "where the child was last seen", required=False, max_length=300
    )
    circumstances = _text(errors, "circumstances", circumstances, "the circumstances", required=False)
    now = clock.now()
    if last_seen_at is not None and last_seen_at > now:
        errors["last_seen_at"] = "The time last seen must be now or in the past."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        prompts: list[Prompt] = []
        new_incident = incident is None
        if incident is None:
            recorded = incident_record(
                actor=actor,
                type=IncidentType.MISSING,
                grade=1 if not returned_before_report else 2,
                location=last_seen_place or "Not known",
                summary=f"{child.full_name} reported missing by {reported_by}. {circumstances}".strip(),
                children=[ChildOnIncident(child, present=False, resident=True)],
                channel=channel,
                check_children=False,
            )
            incident = recorded.incident
            prompts.extend(p for p in recorded.prompts if p.rule_id != "QG-1")
        episode = MissingEpisode.objects.create(
            person=child,
            incident=incident,
            reported_at=now,
            reported_by=reported_by,
            recorded_by=actor,
            last_seen_at=last_seen_at,
            last_seen_place=last_seen_place,
            circumstances=circumstances,
            questionnaire=questionnaire or {},
            returned_before_report=returned_before_report,
        )
        if returned_before_report:
            episode.found_at = now
            episode.self_returned = True
            episode.save(update_fields=["found_at", "self_returned"])
        _audit(
            actor,
            AuditCategory.COLLECTION,
            "missing.report",
            episode,
            channel,
            new={
                "reported_by": reported_by,
                "last_seen_at": str(last_seen_at) if last_seen_at else None,
                "last_seen_place": last_seen_place,
                "returned_before_report": returned_before_report,
            },
        )
        # Built once, after the episode exists (it counts towards priority missing), and kept with both
        # the episode and its control-room incident.
        picture = intelligence_check(
            person=child, actor=actor, context_type="missing.missingepisode", context_id=episode.pk
        )
        if new_incident:
            intelligence_check(
                person=child, actor=actor, context_type="incidents.incident", context_id=incident.pk, shown=picture
            )
        prompts += language.check(
            texts={"circumstances": circumstances},
            user=actor,
            subject_type="missing.missingepisode",
            subject_id=episode.pk,
        )
    return Reported(episode, picture, prompts)


@dataclass
class Graded:
    episode: MissingEpisode
    prompts: list[Prompt] = field(default_factory=list)


def episode_grade(
    *,
    actor: User,
    episode: MissingEpisode,
    grade: str,
    rationale: str,
    markers_acknowledged: dict[str, str] | None = None,
    duplicates: dict[int, DuplicateDecision] | None = None,
    expected_version: int | None = None,
    channel: str = "web",
) -> Graded:
    """Grade the risk (MP-1 high or medium only). High stays with the FIM; medium goes to the area CII.

    Records that may be this child (MP-3, PL-2) are dealt with here too: each linked as the same child,
    or ruled out with a reason; otherwise their markers are to be addressed like the child's own.
    """
    access.require(actor, Capability.MISSING_GRADE)
    if episode.closed_at:
        raise InvalidInput({"episode": "This episode is closed."})
    _changed(episode, expected_version)
    rules.check_grade_allowed(episode.person, grade, clock.today_london())
    errors: dict[str, str] = {}
    rationale = _text(errors, "rationale", rationale, "the rationale for the grade")
    acknowledged = {str(k): str(v).strip() for k, v in (markers_acknowledged or {}).items()}
    decisions = duplicates or {}
    for other_id, decision in decisions.items():
        if decision.action not in ("link", "not_same"):
            errors[f"duplicate_{other_id}"] = "Choose whether this is the same child or not."
        elif not decision.reason.strip():
            errors[f"duplicate_{other_id}"] = (
                "Enter why this record is the same child."
                if decision.action == "link"
                else "Enter why this is not the same child (for example a date of birth the carer confirmed)."
            )
    others = {p.pk: p for p in Person.objects.filter(pk__in=list(decisions))}
    for other_id in decisions:
        if other_id not in others:
            errors[f"duplicate_{other_id}"] = "That record no longer exists."
    if errors:
        raise InvalidInput(errors)
    now = clock.now()
    owner_role = Role.FIM if grade == RiskGrade.HIGH else Role.CII
    is_templated = templated(rationale, exclude_person=episode.person_id)
    still_templated = [t for t in episode.templated if t != "rationale"] + (["rationale"] if is_templated else [])
    with transaction.atomic():
        for other_id, decision in decisions.items():
            if decision.action == "link":
                people_services.identity_link(
                    actor=actor,
                    person=episode.person,
                    other=others[other_id],
                    rationale=decision.reason,
                    channel=channel,
                )
            else:
                people_services.identity_rule_out(
                    actor=actor, person=episode.person, other=others[other_id], reason=decision.reason, channel=channel
                )
        updated = MissingEpisode.objects.filter(pk=episode.pk, version=episode.version).update(
            grade=grade,
            rationale=rationale,
            markers_acknowledged=acknowledged,
            graded_at=now,
            graded_by=actor,
            owner_role=owner_role,
            owner_area=episode.person.area,
            templated=still_templated,
            version=F("version") + 1,
        )
        if not updated:
            raise InvalidInput(
                {"episode": "Someone else graded this episode a moment ago. Check their grade before changing it."}
            )
        _audit(
            actor,
            AuditCategory.ALTERATION,
            "missing.grade",
            episode,
            channel,
            old={"grade": episode.grade or None},
            new={"grade": grade, "rationale": rationale, "markers_acknowledged": acknowledged},
        )
        prompts = language.check(
            texts={"rationale": rationale}, user=actor, subject_type="missing.missingepisode", subject_id=episode.pk
        )
    missing_notes = rules.markers_not_addressed(episode.person, acknowledged)
    if missing_notes:
        prompts.append(
            Prompt(
                "MP-3",
                "The rationale must address every warning marker. Add a note against: "
                f"{', '.join(marker_labels(missing_notes))}.",
                field="markers_acknowledged",
            )
        )
    unaddressed = rules.duplicate_markers_not_addressed(episode.person, acknowledged)
    if unaddressed:
        prompts.append(
            Prompt(
                "MP-3",
                "A record that may be this child carries markers your grading does not address: "
                f"{', '.join(marker_labels(unaddressed))}. Link the record, rule it out with a reason, or add a "
                "note against each.",
                field="markers_acknowledged",
            )
        )
    if is_templated:
        prompts.append(
            Prompt(
                "MP-4",
                "This rationale is nearly identical to other children's. Write about this "
                "child's own circumstances and markers.",
                field="rationale",
            )
        )
    episode.refresh_from_db()
    return Graded(episode, prompts)


@dataclass(frozen=True)
class DuplicateDecision:
    """What the grading decides about a record that may be the child: "link" or "not_same", and why."""

    action: str
    reason: str


def templated(text: str, *, exclude_person: int) -> bool:
    """MP-4: near-identical wording on other children's gradings in the last 90 days."""
    since = clock.now() - timedelta(days=90)
    others = (
        MissingEpisode.objects.filter(graded_at__gte=since)
        .exclude(person_id=exclude_person)
        .exclude(rationale="")
        .values_list("rationale", flat=True)[:500]
    )
    norm = " ".join(text.lower().split())
    return len(norm) >= 12 and any(
        difflib.SequenceMatcher(None, norm, " ".join(o.lower().split())).ratio() >= TEMPLATED_SIMILARITY for o in others
    )


TEMPLATED_ACTION_MIN = 40


def templated_action(text: str, *, exclude_person: int) -> bool:
    """MP-4 for lines of enquiry: near-identical action text on other children's episodes in 90 days."""
    since = clock.now() - timedelta(days=90)
    others = (
        LineOfEnquiry.objects.filter(created_at__gte=since)
        .exclude(episode__person_id=exclude_person)
        .values_list("action", flat=True)[:500]
    )
    norm = " ".join(text.lower().split())
    return any(
        difflib.SequenceMatcher(None, norm, " ".join(o.lower().split())).ratio() >= TEMPLATED_SIMILARITY for o in others
    )


def episode_assign(*, actor: User, episode: MissingEpisode, to: User, channel: str = "web") -> MissingEpisode:
    access.require(actor, Capability.MISSING_WORK)
    if episode.closed_at:
        raise InvalidInput({"episode": "This episode is closed."})
    if to.is_partner:
        raise InvalidInput({"to": "A missing-child investigation is assigned to a police officer."})
    with transaction.atomic():
        MissingEpisode.objects.filter(pk=episode.pk).update(officer_in_case=to, version=F("version") + 1)
        _audit(
            actor,
            AuditCategory.ALTERATION,
            "missing.assign",
            episode,
            channel,
            old={"officer_in_case": episode.officer_in_case_id},
            new={"officer_in_case": to.username},
        )
    episode.refresh_from_db()
    return episode


def episode_action_add(
    *,
    actor: User,
    episode: MissingEpisode,
    action: str,
    owner: User,
    done: bool = False,
    due_at: datetime | None = None,
    delay_reason: str = "",
    channel: str = "web",
) -> tuple[LineOfEnquiry, list[Prompt]]:
    """A line of enquiry with an owner (MP-6)."""
    access.require(actor, Capability.MISSING_WORK)
    errors: dict[str, str] = {}
    action = _text(errors, "action", action, "the action", max_length=500)
    if episode.closed_at:
        errors["episode"] = "This episode is closed."
    if owner.is_partner or not owner.is_active:
        errors["owner"] = "A line of enquiry is owned by a serving police officer or member of staff."
    if errors:
        raise InvalidInput(errors)
    now = clock.now()
    with transaction.atomic():
        line = LineOfEnquiry.objects.create(
            episode=episode,
            action=action,
            owner=owner,
            created_at=now,
            created_by=actor,
            due_at=due_at,
            done_at=now if done else None,
            delay_reason=delay_reason.strip(),
        )
        _audit(
            actor,
            AuditCategory.COLLECTION,
            "missing.action",
            episode,
            channel,
            new={"action": action, "owner": owner.username, "done": done},
        )
        prompts = language.check(
            texts={"action": action}, user=actor, subject_type="missing.lineofenquiry", subject_id=line.pk
        )
        # Short standard actions ("Check CCTV") are alike by nature; a long one copied from another child's
        # plan is the templating the report found (MP-4).
        if len(action) >= TEMPLATED_ACTION_MIN and templated_action(action, exclude_person=episode.person_id):
            MissingEpisode.objects.filter(pk=episode.pk).update(templated=[*episode.templated, f"action:{line.pk}"])
            prompts.append(
                Prompt(
                    "MP-4",
                    "This action is nearly identical to other children's. Write what will be done for this child.",
                    field="action",
                )
            )
    return line, prompts


def action_update(
    *, actor: User, line: LineOfEnquiry, done: bool | None = None, delay_reason: str = "", channel: str = "web"
) -> LineOfEnquiry:
    access.require(actor, Capability.MISSING_WORK)
    if line.episode.closed_at:
        raise InvalidInput({"episode": "This episode is closed."})
    with transaction.atomic():
        if done:
            line.done_at = clock.now()
        if delay_reason.strip():
            line.delay_reason = delay_reason.strip()
        line.save(update_fields=["done_at", "delay_reason"])
        _audit(
            actor,
            AuditCategory.ALTERATION,
            "missing.action_update",
            line.episode,
            channel,
            new={"action": line.action, "done": bool(line.done_at), "delay_reason": line.delay_reason},
        )
    return line


def episode_review(
    *, actor: User, episode: MissingEpisode, note: str, channel: str = "web"
) -> tuple[SupervisoryReview, list[Prompt]]:
    access.require(actor, Capability.MISSING_SIGN_OFF)
    errors: dict[str, str] = {}
    note = _text(errors, "note", note, "the review note")
    if episode.closed_at:
        errors["episode"] = "This episode is closed."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        review = SupervisoryReview.objects.create(episode=episode, note=note, at=clock.now(), by=actor)
        _audit(actor, AuditCategory.COLLECTION, "missing.review", episode, channel, new={"note": note})
        prompts = language.check(
            texts={"note": note}, user=actor, subject_type="missing.supervisoryreview", subject_id=review.pk
        )
    return review, prompts


def episode_found(
    *,
    actor: User,
    episode: MissingEpisode,
    place: str,
    found_by: User | None = None,
    self_returned: bool = False,
    found_at: datetime | None = None,
    channel: str = "web",
) -> MissingEpisode:
    """Record the return: the place (MP-12) and a notice to the child's local authority (MP-9)."""
    access.require(actor, Capability.MISSING_WORK)
    errors: dict[str, str] = {}
    place = _text(errors, "place", place, "where the child was found", max_length=300)
    when = found_at or clock.now()
    if episode.found_at is not None:
        errors["episode"] = "This child's return is already recorded."
    elif when < episode.reported_at and not episode.returned_before_report:
        errors["found_at"] = "The time found can't be before the time the child was reported missing."
    elif when > clock.now():
        errors["found_at"] = "The time found must be now or in the past."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        location = location_for(name=place)
        updated = MissingEpisode.objects.filter(pk=episode.pk, found_at__isnull=True).update(
            found_at=when,
            found_location=location,
            found_by=found_by or actor,
            self_returned=self_returned,
            version=F("version") + 1,
        )
        if not updated:
            raise InvalidInput({"episode": "Someone recorded this child's return a moment ago."})
        EpisodeLocation.objects.create(episode=episode, location=location, kind="found", at=when)
        _audit(
            actor,
            AuditCategory.ALTERATION,
            "missing.found",
            episode,
            channel,
            new={"found_at": when.isoformat(), "place": place, "self_returned": self_returned},
        )
        episode.refresh_from_db()
        _notify_local_authority(episode)
    return episode


def episode_place_believed(
    *, actor: User, episode: MissingEpisode, place: str, channel: str = "web"
) -> EpisodeLocation:
    """Where the child is believed to be (or to have been) while missing. It counts towards hotspots (MP-12)
    as a place where they were found does: the report's disused hotel was where children were said to go."""
    access.require(actor, Capability.MISSING_WORK)
    errors: dict[str, str] = {}
    place = _text(errors, "place", place, "where the child is believed to be", max_length=300)
    if episode.closed_at:
        errors["episode"] = "This episode is closed."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        location = location_for(name=place)
        if EpisodeLocation.objects.filter(episode=episode, location=location).exists():
            raise InvalidInput({"place": f"{location} is already recorded on this episode."})
        where = EpisodeLocation.objects.create(episode=episode, location=location, kind="believed", at=clock.now())
        _audit(actor, AuditCategory.COLLECTION, "missing.place_believed", episode, channel, new={"place": place})
    return where


def _notify_local_authority(episode: MissingEpisode) -> None:
    """MP-9: the child's local authority is told of the return. The email says only that something is
    waiting; the details are in the partner portal."""
    la = episode.person.local_authority
    if la is None or not la.email:
        return  # MP-9's clock raises the alert: nobody silently dropped
    outbox.enqueue(
        kind="missing_return",
        recipient=la.email,
        recipient_organisation_id=la.pk,
        recipient_label=la.name,
        subject="A child missing from home has returned: return home interview needed",
        body=(
            f"{la.name},\n\nNorth Yorkshire Police has recorded the return of a child you are responsible for "
            f"(police reference {episode.incident.reference if episode.incident else episode.pk}).\n"
            "A return home interview is due within 72 hours of return. The details are in the Childsafe partner "
            f"portal: {settings.CHILDSAFE_BASE_URL}/partners/\n\nThis message contains no personal details by "
            "design."
        ),
        idempotency_key=f"missing_return:{episode.pk}",
        person_id=episode.person_id,
        source_type="missing.missingepisode",
        source_id=episode.pk,
        deliver_by=episode.found_at + timedelta(hours=1) if episode.found_at else None,
    )


def episode_safe_and_well(
    *,
    actor: User,
    episode: MissingEpisode,
    where: str,
    with_whom: str,
    harm: str,
    disclosures: str,
    voice: str,
    aware: dict[str, str],
    new_concerns: bool,
    channel: str = "web",
) -> tuple[SafeAndWellCheck, list[Prompt]]:
    """The safe and well check (MP-8), with AWARE and the child's voice."""
    access.require(actor, Capability.MISSING_WORK)
    errors: dict[str, str] = {}
    if episode.found_at is None:
        raise InvalidInput(
            {"episode": "Record the child's return first: a safe and well check is for a child who has been found."}
        )
    if hasattr(episode, "safe_and_well"):
        raise InvalidInput({"episode": "A safe and well check is already recorded for this episode."})
    values = {
        "where": _text(errors, "where", where, "where the child was (or that they would not say)"),
        "with_whom": _text(errors, "with_whom", with_whom, "who the child was with"),
        "harm": _text(errors, "harm", harm, "any harm (or 'none seen')"),
        "disclosures": _text(errors, "disclosures", disclosures, "any disclosures (or 'none')"),
        "voice": _text(errors, "voice", voice, "the child's own words, or why they weren't spoken to"),
    }
    aware = aware or {}
    clean_aware = {}
    for section in AWARE_SECTIONS:
        clean_aware[section] = _text(errors, f"aware.{section}", aware.get(section), f"the AWARE {section} section")
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        check = SafeAndWellCheck.objects.create(
            episode=episode, aware=clean_aware, new_concerns=bool(new_concerns), at=clock.now(), by=actor, **values
        )
        _audit(
            actor,
            AuditCategory.COLLECTION,
            "missing.safe_and_well",
            episode,
            channel,
            new={**values, "aware": clean_aware, "new_concerns": bool(new_concerns)},
        )
        prompts = language.check(
            texts={**values, **{f"aware.{k}": v for k, v in clean_aware.items()}},
            user=actor,
            subject_type="missing.safeandwellcheck",
            subject_id=check.pk,
        )
    if new_concerns:
        prompts.append(
            Prompt(
                "MP-8",
                "New concerns: submit a PPN for this child within 24 hours (RF-7). The episode can't close without it.",
            )
        )
    return check, prompts


def rhi_receive(
    *, actor: User, episode: MissingEpisode, summary: str, received_from: str = "", channel: str = "web"
) -> ReturnHomeInterview:
    """The local authority's return home interview, from its partner user or recorded by MHET (MP-10)."""
    access.require(actor, Capability.RHI_RECORD)
    if actor.is_partner and episode.person.local_authority_id != actor.organisation_id:
        # Not their child: to them it doesn't exist (PL-3).
        from django.http import Http404

        audit.access(
            actor=actor,
            event_type="missing.rhi.refused",
            subject=episode,
            person_id=episode.person_id,
            justification="Refused: another authority's child.",
            channel=channel,
        )
        raise Http404("No episode with that reference.")
    errors: dict[str, str] = {}
    summary = _text(errors, "summary", summary, "what the return home interview found")
    if episode.found_at is None:
        errors["episode"] = "The child hasn't been recorded as returned yet."
    if errors:
        raise InvalidInput(errors)
    source = received_from.strip() or (actor.organisation.name if actor.is_partner and actor.organisation else "")
    with transaction.atomic():
        rhi = ReturnHomeInterview.objects.create(
            episode=episode,
            summary=summary,
            received_at=clock.now(),
            received_from=source or "Recorded by MHET",
            by=actor,
        )
        _audit(
            actor,
            AuditCategory.COLLECTION,
            "missing.rhi",
            episode,
            channel,
            new={"summary": summary, "received_from": rhi.received_from},
        )
        # QG-1 on the local authority's (or MHET's) words too; the page shows the better wording.
        language.check(
            texts={"summary": summary}, user=actor, subject_type="missing.returnhomeinterview", subject_id=rhi.pk
        )
    return rhi


def episode_close(*, actor: User, episode: MissingEpisode, channel: str = "web") -> MissingEpisode:
    """Close with a supervisor's sign-off (MP-11)."""
    if episode.closed_at is not None:
        raise InvalidInput({"episode": "This episode is already closed."})
    rules.check_can_close(episode, actor)
    with transaction.atomic():
        closed = MissingEpisode.objects.filter(pk=episode.pk, closed_at__isnull=True).update(
            closed_at=clock.now(), closed_by=actor, version=F("version") + 1
        )
        if not closed:
            raise InvalidInput({"episode": "Someone closed this episode a moment ago."})
        _audit(actor, AuditCategory.ALTERATION, "missing.close", episode, channel, new={"closed": True})
    episode.refresh_from_db()
    return episode


def trigger_plan_create(
    *,
    actor: User | None,
    child: Person,
    description: str = "",
    photo_reference: str = "",
    places: str = "",
    associates: str = "",
    phone: str = "",
    transport: str = "",
    risks: str = "",
    notes: str = "",
    channel: str = "web",
) -> TriggerPlan:
    """A trigger plan (Philomena Protocol details) for a priority-missing child (MP-5)."""
    if actor is not None:
        access.require(actor, Capability.TRIGGER_PLAN_MANAGE)
    fields = {
        "description": description,
        "photo_reference": photo_reference,
        "places": places,
        "associates": associates,
        "phone": phone,
        "transport": transport,
        "risks": risks,
        "notes": notes,
    }
    if not any(str(v).strip() for v in fields.values()):
        raise InvalidInput(
            {
                "places": "A trigger plan needs something to help find the child: places, associates, "
                "a phone number, a description."
            }
        )
    with transaction.atomic():
        TriggerPlan.objects.filter(person=child, ended_at__isnull=True).update(ended_at=clock.now())
        plan = TriggerPlan.objects.create(
            person=child,
            created_at=clock.now(),
            created_by=actor,
            review_due=clock.today_london() + timedelta(days=TRIGGER_PLAN_REVIEW_DAYS),
            **{k: str(v).strip() for k, v in fields.items()},
        )
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="trigger_plan.create",
            subject=plan,
            person_id=child.pk,
            new=fields,
            channel=channel,
        )
    return plan


def location_plan(*, actor: User, location: Location, owner: User, plan: str, channel: str = "web") -> LocationPlan:
    """A hotspot's problem-solving plan with a named owner (MP-12)."""
    access.require(actor, Capability.HOTSPOT_MANAGE)
    errors: dict[str, str] = {}
    plan = _text(errors, "plan", plan, "the problem-solving plan")
    if owner.is_partner:
        errors["owner"] = "The owner of a hotspot plan is a named police officer or member of staff."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        row = LocationPlan.objects.create(
            location=location, owner=owner, plan=plan, created_at=clock.now(), created_by=actor
        )
        audit.record(
            actor=actor,
            category=AuditCategory.COLLECTION,
            event_type="location.plan",
            subject=location,
            new={"owner": owner.username, "plan": plan},
            channel=channel,
        )
    return row


def history_import(
    *,
    person: Person,
    reported_at: datetime,
    found_at: datetime | None,
    found_place: str = "",
    source: str = "Imported history",
    notes: str = "",
    last_seen_at: datetime | None = None,
    last_seen_place: str = "",
) -> MissingEpisode:
    """An earlier, closed episode brought in from old records (system action, audited). The log's notes are
    kept as the episode's circumstances, with when and where the child was last seen."""
    errors: dict[str, str] = {}
    notes = _text(errors, "notes", notes, "the notes", required=False)
    last_seen_place = _text(errors, "last_seen_place", last_seen_place, "where the child was last seen",
                            required=False, max_length=300)  # fmt: skip
    if last_seen_at is not None and last_seen_at > reported_at:
        errors["last_seen_at"] = "The time last seen must be before the time the child was reported missing."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        location = location_for(name=found_place) if found_place else None
        episode = MissingEpisode.objects.create(
            person=person,
            reported_at=reported_at,
            reported_by=source,
            found_at=found_at,
            found_location=location,
            last_seen_at=last_seen_at,
            last_seen_place=last_seen_place,
            circumstances=notes,
            imported=True,
            closed_at=found_at or reported_at,
            self_returned=None,
        )
        if location:
            EpisodeLocation.objects.create(episode=episode, location=location, kind="found", at=found_at or reported_at)
        _audit(
            None,
            AuditCategory.COLLECTION,
            "missing.import",
            episode,
            "cli",
            new={
                "reported_at": reported_at.isoformat(),
                "found_place": found_place,
                "last_seen_at": last_seen_at.isoformat() if last_seen_at else None,
                "last_seen_place": last_seen_place,
                "notes": notes,
            },
        )
    return episode
