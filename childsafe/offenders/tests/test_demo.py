"""The demo force's registered offenders: a realistic rate, five years of history, and a sweep that
finds only the few planted as overdue."""

from __future__ import annotations

import pytest

from childsafe.core import engine
from childsafe.core.models import Alert
from childsafe.demo.generator import generate
from childsafe.offenders.demo import generate_offenders
from childsafe.offenders.models import Conviction, Notification, Offender, Visit
from childsafe.people.models import Person


@pytest.mark.django_db
def test_offenders_at_a_realistic_rate_with_history():
    generate(scale=0.4, progress=False, plant_duplicates=0)
    residents = Person.objects.count()
    made = generate_offenders(seed=3, per_100k=1_000)  # ten times the real rate, so the test has a few
    assert made == round(residents / 100) == Offender.objects.count()
    assert Conviction.objects.filter(notifiable=True).count() == made
    assert Notification.objects.filter(kind="initial", valid=True).count() == made
    assert Visit.objects.filter(kind="home").exists()
    assert all(o.manager and o.manager.role == "omu" for o in Offender.objects.select_related("manager"))
    engine.sweep()
    # Notifications are all on time; visits are overdue only for the few planted late.
    assert not Alert.objects.filter(rule_id="RSO-1").exists()
    assert Alert.objects.filter(rule_id="RSO-3").count() <= made // 3
    # Run again: nobody is registered twice.
    generate_offenders(seed=3, per_100k=1_000)
    assert Offender.objects.values("person").distinct().count() == Offender.objects.count()
