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
    # Notifications are all on time now (the history's late ones were made, their alerts cleared); visits
    # are overdue only for the few planted late.
    assert not Alert.objects.open().filter(rule_id="RSO-1").exists()
    assert Alert.objects.open().filter(rule_id="RSO-3").count() <= made // 3
    # Run again: nobody is registered twice.
    generate_offenders(seed=3, per_100k=1_000)
    assert Offender.objects.values("person").distinct().count() == Offender.objects.count()


@pytest.mark.django_db
def test_the_sweeps_narrowing_never_drops_a_late_offender():
    """RSO-1 and RSO-3 work out deadlines only for candidates found in SQL; over a force's history, at
    days across a year, the candidates' findings are exactly those of working out everyone."""
    from datetime import timedelta

    from childsafe.core import clock
    from childsafe.offenders import rules

    generate(scale=0.4, progress=False, plant_duplicates=0)
    generate_offenders(seed=5, per_100k=1_000)
    start = clock.now()
    try:
        for days in (0, 17, 45, 100, 190, 260, 370, 400):
            now = start + timedelta(days=days)
            clock.set_now(now)
            everyone = {
                s.offender_id
                for s in rules.offender_states().values()
                if s.active(now) and any(d <= now for d, _ in s.notification_deadlines())
            }
            assert {o for o, _, _ in rules._rso1_overdue(now)} == everyone
            due, _ = rules._rso3_active(now)
            narrowed, _ = rules._rso3_active(now, rules._rso3_candidates(now, rules.visit_intervals()))
            assert {k for k, v in narrowed.items() if v[0] <= now} == {k for k, v in due.items() if v[0] <= now}
    finally:
        clock.set_now(None)
