"""Two sergeants allocating the same investigation at the same moment (issue 11, 'Bad input'): on PostgreSQL,
where writers really run at once, one allocation wins and the other is told the investigation changed."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from childsafe.core.errors import InvalidInput
from childsafe.investigations import services
from childsafe.investigations.models import Allocation, Investigation


@pytest.mark.django_db(transaction=True)
def test_two_sergeants_at_once_one_wins_and_the_other_is_told(inv, force):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent writers are a PostgreSQL deployment; SQLite takes one writer at a time.")
    read_at = inv.version
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def allocate(sergeant: str, officer: str, rationale: str) -> None:
        try:
            barrier.wait(timeout=10)
            services.investigation_allocate(
                actor=force[sergeant],
                investigation=Investigation.objects.get(pk=inv.pk),
                officer=force[officer],
                rationale=rationale,
                expected_version=read_at,
            )
            outcomes.append("allocated")
        except InvalidInput as exc:
            outcomes.append(exc.errors.get("investigation", "other"))
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=allocate, args=("ds_king", "det_ross", "")),
        threading.Thread(target=allocate, args=("ds_shaw", "det_west", "Knows the family from an earlier case.")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == sorted(["allocated", services.STALE])
    assert Allocation.objects.count() == 1
    assert Investigation.objects.get(pk=inv.pk).version == read_at + 1
