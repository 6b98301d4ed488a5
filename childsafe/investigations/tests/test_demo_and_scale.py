"""The demo force's investigations and DFU backlog, and the DFU queue, backlog and candidate list reading a
fixed number of queries however many records there are (the child's page target: size-independent)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from childsafe.core import engine
from childsafe.core.models import Alert, User
from childsafe.demo.generator import generate
from childsafe.investigations import selectors
from childsafe.investigations.demo import generate_investigations
from childsafe.investigations.models import DfuRequest, Investigation, InvestigationStatus

pytestmark = pytest.mark.django_db


def _queries(fn) -> int:
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def test_the_demo_force_has_open_investigations_a_dfu_backlog_and_fixed_cost_pages():
    generate(scale=0.2, seed=5, progress=False, plant_duplicates=0.0)
    small = generate_investigations(scale=0.2, history=1, seed=5)
    assert small["open"] >= 2 and small["closed"] >= 15
    assert Investigation.objects.exclude(status=InvestigationStatus.CLOSED).count() == small["open"]
    di = User.objects.get(username="history-di-00")
    inv = Investigation.objects.exclude(status=InvestigationStatus.CLOSED).first()

    def pages():
        list(selectors.dfu_queue(di))
        selectors.dfu_backlog()
        selectors.candidates(inv)

    before = _queries(pages)
    generate_investigations(scale=2, history=3, seed=6)
    assert DfuRequest.objects.count() > 100
    assert _queries(pages) == before
    assert sum(b.count for b in selectors.dfu_backlog()) == DfuRequest.objects.filter(started_at__isnull=True).count()
    engine.sweep(holder="test", use_lease=False)
    assert Alert.objects.open().filter(rule_id__startswith="INV-").exists()
