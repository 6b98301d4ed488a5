"""The rules engine: a registry of rules by their RULES.md IDs, and the sweep that runs the clocks.

- A **guard** refuses: the service raises `RuleRefusal(rule_id, message)`.
- A **prompt** asks: the service returns `Prompt(rule_id, message)`.
- A **clock** is a query, not a timer: `check(now)` yields a `Finding` for every subject whose
  deadline has passed. The sweep upserts one open alert per (rule, subject), refreshes it, clears
  the ones whose condition no longer holds, and escalates those left unacknowledged. Running it twice
  changes nothing.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import F, Model, Q

from childsafe.core import clock, memo, policy
from childsafe.core.models import Alert, AlertPerson, Lease, OutboxMessage, Severity
from childsafe.core.roles import ESCALATION

log = logging.getLogger(__name__)

KINDS = {"guard", "prompt", "clock", "view", "prompt+alert", "alert", "guard+clock"}


@dataclass(frozen=True)
class Notice:
    """An email a clock sends outside the force when its condition holds (MP-10's escalation to the
    local authority's manager). Queued through the outbox once: the key makes every later sweep a no-op."""

    kind: str
    recipient: str
    subject: str
    body: str
    key: str
    organisation_id: int | None = None
    label: str = ""


@dataclass(frozen=True)
class Finding:
    """One subject for which a clock rule's condition holds now."""

    subject_type: str
    subject_id: str
    reason: str
    subject_label: str = ""
    person_id: int | None = None
    person_label: str = ""
    owner_role: str = ""
    owner_user_id: int | None = None
    owner_area_id: int | None = None
    due_by: datetime | None = None
    severity: str = Severity.MEDIUM
    url: str = ""
    notice: Notice | None = field(default=None, compare=False)
    # Every child the alert concerns, when there are several (person_id is the first): each child's page
    # shows it.
    person_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    title: str
    source: str  # the report section the rule answers
    app: str
    check: Callable[[datetime], Iterable[Finding]] | None = field(default=None, compare=False)
    # When, after `now`, this clock's findings could next change without any new write: the earliest
    # deadline still ahead. None from the function means "only a write changes it". A clock without a
    # horizon function is assumed to change at any time (the replay then ticks every 5 minutes).
    horizon: Callable[[datetime], datetime | None] | None = field(default=None, compare=False)
    # Who answers for it when it fires, in words (a clock's alert owner); empty where nobody does.
    owner: str = ""

    @property
    def is_clock(self) -> bool:
        return self.check is not None


_RULES: dict[str, Rule] = {}


def register(
    rule_id: str,
    *,
    kind: str,
    title: str,
    source: str,
    check: Callable[[datetime], Iterable[Finding]] | None = None,
    horizon: Callable[[datetime], datetime | None] | None = None,
    owner: str = "",
) -> Rule:
    if kind not in KINDS:
        raise ValueError(f"Rule {rule_id}: unknown kind {kind!r}.")
    # The app is the one whose module registered the rule, so the rule list can say where it lives.
    module = check.__module__ if check else sys._getframe(1).f_globals.get("__name__", "")
    parts = module.split(".")
    app = parts[1] if len(parts) > 1 and parts[0] == "childsafe" else "core"
    rule = Rule(rule_id, kind, title, source, app, check, horizon, owner)
    if rule_id in _RULES and _RULES[rule_id] != rule:
        raise ValueError(f"Rule {rule_id} is registered twice: each rule lives once.")
    _RULES[rule_id] = rule
    return rule


def clock_rule(
    rule_id: str,
    *,
    kind: str = "clock",
    title: str,
    source: str,
    horizon: Callable[[datetime], datetime | None] | None = None,
    owner: str = "",
):
    """Decorator form of `register` for a clock's check function."""

    def wrap(fn: Callable[[datetime], Iterable[Finding]]):
        register(rule_id, kind=kind, title=title, source=source, check=fn, horizon=horizon, owner=owner)
        return fn

    return wrap


def get(rule_id: str) -> Rule:
    try:
        return _RULES[rule_id]
    except KeyError:
        raise KeyError(f"There is no rule {rule_id!r}.") from None


def is_known(rule_id: str) -> bool:
    return rule_id in _RULES


def all_rules() -> list[Rule]:
    return sorted(_RULES.values(), key=lambda r: (r.id.split("-")[0], _num(r.id)))


def _num(rule_id: str) -> int:
    tail = rule_id.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


# -- Chores: periodic upkeep an app hands the worker (no findings, no alerts) ------------------------------


@dataclass(frozen=True)
class Chore:
    name: str
    every: timedelta
    run: Callable[[], object] = field(compare=False)


_CHORES: dict[str, Chore] = {}


def chore(name: str, *, every: timedelta) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register a function the worker runs when it starts and then at most once each `every` (from its
    app's rules module, beside the rules it serves). It must be safe to run from several workers at once
    and to miss: nothing may depend on when it last ran, only how fast something is."""

    def decorate(fn: Callable[[], object]) -> Callable[[], object]:
        _CHORES[name] = Chore(name, every, fn)
        return fn

    return decorate


def all_chores() -> list[Chore]:
    return sorted(_CHORES.values(), key=lambda c: c.name)


def autodiscover() -> None:
    """Import every installed Childsafe app's rules module so its rules register."""
    for config in apps.get_app_configs():
        if config.name.startswith("childsafe."):
            try:
                importlib.import_module(f"{config.name}.rules")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.rules":
                    raise


@dataclass
class SweepResult:
    raised: int = 0
    refreshed: int = 0
    cleared: int = 0
    escalated: int = 0
    skipped: bool = False


SWEEP_LEASE = "rules-sweep"


def sweep(*, holder: str | None = None, lease_seconds: int = 300, use_lease: bool = True) -> SweepResult:
    """Run every clock once. Only one worker sweeps at a time (a lease claimed by conditional update).

    `use_lease=False` is for the replay alone, which is the only process on its throwaway database.
    """
    holder = holder or f"pid-{os.getpid()}"
    if use_lease and not _claim_lease(SWEEP_LEASE, holder, lease_seconds):
        return SweepResult(skipped=True)
    try:
        result = SweepResult()
        now = clock.now()
        open_alerts: dict[str, dict[tuple[str, str], OpenAlert]] = {}
        # Plain rows, not model objects: at a force's size there are thousands (a third of the sweep's time
        # went on building them as models).
        for row in Alert.objects.open().order_by().values_list(*OpenAlert._fields):
            alert = OpenAlert._make(row)
            open_alerts.setdefault(alert.rule_id, {})[(alert.subject_type, alert.subject_id)] = alert
        # One memo scope for the sweep (ADR 0058): each policy setting, and each shared read of a child's
        # records, is read once for every clock instead of once per rule or per case. The sweep writes only
        # alerts and outbox messages, which no shared read holds, so nothing read here goes stale in it.
        with memo.one_scope():
            for rule in all_rules():
                if rule.check is not None:
                    _sweep_rule(rule, now, result, open_alerts.get(rule.id, {}))
            _escalate(now, result)
        return result
    finally:
        if use_lease:
            Lease.objects.filter(name=SWEEP_LEASE, holder=holder).update(holder="", until=None)


def _claim_lease(name: str, holder: str, seconds: int) -> bool:
    now = clock.now()
    Lease.objects.get_or_create(name=name)
    claimed = Lease.objects.filter(Q(name=name) & (Q(until__isnull=True) | Q(until__lt=now) | Q(holder=holder))).update(
        holder=holder, until=now + timedelta(seconds=seconds)
    )
    return claimed == 1


def _sweep_rule(rule: Rule, now: datetime, result: SweepResult, open_alerts: dict[tuple[str, str], OpenAlert]) -> None:
    """Raise, refresh and clear one clock's alerts. What it must write is worked out first, with a fixed
    number of reads for the rule (the notices already queued, the people already named), and a transaction
    is opened only if there is something to write: in the steady state, none (on SQLite each one took the
    database's write lock for nothing)."""
    assert rule.check is not None
    findings = {(f.subject_type, f.subject_id): f for f in rule.check(now)}
    if not findings and not open_alerts:
        return
    raising = [f for key, f in findings.items() if key not in open_alerts]
    refreshing = [(open_alerts[key], f) for key, f in findings.items() if key in open_alerts]
    changes = [(alert, changed) for alert, f in refreshing if (changed := _changes(alert, f))]
    result.refreshed += len(refreshing)
    unnamed = _unnamed_people(refreshing)
    notices = [f for f in findings.values() if f.notice is not None]
    if notices:
        queued = set(
            OutboxMessage.objects.filter(idempotency_key__in=[f.notice.key for f in notices if f.notice]).values_list(
                "idempotency_key", flat=True
            )
        )
        notices = [f for f in notices if f.notice is not None and f.notice.key not in queued]
    # The condition stopped holding: the alert clears itself.
    gone = [a.pk for key, a in open_alerts.items() if key not in findings]
    if not (raising or changes or unnamed or notices or gone):
        return
    with transaction.atomic():
        for finding in raising:
            if _raise(rule, finding, now):
                result.raised += 1
        for alert, changed in changes:
            # last_seen_at is only written when something changed, so an unchanged sweep writes nothing.
            Alert.objects.filter(pk=alert.pk, cleared_at__isnull=True).update(last_seen_at=now, **changed)
        if unnamed:
            AlertPerson.objects.bulk_create(unnamed, ignore_conflicts=True)
        for finding in notices:
            _send(finding)
        if gone:
            result.cleared += Alert.objects.filter(pk__in=gone, cleared_at__isnull=True).update(cleared_at=now)


def _send(finding: Finding) -> None:
    from childsafe.core import outbox

    n = finding.notice
    assert n is not None
    outbox.enqueue(
        kind=n.kind,
        recipient=n.recipient,
        subject=n.subject,
        body=n.body,
        idempotency_key=n.key,
        person_id=finding.person_id,
        recipient_organisation_id=n.organisation_id,
        recipient_label=n.label,
        source_type=finding.subject_type,
        source_id=finding.subject_id,
    )


def _raise(rule: Rule, finding: Finding, now: datetime) -> bool:
    try:
        # A savepoint, so that a concurrent sweep's insert of the same alert leaves ours harmless.
        with transaction.atomic():
            alert = Alert.objects.create(rule_id=rule.id, raised_at=now, last_seen_at=now, **_finding_fields(finding))
            _name_people(alert.pk, finding)
        return True
    except IntegrityError:
        return False


class OpenAlert(NamedTuple):
    """What the sweep needs of an open alert: its key, and the fields a finding may change."""

    pk: int
    rule_id: str
    subject_type: str
    subject_id: str
    subject_label: str
    person_id: int | None
    person_label: str
    owner_role: str
    owner_user_id: int | None
    owner_area_id: int | None
    due_by: datetime | None
    severity: str
    reason: str
    url: str


def _finding_fields(f: Finding) -> dict:
    return {
        "subject_type": f.subject_type,
        "subject_id": f.subject_id,
        "subject_label": f.subject_label[:300],
        "person_id": f.person_id,
        "person_label": f.person_label[:200],
        "owner_role": f.owner_role,
        "owner_user_id": f.owner_user_id,
        "owner_area_id": f.owner_area_id,
        "due_by": f.due_by,
        "severity": f.severity,
        "reason": f.reason[:500],
        "url": f.url,
    }


def _changes(alert: OpenAlert, finding: Finding) -> dict:
    """The fields of an open alert that its finding now says differently."""
    return {k: v for k, v in _finding_fields(finding).items() if getattr(alert, k) != v}


def _unnamed_people(refreshing: list[tuple[OpenAlert, Finding]]) -> list[AlertPerson]:
    """The children findings now name that their open alerts don't yet (one read for the rule)."""
    wanted = {
        alert.pk: people
        for alert, f in refreshing
        if len(people := {p for p in (f.person_id, *f.person_ids) if p is not None}) >= 2
    }
    if not wanted:
        return []
    have: dict[int, set[int]] = {}
    for alert_id, person_id in AlertPerson.objects.filter(alert_id__in=sorted(wanted)).values_list(
        "alert_id", "person_id"
    ):
        have.setdefault(alert_id, set()).add(person_id)
    return [
        AlertPerson(alert_id=alert_id, person_id=p)
        for alert_id, people in sorted(wanted.items())
        for p in sorted(people - have.get(alert_id, set()))
    ]


def _name_people(alert_id: int, finding: Finding) -> None:
    wanted = {p for p in (finding.person_id, *finding.person_ids) if p is not None}
    if len(wanted) < 2:
        return
    have = set(AlertPerson.objects.filter(alert_id=alert_id).values_list("person_id", flat=True))
    if wanted - have:
        AlertPerson.objects.bulk_create(
            [AlertPerson(alert_id=alert_id, person_id=p) for p in sorted(wanted - have)], ignore_conflicts=True
        )


# How far back a clock looks for records whose deadline has passed, beyond the deadline itself. A sweep
# runs every few minutes, so any record late for longer than this already has its open alert.
WATCH = timedelta(days=30)


def recent_or_alerted(
    rule_id: str,
    model: type[Model],
    started_field: str,
    since: datetime,
    also: Iterable[int] = (),
    scope: Q | None = None,
) -> Q:
    """Records whose clock started at or after `since`, or that still have an open alert from this rule.

    For a clock over records that close (returns, checks): scanning every record ever made would grow
    with the force's history, not its open work. A record late for longer than WATCH was found late by
    an earlier sweep, so its open alert keeps it in view until its condition stops holding: the same
    findings, from the recent records (an index range on `started_field`) and the open alerts (an index
    lookup). Ids, not a subquery, so that neither database is tempted to scan the table in its order.
    Pass `since = now - deadline - WATCH`, and in `also` the ids of any records whose clock was paused
    (an approved delay) until after `since`. `scope` narrows the recent records to the ones the rule can
    find at all (e.g. the open ones), where an index leads with it and `started_field` alone has none.
    """
    recent = model._default_manager.filter(**{f"{started_field}__gte": since})
    if scope is not None:
        recent = recent.filter(scope)
    recent = recent.order_by().values_list("pk", flat=True)
    alerted = Alert.objects.open().filter(rule_id=rule_id).values_list("subject_id", flat=True)
    return Q(pk__in=sorted({*recent, *(int(s) for s in alerted), *also}))


def earliest_after(times: Iterable[datetime | None], now: datetime) -> datetime | None:
    """The earliest of these times still ahead of `now`: what a clock rule's horizon returns."""
    ahead = [t for t in times if t is not None and t > now]
    return min(ahead) if ahead else None


def next_change(now: datetime, *, fallback: timedelta) -> datetime | None:
    """The earliest time after `now` at which a sweep could find something new, absent new writes.

    The replay uses it to jump between deadlines instead of sweeping every few minutes of a long gap.
    """
    candidates: list[datetime] = []
    for rule in all_rules():
        if rule.check is None:
            continue
        if rule.horizon is None:
            candidates.append(now + fallback)
            continue
        when = rule.horizon(now)
        if when is not None:
            candidates.append(max(when, now))
    after = timedelta(minutes=int(policy.get(policy.ALERT_ESCALATE_AFTER.key)))
    waiting = Alert.objects.open().filter(acknowledged_at__isnull=True)
    for raised, escalated, owner_role, escalated_to in waiting.values_list(
        "raised_at", "escalated_at", "owner_role", "escalated_to_role"
    ):
        due = (escalated or raised) + after
        # Only alerts that can still go up a level, and not before this tick has dealt with them.
        if ESCALATION.get(escalated_to or owner_role) and due > now:
            candidates.append(due)
    return min(candidates) if candidates else None


def _escalate(now: datetime, result: SweepResult) -> None:
    """An open alert left unacknowledged goes up one level each time the escalation period passes."""
    after = timedelta(minutes=int(policy.get(policy.ALERT_ESCALATE_AFTER.key)))
    stale = (
        Alert.objects.open()
        .filter(acknowledged_at__isnull=True)
        .filter(Q(escalated_at__isnull=True, raised_at__lte=now - after) | Q(escalated_at__lte=now - after))
    )
    for alert in stale.only("pk", "owner_role", "escalated_to_role", "escalation_level"):
        next_role = ESCALATION.get(alert.current_role)
        if not next_role or next_role == alert.current_role:
            continue
        # Conditional on the level we read, so two sweeps can't escalate twice.
        result.escalated += Alert.objects.filter(pk=alert.pk, escalation_level=alert.escalation_level).update(
            escalation_level=F("escalation_level") + 1, escalated_to_role=next_role, escalated_at=now
        )
