"""QG-3: the live performance figures, computed from the records each time (never kept by hand).

Timeliness reads the alerts only: every clock rule in the engine's registry gets its line from the same
grouped queries, so a new clock rule appears on the dashboard with no dashboard code (ADR 0020). For the
whole months of a period it reads the monthly roll-up of cleared alerts (`rollup`, ADR 0062), and the
alerts themselves for the rest, so the figures are the same either way and five years stay fast.

What "on time" means here. A clock raises an alert when its deadline is at risk or missed; a clock that
never fired for a case raised nothing. So an alert is counted as a breach unless it was cleared before its
due time (then the work was done inside the deadline after a warning). The share of *cases* done on time
needs the number of cases each clock watched: where an app tells us that number (DENOMINATORS) the page
shows it; otherwise it shows counts of alerts only, and says so.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL

from childsafe.core import clock, engine
from childsafe.core.models import Alert, Area, LanguageFlag, User, UserSkill
from childsafe.core.roles import Role
from childsafe.oversight import rollup
from childsafe.oversight.models import ClockMonth

# -- Periods ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive: the last day shown

    @property
    def since(self) -> datetime:
        return clock.london_start(self.start)

    @property
    def until(self) -> datetime:
        return clock.london_start(self.end + timedelta(days=1))

    @classmethod
    def last_days(cls, days: int, today: date | None = None) -> Period:
        today = today or clock.today_london()
        return cls(today - timedelta(days=days - 1), today)


# -- Timeliness (every clock rule) -------------------------------------------------------------------------

# rule id -> a function (period, area id or None) giving the number of cases the clock watched in the
# period. Apps may add to this from their contributions; a rule without one shows alert counts only.
DENOMINATORS: dict[str, Callable[[Period, int | None], int]] = {}


def _percentile(sorted_values: list[int], p: float) -> int | None:
    """Nearest-rank percentile: the value below which p% of the values lie (no interpolation)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class Counts:
    raised: int = 0
    met: int = 0  # cleared before the due time
    late_minutes: list[int] = field(default_factory=list)  # each breach's (ADR 0062: whole minutes)
    acknowledged: int = 0
    escalated: int = 0
    open_overdue: int = 0

    @property
    def breaches(self) -> int:
        return self.raised - self.met

    @property
    def share_met(self) -> int | None:
        return round(100 * self.met / self.raised) if self.raised else None

    @property
    def median_late(self) -> float | None:
        """Hours, to a tenth."""
        return self._late_percentile(50)

    @property
    def p90_late(self) -> float | None:
        return self._late_percentile(90)

    def _late_percentile(self, p: float) -> float | None:
        # In place: the rolled-up months' values arrive as sorted runs, which sort merges, and a second
        # percentile finds them sorted already.
        self.late_minutes.sort()
        v = _percentile(self.late_minutes, p)
        return None if v is None else round(v / 60, 1)


@dataclass
class RuleLine:
    rule_id: str
    title: str
    owner: str
    total: Counts
    by_area: dict[int | None, Counts]
    cases: int | None = None  # the app's own count of cases the clock watched, where known

    @property
    def share_cases_on_time(self) -> int | None:
        if not self.cases:
            return None
        return max(0, round(100 * (self.cases - self.total.breaches) / self.cases))


def clock_rules() -> list[engine.Rule]:
    return [r for r in engine.all_rules() if r.is_clock]


def whole_months(period: Period) -> tuple[date, date] | None:
    """The first day of the period's first whole month and the first day after its last: the span the
    roll-up can answer for. None when the period holds no whole month."""
    first = period.start if period.start.day == 1 else clock.next_month(period.start)
    after = period.end + timedelta(days=1)
    last = after if after.day == 1 else after.replace(day=1)
    return (first, last) if first < last else None


def _alerts_to_read(period: Period) -> list[QuerySet[Alert]]:
    """The alerts in the period the roll-up doesn't answer for: the part-months at either end, and in the
    whole months those not rolled up yet (open, or cleared since it last ran).

    Of every rule and area: the callers group by both and keep the clock rules' rows (and the area's).
    Filtering on either here would let SQLite (without statistics until the worker's daily chore has run
    ANALYZE) walk that column's index, every alert the rule or area ever had, instead of the period's: the period
    and the roll-up flag are what narrow the rows."""
    alerts: QuerySet[Alert] = Alert.objects.order_by()
    span = whole_months(period)
    if span is None:
        return [alerts.filter(raised_at__gte=period.since, raised_at__lt=period.until)]
    first, after = clock.london_start(span[0]), clock.london_start(span[1])
    parts = [alerts.filter(rolled_up=False, raised_at__gte=first, raised_at__lt=after)]
    if period.since < first:
        parts.append(alerts.filter(raised_at__gte=period.since, raised_at__lt=first))
    if after < period.until:
        parts.append(alerts.filter(raised_at__gte=after, raised_at__lt=period.until))
    return parts


