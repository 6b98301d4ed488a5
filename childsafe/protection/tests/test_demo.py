"""The demo force's police protections: tens a year, siblings together, some open, and the rules' view of them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from childsafe.core import clock, engine
from childsafe.core.models import Alert
from childsafe.demo.generator import generate
from childsafe.protection.demo import PER_YEAR, YEARS, generate_protections
from childsafe.protection.models import PoliceProtection, ProtectedChild

pytestmark = pytest.mark.django_db


def test_demo_protections_are_realistic_and_the_open_ones_are_on_the_clock():
    generate(scale=0.4, seed=11, progress=False, plant_duplicates=0.0)
    made = generate_protections(scale=0.4, seed=3)
    assert made >= 0.8 * PER_YEAR * 0.4 * YEARS
    year_ago = clock.now() - timedelta(days=365)
    assert 5 <= PoliceProtection.objects.filter(removed_at__gte=year_ago).count() <= 30
    open_ones = PoliceProtection.objects.filter(ended_at__isnull=True)
    assert open_ones.exists()
    assert (
        ProtectedChild.objects.filter(open=True).count()
        == ProtectedChild.objects.filter(protection__in=open_ones).count()
    )
    ended = PoliceProtection.objects.filter(ended_at__isnull=False)
    assert not ended.filter(end_rationale="").exists() and not ended.filter(designated_officer__isnull=True).exists()
    for p in ended[:20]:
        assert p.ended_at - p.removed_at <= timedelta(hours=72)
    engine.sweep(use_lease=False)
    alerted = set(Alert.objects.open().filter(rule_id="PP-2").values_list("subject_id", flat=True))
    assert alerted and alerted <= {str(pk) for pk in open_ones.values_list("pk", flat=True)}
