"""Daily references (core.ids): numbered per day, carrying on after existing ones, unique under concurrency."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from django.db import connection, connections, transaction

from childsafe.core import clock
from childsafe.core.ids import next_daily_reference
from childsafe.referrals.models import Ppn


@pytest.fixture
def noon():
    clock.set_now(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    yield
    clock.set_now(None)


@pytest.mark.django_db
def test_numbers_follow_on_per_day_and_after_references_already_taken(noon, personas):
    Ppn.objects.create(
        reference="PPN-20260302-0041", concern="x", submitted_at=clock.now(), submitted_by=personas["officer"]
    )
    assert next_daily_reference(Ppn, "PPN") == "PPN-20260302-0042"
    assert next_daily_reference(Ppn, "PPN") == "PPN-20260302-0043"
    assert next_daily_reference(Ppn, "NYP") == "NYP-20260302-0001"
    clock.set_now(datetime(2026, 3, 3, 9, 0, tzinfo=UTC))
    assert next_daily_reference(Ppn, "PPN") == "PPN-20260303-0001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_transactions_each_get_their_own_number_on_postgresql(noon):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent writers are a PostgreSQL deployment; SQLite takes one writer at a time.")
    next_daily_reference(Ppn, "PPN")  # the day's counter exists: the race is for the next number
    taken: list[str] = []
    errors: list[BaseException] = []

    def submit() -> None:
        clock.set_now(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
        try:
            with transaction.atomic():
                reference = next_daily_reference(Ppn, "PPN")
                time.sleep(0.05)  # the rest of the submission, before its commit
            taken.append(reference)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert sorted(taken) == [f"PPN-20260302-{n:04d}" for n in range(2, 10)]