def _rolled_up_months(period: Period, rule_ids: list[str], area_id: int | None) -> QuerySet[ClockMonth]:
    span = whole_months(period)
    if span is None:
        return ClockMonth.objects.none()
    cells = ClockMonth.objects.filter(rule_id__in=rule_ids, month__gte=span[0], month__lt=span[1]).order_by()
    return cells if area_id is None else cells.filter(area_id=area_id)


def timeliness(period: Period, *, area_id: int | None = None, now: datetime | None = None) -> list[RuleLine]:
    """One line per clock rule: alerts raised in the period, the share cleared before due, the median and
    90th percentile lateness in hours, acknowledgements, escalations, and (now) open overdue alerts.

    The same statements for every rule at once: the rolled-up months, then for each part of the period
    still read from the alerts (at most three) grouped counts and the breaches' lateness, then the open
    overdue counts."""
    now = now or clock.now()
    rules = clock_rules()
    ids = [r.id for r in rules]
    scope = Q(rule_id__in=ids)
    if area_id is not None:
        scope &= Q(owner_area_id=area_id)
    totals: dict[str, Counts] = defaultdict(Counts)
    areas: dict[str, dict[int | None, Counts]] = defaultdict(lambda: defaultdict(Counts))
    for rule_id, cell_area, raised, met_count, acknowledged, escalated, late in _rolled_up_months(
        period, ids, area_id
    ).values_list("rule_id", "area_id", "raised", "met", "acknowledged", "escalated", "late_minutes"):
        minutes = rollup.unpack(late)
        for c in (totals[rule_id], areas[rule_id][cell_area]):
            c.raised += raised
            c.met += met_count
            c.acknowledged += acknowledged
            c.escalated += escalated
            c.late_minutes.extend(minutes)
    for alerts in _alerts_to_read(period):
        _count_alerts(alerts, now, set(ids), area_id, totals, areas)
    overdue = (
        Alert.objects.open()
        .filter(scope, due_by__lt=now)
        .values("rule_id", "owner_area_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in overdue:
        totals[row["rule_id"]].open_overdue += row["n"]
        areas[row["rule_id"]][row["owner_area_id"]].open_overdue += row["n"]
    lines = []
    for r in rules:
        denominator = DENOMINATORS.get(r.id)
        lines.append(
            RuleLine(
                r.id,
                r.title,
                r.owner,
                totals[r.id],
                dict(areas[r.id]),
                cases=denominator(period, area_id) if denominator else None,
            )
        )
    return lines


def _count_alerts(
    alerts: QuerySet[Alert],
    now: datetime,
    rule_ids: set[str],
    area_id: int | None,
    totals: dict[str, Counts],
    areas: dict[str, dict[int | None, Counts]],
) -> None:
    grouped = alerts.values("rule_id", "owner_area_id").annotate(
        raised=Count("id"),
        met=Count("id", filter=rollup.MET),
        acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False)),
        escalated=Count("id", filter=Q(escalation_level__gt=0)),
    )
    for row in grouped:
        if row["rule_id"] not in rule_ids or (area_id is not None and row["owner_area_id"] != area_id):
            continue
        for c in (totals[row["rule_id"]], areas[row["rule_id"]][row["owner_area_id"]]):
            c.raised += row["raised"]
            c.met += row["met"]
            c.acknowledged += row["acknowledged"]
            c.escalated += row["escalated"]
    # The breaches' lateness in hours, computed by the database: one float a row, no datetimes in Python,
    # read straight from the cursor (the three columns need no conversion: Django's per-row converters
    # cost more than the query over many rows).
    late_query = (
        alerts.exclude(rollup.MET).annotate(late=rollup.hours_late(now)).values_list("rule_id", "owner_area_id", "late")
    )
    sql, params = late_query.query.get_compiler(using=late_query.db).as_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(20000):
            for rule_id, area, late in batch:
                if rule_id not in rule_ids or (area_id is not None and area != area_id):
                    continue
                minutes = rollup.late_minutes(late)
                totals[rule_id].late_minutes.append(minutes)
                areas[rule_id][area].late_minutes.append(minutes)


