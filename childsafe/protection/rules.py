"""Police protection: PP-1 to PP-4 (RULES.md). Guards are functions the services call; PP-2 and PP-4's open
prompt are queries the sweep runs.

Report, 'Records about the use of powers to protect children are inconsistent' (in two of three audited
cases the handover between designated officers and the end of protection were never recorded) and
'Case study: officers protect children' (the mother's neglect never investigated).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from django.db.models import QuerySet

from childsafe.core import clock, engine, policy
from childsafe.core.engine import Finding, clock_rule, earliest_after
from childsafe.core.errors import RuleRefusal
from childsafe.core.models import Severity, User
from childsafe.core.roles import Rank, Role
from childsafe.people.selectors import names_by
from childsafe.protection.models import Offences, PlaceOfSafety, PoliceProtection, ProtectedChild

SOURCE = "Report, 'Records about the use of powers to protect children are inconsistent'."
SOURCE_CASE = "Report, 'Case study: officers protect children' (the mother's neglect was never investigated)."

# PP-2 (law): s46(6) Children Act 1989, no child is kept in police protection for more than 72 hours.
LEGAL_MAXIMUM = timedelta(hours=72)

NOTICE_MINUTES = policy.define(
    "protection.pp1_notice_minutes",
    default=60,
    unit="minutes",
    rule_id="PP-1",
    description="The local authority is told in writing within this long of the police protection record.",
)
FIRST_ALERT_HOURS = policy.define(
    "protection.pp2_first_alert_hours",
    default=48,
    unit="hours",
    rule_id="PP-2",
    description="With no end decision this long after removal, the designated officer and their supervisor are told.",
)
SECOND_ALERT_HOURS = policy.define(
    "protection.pp2_second_alert_hours",
    default=66,
    unit="hours",
    rule_id="PP-2",
    description="With no end decision this long after removal, the alert becomes urgent.",
)

engine.register(
    "PP-1",
    kind="guard",
    title="Police protection is one record with a designated inspector, a place of safety and the local authority told",
    source=SOURCE,
)
engine.register(
    "PP-3",
    kind="guard",
    title="Handover between designated officers and the end of protection are recorded with a rationale",
    source=SOURCE,
)


def notice_within() -> timedelta:
    return timedelta(minutes=int(policy.get(NOTICE_MINUTES.key)))


def _hours(setting: policy.PolicySetting) -> timedelta:
    return timedelta(hours=int(policy.get(setting.key)))


# -- PP-1 guards -------------------------------------------------------------------------------------------
def place_of_safety_check(kind: str, rationale: str) -> None:
    """A police station is not a place of safety except in exceptional circumstances, written down."""
    if kind == PlaceOfSafety.POLICE_STATION and not rationale.strip():
        raise RuleRefusal(
            "PP-1",
            "A police station is a place of safety only in exceptional circumstances. Choose foster care, local "
            "authority accommodation, a relative or hospital, or write down why a police station is the only "
            "safe place.",
            field="place_rationale",
        )


def designation_check(*, actor: User, officer: User, protection: PoliceProtection) -> None:
    """The designated officer is an inspector or above, never the officer who took the children, and is named
    by themselves or by an inspector (their own act, never a typed name of someone else)."""
    if officer.pk == protection.initiated_by_id:
        raise RuleRefusal(
            "PP-1",
            "The officer who took the children into police protection cannot also be the designated officer. "
            "An inspector who was not involved must review it.",
            field="officer",
        )
    if not officer.has_rank(Rank.INSPECTOR):
        raise RuleRefusal(
            "PP-1",
            f"{_name(officer)} is not an inspector. The designated officer must be an inspector or above.",
            field="officer",
        )
    if actor.pk != officer.pk and not actor.has_rank(Rank.INSPECTOR):
        raise RuleRefusal(
            "PP-1",
            "Only an inspector can name another officer as the designated officer. Ask the duty inspector to "
            "take it on themselves.",
            field="officer",
        )


def handover_check(*, actor: User, to: User, protection: PoliceProtection, rationale: str) -> None:
    if not rationale.strip():
        raise RuleRefusal(
            "PP-3",
            "Write why the protection is being handed over and what the next officer needs to know.",
            field="rationale",
        )
    if to.pk == protection.designated_officer_id:
        raise RuleRefusal("PP-3", f"{_name(to)} is already the designated officer.", field="to")
    if actor.pk != protection.designated_officer_id and not actor.has_rank(Rank.INSPECTOR):
        raise RuleRefusal(
            "PP-3", "Only the designated officer or another inspector can hand the protection over.", field="to"
        )
    designation_check(actor=actor, officer=to, protection=protection)


def end_check(*, actor: User, protection: PoliceProtection, rationale: str) -> None:
    if not rationale.strip():
        raise RuleRefusal(
            "PP-3",
            "Write why the children are safe to leave police protection, and where they are going.",
            field="rationale",
        )
    if actor.pk != protection.designated_officer_id and not actor.has_rank(Rank.INSPECTOR):
        raise RuleRefusal(
            "PP-3",
            "Only the designated officer, or another inspector, can end police protection.",
        )
    if actor.pk == protection.initiated_by_id and actor.pk != protection.designated_officer_id:
        # The review is independent of the officer who used the power (PP-1), and so is the end.
        raise RuleRefusal(
            "PP-3",
            "The officer who took the children into police protection cannot end it. The designated officer "
            "reviews it and decides.",
        )


def offences_prompt_message() -> str:
    return (
        "You said offences may have been committed against the child. Link the investigation, or write why there "
        "is none yet. The record is saved; this stays on the designated officer's list until it is answered."
    )


def _name(user: User) -> str:
    return user.get_full_name() or user.username


# -- PP-2 clock --------------------------------------------------------------------------------------------
def _open() -> QuerySet[PoliceProtection]:
    return PoliceProtection.objects.filter(ended_at__isnull=True)


def _children_of(protections: QuerySet[PoliceProtection]) -> dict[int, list[tuple[int, str]]]:
    """Each of these protections' children, `(id, name)` in the order recorded, in one statement (the
    protections a subquery), without each child's whole record."""
    return names_by(
        ProtectedChild.objects.filter(protection_id__in=protections.order_by().values("pk")), "protection_id"
    )


