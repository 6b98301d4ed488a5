"""Chores: the periodic upkeep apps hand the worker (engine.chore)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from childsafe.core import clock, engine
from childsafe.core.models import Alert
from childsafe.core.worker import Worker


@pytest.mark.django_db
def test_the_worker_runs_each_chore_when_it_starts_and_then_once_each_interval():
    runs: list[int] = []
    engine.chore("test-counting", every=timedelta(hours=1))(lambda: runs.append(1) or len(runs))
    try:
        worker = Worker(name="chore-worker", sweep_interval_seconds=3600)
        worker.tick()
        worker.tick()
        assert runs == [1]
        worker._last_chore["test-counting"] -= 3601  # an hour has passed for this worker
        worker.tick()
        assert runs == [1, 1]
    finally:
        engine._CHORES.pop("test-counting")


@pytest.mark.django_db
def test_a_failing_chore_is_logged_and_the_worker_goes_on(caplog):
    def broken() -> None:
        raise ValueError("a bug in a chore")

    engine.chore("test-broken", every=timedelta(hours=1))(broken)
    try:
        worker = Worker(name="chore-worker-2", sweep_interval_seconds=3600)
        worker.tick()  # does not raise: delivery and the sweep go on
        assert "Chore test-broken failed" in caplog.text
    finally:
        engine._CHORES.pop("test-broken")


@pytest.mark.django_db
def test_the_database_statistics_chore_gives_sqlite_its_planner_statistics():
    at = clock.now()
    Alert.objects.create(rule_id="SYS-1", subject_type="t", subject_id="1", reason="r", raised_at=at, last_seen_at=at)
    outcome = engine._CHORES["database-statistics"].run()
    if connection.vendor != "sqlite":
        assert outcome == "not needed"
        return
    assert outcome == "analysed"
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'core_alert'")
        assert cursor.fetchone()[0] > 0