def alerts_behind(
    *, rule_id: str, period: Period, area_id: int | None = None, which: str = "raised", now: datetime | None = None
):
    """The alerts behind one timeliness figure: raised in the period, its breaches, or open overdue now."""
    now = now or clock.now()
    qs = Alert.objects.filter(rule_id=rule_id).select_related("owner_area", "owner_user")
    if area_id is not None:
        qs = qs.filter(owner_area_id=area_id)
    if which == "overdue":
        return qs.filter(cleared_at__isnull=True, due_by__lt=now).order_by("due_by")
    qs = qs.filter(raised_at__gte=period.since, raised_at__lt=period.until)
    if which == "late":
        qs = qs.exclude(cleared_at__isnull=False, due_by__isnull=False, cleared_at__lte=F("due_by"))
    return qs.order_by("-raised_at")


# -- Demand, backlogs, coverage, workload ------------------------------------------------------------------


@dataclass
class Figure:
    key: str
    label: str
    value: int
    url_name: str = ""  # the list page behind it, where one exists
    capability: str = ""  # who may follow the link


def demand(period: Period, *, area_id: int | None = None) -> list[Figure]:
    """The period's new work, one count query per record type."""
    from childsafe.incidents.models import Incident, IncidentPerson
    from childsafe.incidents.models import PersonRole as IncidentRole
    from childsafe.investigations.models import Investigation
    from childsafe.missing.models import MissingEpisode
    from childsafe.offenders.models import Offender
    from childsafe.protection.models import PoliceProtection
    from childsafe.referrals.models import EncompassNotification, Ppn

    s, u = period.since, period.until
    area = {} if area_id is None else {"area_id": area_id}
    with_child = Exists(IncidentPerson.objects.filter(incident=OuterRef("pk"), role=IncidentRole.CHILD))
    incidents = Incident.objects.filter(created_at__gte=s, created_at__lt=u, **area).filter(with_child)
    missing = MissingEpisode.objects.filter(
        reported_at__gte=s, reported_at__lt=u, **({} if area_id is None else {"owner_area_id": area_id})
    )
    ppns = Ppn.objects.filter(submitted_at__gte=s, submitted_at__lt=u)
    encompass = EncompassNotification.objects.filter(created_at__gte=s, created_at__lt=u)
    if area_id is not None:
        ppns = ppns.filter(incident__area_id=area_id)
        encompass = encompass.filter(incident__area_id=area_id)
    return [
        Figure("incidents", "Incidents concerning children", incidents.count(), "incidents:list", "incident.record"),
        Figure("missing", "Missing episodes", missing.count(), "missing:worklist", "missing.work"),
        Figure("ppns", "PPNs submitted", ppns.count(), "referrals:queue", "incident.record"),
        Figure(
            "encompass", "Operation Encompass notifications", encompass.count(), "oversight:encompass", "alerts.team"
        ),
        Figure(
            "investigations",
            "Investigations opened",
            Investigation.objects.filter(opened_at__gte=s, opened_at__lt=u, **area).count(),
            "investigations:list",
            "investigation.work",
        ),
        Figure(
            "protections",
            "Children's police protections",
            PoliceProtection.objects.filter(removed_at__gte=s, removed_at__lt=u, **area).count(),
            "protection:worklist",
            "protection.decide",
        ),
        Figure(
            "offenders",
            "Registered offenders added",
            Offender.objects.filter(created_at__gte=s, created_at__lt=u, **area).count(),
            "offenders:caseload",
            "offender.manage",
        ),
    ]


AGE_BANDS: list[tuple[str, int, int | None]] = [
    ("Under 1 day", 0, 1),
    ("1 to 7 days", 1, 7),
    ("8 to 30 days", 7, 30),
    ("31 to 90 days", 30, 90),
    ("Over 90 days", 90, None),
]


def _banded(qs, field_name: str, now: datetime) -> list[tuple[str, int]]:
    """Counts by age band in one query (a conditional count per band)."""
    aggregates = {}
    for i, (_, low, high) in enumerate(AGE_BANDS):
        q = Q(**{f"{field_name}__lte": now - timedelta(days=low)})
        if high is not None:
            q &= Q(**{f"{field_name}__gt": now - timedelta(days=high)})
        aggregates[f"b{i}"] = Count("pk", filter=q)
    got = qs.aggregate(**aggregates)
    return [(label, got[f"b{i}"]) for i, (label, _, _) in enumerate(AGE_BANDS)]


