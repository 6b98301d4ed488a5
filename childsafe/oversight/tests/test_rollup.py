"""QG-3: the monthly roll-up gives the dashboard the same figures as the alerts themselves (ADR 0062).

The figures are checked against a plain reading of every alert in Python (the oracle below), before any
roll-up, after one, and after the alerts have moved on (some cleared, some raised in months already
rolled up) with and without a second roll-up."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta

import pytest

from childsafe.core import clock, engine
from childsafe.core.models import Alert
from childsafe.core.worker import Worker
from childsafe.oversight import dashboard, rollup
from childsafe.oversight.models import ClockMonth

NOW = datetime(2026, 11, 20, 14, 37, tzinfo=UTC)
RULES = ["RF-9", "MP-5", "CR-6"]


def _plant(rng: random.Random, n: int, areas: list, *, start: datetime, end: datetime, tag: str) -> None:
    span_minutes = int((end - start).total_seconds() // 60)
    rows = []
    for i in range(n):
        raised = start + timedelta(minutes=rng.randrange(span_minutes))
        if rng.random() < 0.15:  # near midnight, where UTC and London disagree about the day and month
            raised = raised.replace(hour=23, minute=rng.choice([0, 30, 59]))
        due = raised + timedelta(minutes=rng.choice([60, 240, 1440, 4320]))
        fate = rng.random()
        if fate < 0.1 and raised > NOW - timedelta(days=40):
            cleared = None  # still open
        elif fate < 0.5:
            cleared = due - timedelta(minutes=rng.randrange(1, 50))  # met
        else:
            cleared = due + timedelta(minutes=rng.randrange(1, 20000))  # late
        cleared = None if cleared is not None and cleared > NOW else cleared
        rows.append(
            Alert(
                rule_id=rng.choice(RULES),
                subject_type="test.case",
                subject_id=f"{tag}-{i}",
                reason="A clock ran out",
                raised_at=raised,
                last_seen_at=raised,
                due_by=None if rng.random() < 0.03 else due,
                cleared_at=cleared,
                owner_area=rng.choice(areas),
                acknowledged_at=raised + timedelta(minutes=5) if rng.random() < 0.3 else None,
                escalation_level=rng.choice([0, 0, 0, 1, 2]),
            )
        )
    Alert.objects.bulk_create(rows)


def _oracle(period: dashboard.Period, area_id: int | None) -> tuple[dict, list]:
    """Every figure worked out from every alert, one by one, with no database arithmetic."""
    lines: dict[str, dict] = {}
    months: dict[date, list[int]] = {}
    for a in Alert.objects.filter(rule_id__in=RULES, raised_at__gte=period.since, raised_at__lt=period.until):
        if area_id is not None and a.owner_area_id != area_id:
            continue
        line = lines.setdefault(a.rule_id, {"raised": 0, "met": 0, "ack": 0, "esc": 0, "late": []})
        met = a.cleared_at is not None and a.due_by is not None and a.cleared_at <= a.due_by
        line["raised"] += 1
        line["met"] += met
        line["ack"] += a.acknowledged_at is not None
        line["esc"] += a.escalation_level > 0
        if not met:
            hours = 0.0 if a.due_by is None else ((a.cleared_at or NOW) - a.due_by).total_seconds() / 3600
            line["late"].append(rollup.late_minutes(hours))
        month = clock.month_of(a.raised_at)
        counts = months.setdefault(month, [0, 0])
        counts[0] += 1
        counts[1] += met
    for line in lines.values():
        late = sorted(line.pop("late"))
        line["median"] = round(late[max(1, math.ceil(len(late) / 2)) - 1] / 60, 1) if late else None
        line["p90"] = round(late[max(1, math.ceil(0.9 * len(late))) - 1] / 60, 1) if late else None
    trend = [(m.strftime("%b %Y"), r, r - mt) for m, (r, mt) in sorted(months.items())]
    return lines, trend


def _shown(period: dashboard.Period, area_id: int | None) -> tuple[dict, list]:
    lines = {}
    for line in dashboard.timeliness(period, area_id=area_id, now=NOW):
        t = line.total
        if line.rule_id in RULES and t.raised:
            lines[line.rule_id] = {
                "raised": t.raised,
                "met": t.met,
                "ack": t.acknowledged,
                "esc": t.escalated,
                "median": t.median_late,
                "p90": t.p90_late,
            }
    return lines, dashboard.monthly_breaches(period, area_id=area_id)


PERIODS = [
    dashboard.Period(date(2025, 11, 21), date(2026, 11, 20)),  # twelve months to today: part, whole, part
    dashboard.Period(date(2025, 1, 1), date(2026, 10, 31)),  # whole months only
    dashboard.Period(date(2026, 3, 29), date(2026, 4, 2)),  # no whole month, across the clocks going forward
    dashboard.Period(date(2026, 2, 1), date(2026, 2, 28)),  # exactly one month
    dashboard.Period(date(2024, 6, 15), date(2026, 11, 20)),
]


def _check_every_period(areas) -> None:
    for period in PERIODS:
        for area_id in (None, areas["city"].pk):
            assert _shown(period, area_id) == _oracle(period, area_id), (period, area_id)


@pytest.mark.django_db
def test_the_rolled_up_months_give_the_same_figures_as_the_alerts(areas):
    rng = random.Random(7)
    places = [areas["city"], areas["east"], None]
    _plant(rng, 900, places, start=datetime(2024, 5, 1, tzinfo=UTC), end=NOW, tag="a")
    _check_every_period(areas)  # nothing rolled up: all read from the alerts

    done = rollup.roll_up(batch=250)  # several batches
    cleared = Alert.objects.filter(cleared_at__isnull=False).count()
    assert done.alerts == cleared and not done.conflict
    assert not Alert.objects.filter(cleared_at__isnull=False, rolled_up=False).exists()
    assert Alert.objects.filter(cleared_at__isnull=True, rolled_up=False).exists()  # open ones wait
    assert ClockMonth.objects.exists()
    _check_every_period(areas)

    # The alerts move on after the roll-up: open ones clear, new ones arrive in months already rolled up.
    for a in Alert.objects.filter(cleared_at__isnull=True)[:20]:
        Alert.objects.filter(pk=a.pk).update(cleared_at=a.raised_at + timedelta(hours=rng.choice([1, 30, 300])))
    _plant(rng, 150, places, start=datetime(2025, 1, 1, tzinfo=UTC), end=datetime(2026, 9, 1, tzinfo=UTC), tag="b")
    _check_every_period(areas)

    again = rollup.roll_up()
    assert again.alerts == Alert.objects.filter(cleared_at__isnull=False).count() - cleared
    _check_every_period(areas)
    assert rollup.roll_up().alerts == 0  # nothing left: counted once


@pytest.mark.django_db
def test_the_dashboard_reads_the_same_statements_however_much_history_is_rolled_up(
    areas, django_assert_max_num_queries
):
    rng = random.Random(3)
    period = dashboard.Period(date(2022, 1, 1), date(2026, 10, 31))
    _plant(rng, 50, [areas["city"]], start=datetime(2022, 1, 1, tzinfo=UTC), end=NOW, tag="few")
    rollup.roll_up()
    with django_assert_max_num_queries(100) as few:
        dashboard.timeliness(period, now=NOW)
    _plant(rng, 600, [areas["city"], areas["east"]], start=datetime(2022, 1, 1, tzinfo=UTC), end=NOW, tag="many")
    rollup.roll_up()
    with django_assert_max_num_queries(len(few.captured_queries)):
        dashboard.timeliness(period, now=NOW)


@pytest.mark.django_db
def test_the_worker_rolls_up_when_it_starts_and_then_once_an_hour(areas):
    assert "dashboard-roll-up" in {c.name for c in engine.all_chores()}
    _plant(
        random.Random(1), 40, [areas["east"]], start=NOW - timedelta(days=200), end=NOW - timedelta(days=30), tag="w"
    )
    worker = Worker(name="roll-worker", sweep_interval_seconds=3600)
    worker.tick()
    assert not Alert.objects.filter(cleared_at__isnull=False, rolled_up=False).exists()
    first = sum(ClockMonth.objects.values_list("raised", flat=True))

    _plant(random.Random(2), 10, [areas["east"]], start=NOW - timedelta(days=90), end=NOW - timedelta(days=60), tag="x")
    worker.tick()  # within the hour: not again
    assert sum(ClockMonth.objects.values_list("raised", flat=True)) == first
    assert Alert.objects.filter(cleared_at__isnull=False, rolled_up=False).exists()
