"""The control room's rules (CR-1 to CR-6): registered here like every other app's, so that the replay,
the rule list and the dashboard know them. The guards and prompts are enforced in `incidents.services`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, Subquery

from childsafe.core import clock, engine, policy
from childsafe.core.engine import Finding, clock_rule, earliest_after, recent_or_alerted
from childsafe.core.models import Severity, User
from childsafe.core.roles import Role
from childsafe.incidents.models import (
    CHILD_WELFARE_TYPES,
    CallReview,
    Incident,
    IncidentPerson,
    IncidentType,
    PersonRole,
    ThriveAssessment,
)

SOURCE = "Report, 'Initial contact': calls about children were not always assessed and graded with THRIVE"

engine.register(
    "CR-1",
    kind="guard",
    title="Downgrading an incident that concerns a child needs a supervisor's approval, with rationale",
    source=SOURCE + "; incidents were downgraded without supervision.",
)
engine.register(
    "CR-2",
    kind="guard",
    title="A child-welfare incident is never allocated to the initial inquiry team or a diary appointment",
    source=SOURCE + "; child-welfare incidents were sent to diary appointments.",
)
engine.register(
    "CR-4",
    kind="prompt",
    title="The intelligence check is shown and kept before grading, including duplicate records",
    source=SOURCE + "; markers were held on records handlers did not see.",
)
engine.register(
    "CR-5",
    kind="prompt",
    title="Online-abuse callers are told how to preserve evidence on devices",
    source=SOURCE + "; callers were not told how to preserve digital evidence.",
)

CR3_MINUTES = policy.define(
    "incidents.cr3_thrive_minutes",
    default=10,
    unit="minutes",
    rule_id="CR-3",
    description="How long after a child-concern incident or missing report is recorded its THRIVE is due.",
)
CR6_REVIEWS = policy.define(
    "incidents.cr6_reviews_per_month",
    default=2,
    unit="count",
    rule_id="CR-6",
    description="Child-protection calls a manager reviews for each call handler each month.",
)


def _child_incidents():
    return Incident.objects.filter(Q(type__in=CHILD_WELFARE_TYPES) | Q(people__role=PersonRole.CHILD)).distinct()


def _no_thrive():
    return (
        _child_incidents()
        .filter(closed_at__isnull=True)
        .exclude(Exists(ThriveAssessment.objects.filter(incident=OuterRef("pk"))))
    )


def _cr3_within() -> timedelta:
    return timedelta(minutes=int(policy.get(CR3_MINUTES.key)))


_INCIDENT_TYPES = dict(IncidentType.choices)


@clock_rule(
    "CR-3",
    owner="FIM",
    title="Every child-concern incident and missing report has a THRIVE assessment",
    source=SOURCE + ".",
    horizon=lambda now: earliest_after(
        [
            t + _cr3_within()
            for t in _no_thrive().filter(created_at__gt=now - _cr3_within()).values_list("created_at", flat=True)
        ],
        now,
    ),
)
def cr3_thrive(now: datetime) -> Iterator[Finding]:
    within = _cr3_within()
    since = now - within - engine.WATCH
    # Only open incidents can be late (_no_thrive): the recent ones through the index on (closed_at, created_at),
    # so closed history is never read.
    recent = recent_or_alerted("CR-3", Incident, "created_at", since, scope=Q(closed_at__isnull=True))
    first_child = (
        IncidentPerson.objects.filter(incident=OuterRef("pk"), role=PersonRole.CHILD)
        .order_by("id")
        .values("person_id")[:1]
    )
    late = _no_thrive().filter(recent, created_at__lte=now - within).annotate(first_child=Subquery(first_child))
    # Plain rows of the columns used: a force has thousands open (bench/README.md, sweep).
    for incident in late.values_list("pk", "reference", "type", "created_at", "first_child", named=True):
        yield Finding(
            subject_type="incidents.incident",
            subject_id=str(incident.pk),
            subject_label=incident.reference,
            person_id=incident.first_child,
            owner_role=Role.FIM,
            due_by=incident.created_at + within,
            severity=Severity.HIGH,
            url=f"/incidents/{incident.pk}/thrive/",
            reason=f"{incident.reference} ({str(_INCIDENT_TYPES.get(incident.type, incident.type)).lower()}) has no "
            "THRIVE assessment.",
        )


def month_start(day: date) -> datetime:
    return datetime(day.year, day.month, 1, tzinfo=clock.LONDON)


def _next_month(moment: datetime) -> datetime:
    return (moment + timedelta(days=32)).replace(day=1)


def _cr6_horizon(now: datetime) -> datetime | None:
    return _next_month(month_start(now.astimezone(clock.LONDON).date()))


@clock_rule(
    "CR-6",
    owner="FIM (the control room's managers)",
    title="Each month each call handler has child-protection calls reviewed by a manager",
    source="Report, 'Initial contact': no routine review of how call handlers dealt with calls about children.",
    horizon=_cr6_horizon,
)
def cr6_call_monitoring(now: datetime) -> Iterator[Finding]:
    """Judged when a month ends: the month just ended, for every handler who took a child call in it."""
    end = month_start(now.astimezone(clock.LONDON).date())
    start = month_start((end - timedelta(days=1)).date())
    wanted = int(policy.get(CR6_REVIEWS.key))
    # The month's incidents through the index on (type, created_at), every type: there is no index on the time
    # alone, and without one the month is found by reading every incident ever recorded.
    month = Incident.objects.filter(type__in=IncidentType.values, created_at__gte=start, created_at__lt=end)
    calls = (
        _child_incidents()
        .filter(pk__in=month.values("pk"), created_by__role=Role.CALL_HANDLER)
        .values("created_by")
        .annotate(n=Count("pk", distinct=True))
    )
    took = {row["created_by"]: row["n"] for row in calls}
    if not took:
        return
    reviewed = dict(
        CallReview.objects.filter(incident__created_at__gte=start, incident__created_at__lt=end)
        .values("handler")
        .annotate(n=Count("pk"))
        .values_list("handler", "n")
    )
    names = dict(User.objects.filter(pk__in=took).values_list("pk", "username"))
    for handler_id, n_calls in sorted(took.items()):
        needed = min(wanted, n_calls)
        done = reviewed.get(handler_id, 0)
        if done >= needed:
            continue
        yield Finding(
            subject_type="incidents.callmonitoring",
            subject_id=f"{handler_id}:{start:%Y-%m}",
            subject_label=f"Call monitoring for {names.get(handler_id, handler_id)}, {start:%B %Y}",
            owner_role=Role.FIM,
            due_by=end,
            severity=Severity.MEDIUM,
            url="/incidents/",
            reason=f"{done} of {needed} child-protection calls by {names.get(handler_id, handler_id)} in "
            f"{start:%B %Y} have been reviewed by a manager.",
        )