def vat_backlog(*, now: datetime | None = None, area_id: int | None = None) -> list[tuple[str, int]]:
    """PPNs waiting for VAT triage, by how long they have waited."""
    from childsafe.referrals.models import Ppn

    qs = Ppn.objects.filter(triaged_at__isnull=True)
    if area_id is not None:
        qs = qs.filter(incident__area_id=area_id)
    return _banded(qs, "submitted_at", now or clock.now())


def dfu_backlog(*, now: datetime | None = None, area_id: int | None = None) -> list[tuple[str, int]]:
    """Digital forensic requests not finished, by how long since they were submitted."""
    from childsafe.investigations.models import DfuRequest

    qs = DfuRequest.objects.filter(completed_at__isnull=True)
    if area_id is not None:
        qs = qs.filter(investigation__area_id=area_id)
    return _banded(qs, "submitted_at", now or clock.now())


@dataclass
class Coverage:
    total: int
    on_time: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.on_time / self.total) if self.total else None


def encompass_coverage(period: Period, *, area_id: int | None = None) -> Coverage:
    """Operation Encompass: notifications in the period a school or the local authority acknowledged before
    the next school day (its due time)."""
    from childsafe.referrals.models import EncompassNotification

    qs = EncompassNotification.objects.filter(created_at__gte=period.since, created_at__lt=period.until)
    if area_id is not None:
        qs = qs.filter(incident__area_id=area_id)
    got = qs.aggregate(
        total=Count("pk"),
        on_time=Count("pk", filter=Q(acknowledged_at__isnull=False, acknowledged_at__lte=F("due_by"))),
    )
    return Coverage(got["total"], got["on_time"])


def language_flags(period: Period) -> list[tuple[str, int]]:
    """QG-1: how often each phrase was flagged in the period, most used first."""
    rows = (
        LanguageFlag.objects.filter(at__gte=period.since, at__lt=period.until)
        .values("phrase__phrase")
        .annotate(n=Count("id"))
        .order_by("-n", "phrase__phrase")
    )
    return [(r["phrase__phrase"], r["n"]) for r in rows]


def skills_coverage(
    *, skill: str = "aware_voc", role: str = Role.RESPONSE_OFFICER, area_id: int | None = None
) -> Coverage:
    """QG-6: the share of active officers in a role holding a current award of a skill today."""
    today = clock.today_london()
    current = UserSkill.objects.filter(user=OuterRef("pk"), skill__code=skill, awarded_on__lte=today).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today)
    )
    qs = User.objects.filter(role=role, is_active=True)
    if area_id is not None:
        qs = qs.filter(area_id=area_id)
    got = qs.aggregate(total=Count("pk"), on_time=Count("pk", filter=Q(Exists(current))))
    return Coverage(got["total"], got["on_time"])