def _label(children: list[tuple[int, str]]) -> tuple[int | None, str]:
    """The first child's id and every child's name, from `_children_of`."""
    return (children[0][0] if children else None), ", ".join(name for _, name in children)


def _pp2_horizon(now: datetime) -> datetime | None:
    stages = (_hours(FIRST_ALERT_HOURS), _hours(SECOND_ALERT_HOURS), LEGAL_MAXIMUM)
    return earliest_after(
        [removed + stage for removed in _open().values_list("removed_at", flat=True) for stage in stages], now
    )


@clock_rule(
    "PP-2",
    title="72 hours is the legal maximum for police protection: alerts at 48 and 66 hours, critical at 72",
    source=SOURCE + " Children Act 1989 s46(6).",
    horizon=_pp2_horizon,
)
def pp2_legal_maximum(now: datetime) -> Iterator[Finding]:
    # One alert per protection, escalated in place as the hours pass (the engine keys alerts by rule and
    # subject): first the designated officer (their line manager sees it on the team list), then urgent,
    # then critical with the duty superintendent (senior leader) at the legal maximum.
    first, second = _hours(FIRST_ALERT_HOURS), _hours(SECOND_ALERT_HOURS)
    due = _open().filter(removed_at__lte=now - first)
    named = _children_of(due)
    for p in due.select_related("designated_officer"):
        person_id, names = _label(named.get(p.pk, []))
        held = now - p.removed_at
        deadline = p.removed_at + LEGAL_MAXIMUM
        hours = int(held.total_seconds() // 3600)
        owner_role: str
        owner_user: int | None
        if held >= LEGAL_MAXIMUM:
            severity, owner_role, owner_user = Severity.CRITICAL, Role.SENIOR_LEADER, None
            reason = (
                f"{names}: in police protection for {hours} hours, past the 72-hour legal maximum, with no "
                "end decision. End it now or record the emergency protection order."
            )
        else:
            severity = Severity.HIGH if held >= second else Severity.MEDIUM
            owner_user = p.designated_officer_id
            owner_role = "" if owner_user else Role.SUPERVISOR
            reason = (
                f"{names}: in police protection for {hours} hours with no end decision. The legal maximum is "
                f"72 hours (at {deadline.astimezone(clock.LONDON):%H:%M on %-d %b})."
            )
            if not owner_user:
                reason += " No designated officer has been named."
        yield Finding(
            subject_type="protection.policeprotection",
            subject_id=str(p.pk),
            subject_label=str(p),
            person_id=person_id,
            person_label=names,
            owner_role=owner_role,
            owner_user_id=owner_user,
            owner_area_id=p.area_id,
            due_by=deadline,
            severity=severity,
            url=f"/protection/{p.pk}/",
            reason=reason,
        )


# -- PP-4: the open prompt ---------------------------------------------------------------------------------
def offences_unanswered() -> QuerySet[PoliceProtection]:
    return PoliceProtection.objects.filter(
        offences_against_child__in=[Offences.YES, Offences.UNKNOWN], investigation_reference="", offences_reason=""
    )


@clock_rule(
    "PP-4",
    kind="prompt+alert",
    title="Offences against a child in police protection: a linked investigation or a reason",
    source=SOURCE_CASE,
    horizon=lambda now: None,
)
def pp4_offences_unanswered(now: datetime) -> Iterator[Finding]:
    unanswered = offences_unanswered()
    named = _children_of(unanswered)
    for p in unanswered:
        person_id, names = _label(named.get(p.pk, []))
        yield Finding(
            subject_type="protection.policeprotection",
            subject_id=str(p.pk),
            subject_label=str(p),
            person_id=person_id,
            person_label=names,
            owner_user_id=p.designated_officer_id,
            owner_role="" if p.designated_officer_id else Role.SUPERVISOR,
            owner_area_id=p.area_id,
            due_by=p.created_at,
            severity=Severity.MEDIUM,
            url=f"/protection/{p.pk}/",
            reason=(
                f"{names}: offences against the child were recorded as "
                f"{p.get_offences_against_child_display().lower()}. Link an investigation or record why there is none."
            ),
        )
