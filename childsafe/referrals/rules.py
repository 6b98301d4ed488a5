"""Referrals and partners: RF-1 to RF-10 (RULES.md). Guards are functions the services call; clocks
are queries with their next deadline (docs/adr/0004).

Report, 'Officers are improving the quality of information on PPNs', 'The force has an effective risk
assessment process for PPNs and referrals' and 'inefficient and ineffective' (schools told of domestic
abuse by a phone call, or not at all).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.db.models import CharField, Exists, OuterRef
from django.db.models.functions import Cast

from childsafe.core import engine, policy
from childsafe.core.engine import Finding, clock_rule, earliest_after
from childsafe.core.errors import RuleRefusal
from childsafe.core.models import OutboxMessage, Severity
from childsafe.core.roles import Role
from childsafe.missing.models import SafeAndWellCheck
from childsafe.missing.rules import ppn_check
from childsafe.people.vocabulary import SelfDefinedEthnicity
from childsafe.referrals.models import (
    EncompassNotification,
    Ppn,
    PpnChild,
    PpnDelay,
    PpnShare,
    PpnStatus,
    StrategyAction,
)

SOURCE_PPN = (
    "Report, 'Officers are improving the quality of information on PPNs so referrals to help children are better'."
)
SOURCE_ENCOMPASS = (
    "Report: 'automated systems aren't used to tell schools about pupils affected by domestic abuse "
    "incidents'; Domestic Abuse Act 2021 s49A (in force 7 November 2025)."
)
AWARE_SECTIONS = ("appearance", "words", "activity", "relationships", "environment")

TRIAGE_HOURS = policy.define(
    "referrals.rf3_triage_hours",
    default=24,
    unit="hours",
    rule_id="RF-3",
    description="VAT triages every PPN within this long of submission.",
)
ACK_HOURS = policy.define(
    "referrals.rf6_acknowledge_hours",
    default=24,
    unit="hours",
    rule_id="RF-6",
    description="A partner acknowledges a shared PPN within this long (one working day).",
)
RF7_HOURS = policy.define(
    "referrals.rf7_ppn_hours",
    default=24,
    unit="hours",
    rule_id="RF-7",
    description="A record showing a child at risk leads to a PPN within this long.",
)


def _hours(setting: policy.PolicySetting) -> timedelta:
    return timedelta(hours=int(policy.get(setting.key)))


# -- RF-1, RF-2 -----------------------------------------------------------------------------------------
engine.register(
    "RF-1",
    kind="guard",
    title="A PPN records AWARE (all five sections) and the voice of the child",
    source=SOURCE_PPN + " Officers don't always use AWARE; VAT doesn't query it.",
)
engine.register(
    "RF-2",
    kind="guard",
    title="A PPN records each child's self-defined ethnicity or 'not stated'",
    source=SOURCE_PPN + " Ethnicity isn't always recorded.",
)


def check_child_entry(name: str, aware: dict[str, str] | None, voice: str, ethnicity: str) -> None:
    aware = aware or {}
    missing = [s for s in AWARE_SECTIONS if not str(aware.get(s, "")).strip()]
    if missing or not (voice or "").strip():
        parts = [f"AWARE {', '.join(missing)}"] if missing else []
        if not (voice or "").strip():
            parts.append("the child's voice (their words, or why they were not spoken to)")
        raise RuleRefusal("RF-1", f"For {name}, record {' and '.join(parts)}.", field="aware")
    if not (ethnicity or "").strip():
        raise RuleRefusal(
            "RF-2", f"Record {name}'s self-defined ethnicity, or 'NS' if they chose not to say.", field="ethnicity"
        )
    if ethnicity not in SelfDefinedEthnicity.values:
        raise RuleRefusal(
            "RF-2",
            f"{ethnicity!r} is not a self-defined ethnicity code. Use one of the 18+1 codes "
            "(W1, W2, ... O9) or NS for not stated.",
            field="ethnicity",
        )


# -- RF-3 -----------------------------------------------------------------------------------------------
def _waiting():
    return Ppn.objects.filter(status=PpnStatus.SUBMITTED)


@clock_rule(
    "RF-3",
    title="VAT triages every PPN within 24 hours",
    source=SOURCE_PPN,
    horizon=lambda now: earliest_after(
        [t + _hours(TRIAGE_HOURS) for t in _waiting().values_list("submitted_at", flat=True)], now
    ),
)
def rf3_triage(now: datetime) -> Iterator[Finding]:
    within = _hours(TRIAGE_HOURS)
    for ppn in _waiting().filter(submitted_at__lte=now - within).prefetch_related("children__person"):
        child = next(iter(ppn.children.all()), None)
        yield Finding(
            subject_type="referrals.ppn",
            subject_id=str(ppn.pk),
            subject_label=str(ppn),
            person_id=child.person_id if child else None,
            person_label=child.person.full_name if child else "",
            owner_role=Role.VAT,
            due_by=ppn.submitted_at + within,
            severity=Severity.HIGH,
            url=f"/referrals/{ppn.pk}/",
            reason=f"{ppn} has waited more than {within.total_seconds() / 3600:.0f} hours for VAT triage.",
        )


engine.register("RF-4", kind="view", title="A returned PPN is seen by the officer's line manager", source=SOURCE_PPN)
engine.register(
    "RF-5",
    kind="clock",
    title="Each month a supervisor reviews 10% of their officers' PPNs",
    source=SOURCE_PPN + " Line managers don't check their officers' PPNs.",
)


# -- RF-6 -----------------------------------------------------------------------------------------------
def _unacknowledged():
    return PpnShare.objects.filter(acknowledged_at__isnull=True)


@clock_rule(
    "RF-6",
    title="A shared PPN is acknowledged by the partner within 1 working day",
    source=SOURCE_PPN,
    horizon=lambda now: earliest_after(
        [t + _hours(ACK_HOURS) for t in _unacknowledged().values_list("shared_at", flat=True)], now
    ),
)
def rf6_acknowledged(now: datetime) -> Iterator[Finding]:
    within = _hours(ACK_HOURS)
    for share in _unacknowledged().filter(shared_at__lte=now - within).select_related("ppn", "organisation"):
        yield Finding(
            subject_type="referrals.ppnshare",
            subject_id=str(share.pk),
            subject_label=f"{share.ppn} to {share.organisation}",
            owner_role=Role.VAT,
            due_by=share.shared_at + within,
            severity=Severity.MEDIUM,
            url=f"/referrals/{share.ppn_id}/",
            reason=f"{share.organisation} has not acknowledged {share.ppn}.",
        )


# -- RF-7 -----------------------------------------------------------------------------------------------
def _ppn_since(person_field: str, time_field: str):
    return PpnChild.objects.filter(person_id=OuterRef(person_field), ppn__submitted_at__gte=OuterRef(time_field))


def _at_risk_without_ppn(now: datetime):
    """Records that show a child at risk (a safe and well check with new concerns, ...) with no PPN since.

    Checks since the deadline and the watch, still alerted, or delayed: not every check ever (engine.WATCH)."""
    from childsafe.core import clock

    delayed = PpnDelay.objects.filter(safe_and_well=OuterRef("pk"), until__gt=clock.now())
    since = now - _hours(RF7_HOURS) - engine.WATCH
    # A check held back by an approved delay had no alert while it lasted: watched until the delay is history.
    paused = PpnDelay.objects.filter(until__gte=since).values_list("safe_and_well_id", flat=True)
    watched = engine.recent_or_alerted("RF-7", SafeAndWellCheck, "at", since, also=paused)
    return (
        SafeAndWellCheck.objects.filter(watched, new_concerns=True)
        .annotate(referred=Exists(_ppn_since("episode__person_id", "at")), delayed=Exists(delayed))
        .filter(referred=False, delayed=False)
    )


@clock_rule(
    "RF-7",
    title="A record that shows a child at risk leads to a PPN within 24 hours",
    source="Report: 'PPNs for missing children aren't always completed by response officers when other "
    "concerns are established'; a referral was held back 42 days.",
    # The next deadline, or the end of an approved delay.
    horizon=lambda now: earliest_after(
        [t + _hours(RF7_HOURS) for t in _at_risk_without_ppn(now).values_list("at", flat=True)]
        + list(PpnDelay.objects.filter(until__gt=now).values_list("until", flat=True)),
        now,
    ),
)
def rf7_ppn_due(now: datetime) -> Iterator[Finding]:
    within = _hours(RF7_HOURS)
    for check in _at_risk_without_ppn(now).filter(at__lte=now - within).select_related("episode__person", "by"):
        person = check.episode.person
        yield Finding(
            subject_type="missing.safeandwellcheck",
            subject_id=str(check.pk),
            subject_label=f"Safe and well check for {person.full_name}",
            person_id=person.pk,
            person_label=person.full_name,
            owner_role=Role.SUPERVISOR,
            owner_user_id=check.by_id,
            due_by=check.at + within,
            severity=Severity.HIGH,
            url=f"/missing/{check.episode_id}/",
            reason=f"The safe and well check for {person.full_name} found new concerns and no PPN has been submitted.",
        )


@ppn_check
def ppn_submitted_since(person_id: int, since: datetime) -> bool:
    return PpnChild.objects.filter(person_id=person_id, ppn__submitted_at__gte=since).exists()


engine.register(
    "RF-8", kind="prompt", title="A PPN asks about other children (household, access, friends)", source=SOURCE_PPN
)


# -- RF-9 -----------------------------------------------------------------------------------------------
# Notifications older than this are history: the reconciliation report shows them, the sweep doesn't scan them.
ENCOMPASS_WATCH = timedelta(days=30)


def _undelivered_encompass():
    """Notifications not yet delivered (a late delivery clears the alert; the lateness stays on the record)."""
    from childsafe.core import clock

    delivered = OutboxMessage.objects.filter(
        kind="encompass",
        source_type="referrals.encompassnotification",
        source_id=OuterRef("pk_str"),
        delivered_at__isnull=False,
    )
    return (
        EncompassNotification.objects.filter(created_at__gte=clock.now() - ENCOMPASS_WATCH)
        .annotate(pk_str=Cast("pk", CharField()))
        .annotate(delivered=Exists(delivered))
        .filter(delivered=False)
    )


@clock_rule(
    "RF-9",
    title="Operation Encompass: the school's Key Adult is told before the next school day starts",
    source=SOURCE_ENCOMPASS,
    horizon=lambda now: earliest_after(list(_undelivered_encompass().values_list("due_by", flat=True)), now),
)
def rf9_encompass(now: datetime) -> Iterator[Finding]:
    for note in _undelivered_encompass().select_related("person", "organisation", "incident"):
        if note.problem:
            reason = f"Operation Encompass for {note.person.full_name} can't be sent: {note.problem}"
        elif note.due_by and note.due_by <= now:
            reason = (
                f"Operation Encompass for {note.person.full_name} was not delivered to "
                f"{note.organisation or 'the local authority'} before the school day began."
            )
        else:
            continue
        yield Finding(
            subject_type="referrals.encompassnotification",
            subject_id=str(note.pk),
            subject_label=f"Encompass {note.incident.reference}",
            person_id=note.person_id,
            person_label=note.person.full_name,
            owner_role=Role.VAT,
            due_by=note.due_by or now,
            severity=Severity.HIGH,
            url=f"/incidents/{note.incident_id}/",
            reason=reason,
        )


def _open_actions():
    return StrategyAction.objects.filter(done_at__isnull=True)


@clock_rule(
    "RF-10",
    kind="view",
    title="Strategy meeting decisions and actions on the child's record, each action followed up as a clock",
    source="Report: strategy meeting decisions and actions must be stored in one known place and followed up.",
    horizon=lambda now: earliest_after(list(_open_actions().values_list("due_at", flat=True)), now),
)
def rf10_strategy_actions(now: datetime) -> Iterator[Finding]:
    for action in _open_actions().filter(due_at__lte=now).select_related("meeting__person"):
        person = action.meeting.person
        yield Finding(
            subject_type="referrals.strategyaction",
            subject_id=str(action.pk),
            subject_label=action.action[:300],
            person_id=person.pk,
            person_label=person.full_name,
            owner_user_id=action.owner_id,
            due_by=action.due_at,
            severity=Severity.MEDIUM,
            url=f"/people/{person.pk}/",
            reason=f"Strategy meeting action for {person.full_name} is overdue: {action.action}",
        )