def workload(*, area_id: int | None = None) -> list[dict]:
    """Open work by area now: open alerts, open investigations and children currently missing."""
    from childsafe.investigations.models import Investigation
    from childsafe.missing.models import MissingEpisode

    areas = list(Area.objects.all()) if area_id is None else list(Area.objects.filter(pk=area_id))
    alerts = dict(
        Alert.objects.open()
        .values_list("owner_area_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("owner_area_id", "n")
    )
    investigations = dict(
        Investigation.objects.filter(closed_at__isnull=True)
        .values_list("area_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("area_id", "n")
    )
    missing = dict(
        MissingEpisode.objects.filter(closed_at__isnull=True)
        .values_list("owner_area_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("owner_area_id", "n")
    )
    return [
        {
            "area": a,
            "alerts": alerts.get(a.pk, 0),
            "investigations": investigations.get(a.pk, 0),
            "missing": missing.get(a.pk, 0),
        }
        for a in areas
    ]


def monthly_breaches(period: Period, *, area_id: int | None = None) -> list[tuple[str, int, int]]:
    """The trend: alerts raised and breaches (not cleared before due) per month of the period: the
    rolled-up months' cells, and the alerts the roll-up doesn't answer for, each in its London month."""
    ids = [r.id for r in clock_rules()]
    months: dict[date, list[int]] = {}
    for month, raised, met_count in (
        _rolled_up_months(period, ids, area_id)
        .values("month")
        .annotate(r=Sum("raised"), m=Sum("met"))
        .values_list("month", "r", "m")
    ):
        counts = months.setdefault(month, [0, 0])
        counts[0] += raised
        counts[1] += met_count
    for alerts in _alerts_to_read(period):
        for month, raised, met_count in _by_month(alerts, set(ids), area_id):
            counts = months.setdefault(month, [0, 0])
            counts[0] += raised
            counts[1] += met_count
    return [(m.strftime("%b %Y"), r, r - mt) for m, (r, mt) in sorted(months.items())]


def _by_month(alerts: QuerySet[Alert], rule_ids: set[str], area_id: int | None) -> list[tuple[date, int, int]]:
    """The rules' (and area's) alerts raised and met by London month, grouped in the database by rule and
    area too, so the query needn't filter on them (see `_alerts_to_read`)."""

    def wanted(rule_id: str, area: int | None) -> bool:
        return rule_id in rule_ids and (area_id is None or area == area_id)

    from django.db.models.functions import TruncMonth

    if connection.vendor != "sqlite":
        rows = (
            alerts.annotate(m=TruncMonth("raised_at", tzinfo=clock.LONDON))
            .values("m", "rule_id", "owner_area_id")
            .annotate(raised=Count("id"), met=Count("id", filter=rollup.MET))
        )
        return [(r["m"].date(), r["raised"], r["met"]) for r in rows if wanted(r["rule_id"], r["owner_area_id"])]
    # SQLite truncates dates in a Python function called for every row. Group instead by the stored UTC
    # day (plain text, native), with the 23:00 hour apart: the only UTC hour whose London date can be the
    # next day (in summer time). Then each group goes in its London month here, exact across clock
    # changes: at most two groups a day, parsed by date.fromisoformat (no strptime per hour).
    column = f"{connection.ops.quote_name(Alert._meta.db_table)}.raised_at"
    day = RawSQL(  # noqa: S611 - our own quoted column name only
        f"substr({column}, 1, 10) || CASE WHEN substr({column}, 12, 2) = '23' THEN '+' ELSE '' END", []
    )
    months: dict[date, list[int]] = {}
    for key, rule_id, area, raised, met_count in (
        alerts.annotate(d=day)
        .values("d", "rule_id", "owner_area_id")
        .annotate(raised=Count("id"), met=Count("id", filter=rollup.MET))
        .values_list("d", "rule_id", "owner_area_id", "raised", "met")
    ):
        if not wanted(rule_id, area):
            continue
        utc_day = date.fromisoformat(key[:10])
        if key.endswith("+"):  # 23:xx UTC: the next day in London when summer time is on
            at = datetime.combine(utc_day, time(23, 30), tzinfo=UTC).astimezone(clock.LONDON)
            utc_day = at.date()
        counts = months.setdefault(utc_day.replace(day=1), [0, 0])
        counts[0] += raised
        counts[1] += met_count
    return [(m, r, mt) for m, (r, mt) in months.items()]


def audit_grades(period: Period, *, area_id: int | None = None) -> list[tuple[str, int, int, int]]:
    """QG-2's grades for the months the period touches, by type of case: good, requires improvement,
    inadequate."""
    from childsafe.oversight.models import CaseAudit, CaseType, Grade

    qs = CaseAudit.objects.filter(
        month__gte=period.start.replace(day=1), month__lte=period.end, graded_at__isnull=False
    )
    if area_id is not None:
        qs = qs.filter(area_id=area_id)
    counts = {
        (r["case_type"], r["grade"]): r["n"] for r in qs.values("case_type", "grade").annotate(n=Count("id")).order_by()
    }
    return [
        (
            label,
            counts.get((value, Grade.GOOD), 0),
            counts.get((value, Grade.REQUIRES_IMPROVEMENT), 0),
            counts.get((value, Grade.INADEQUATE), 0),
        )
        for value, label in CaseType.choices
    ]


def ppn_quality(period: Period, *, area_id: int | None = None) -> list[tuple[str, int]]:
    """RF-5: the line managers' findings on sampled PPNs reviewed in the period, by quality."""
    from childsafe.referrals.models import PpnReview, ReviewQuality

    qs = PpnReview.objects.filter(reviewed_at__gte=period.since, reviewed_at__lt=period.until)
    if area_id is not None:
        qs = qs.filter(ppn__incident__area_id=area_id)
    counts = dict(qs.values_list("quality").annotate(n=Count("id")).order_by().values_list("quality", "n"))
    return [(label, counts.get(value, 0)) for value, label in ReviewQuality.choices]
