"""The rules engine: alerts upserted by (rule, subject), idempotent sweeps, self-clearing, escalation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from childsafe.core import clock, engine, outbox, services
from childsafe.core.errors import AccessDenied, InvalidInput
from childsafe.core.models import Alert, AuditEvent, OutboxMessage, OutboxStatus

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def at_t0():
    clock.set_now(T0)
    yield
    clock.set_now(None)


def dead_message(key: str) -> OutboxMessage:
    from django.db import transaction

    with transaction.atomic():
        message = outbox.enqueue(
            kind="missing_return", recipient="nobody@la.test", subject="s", body="b", idempotency_key=key
        )
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.DEAD, last_error="550 no such user")
    return message


@pytest.mark.django_db
def test_sweep_raises_one_alert_per_subject_and_is_idempotent(at_t0):
    first, second = dead_message("a"), dead_message("b")
    result = engine.sweep()
    assert result.raised == 2
    again = engine.sweep()
    assert again.raised == 0 and again.cleared == 0
    alerts = Alert.objects.open().filter(rule_id="SYS-1")
    assert sorted(a.subject_id for a in alerts) == sorted([str(first.pk), str(second.pk)])
    alert = alerts.get(subject_id=str(first.pk))
    assert alert.owner_role == "administrator" and alert.severity == "high"
    assert "nobody@la.test" in alert.reason and alert.raised_at == T0


@pytest.mark.django_db
def test_alert_clears_itself_when_the_condition_stops(at_t0, make_user):
    admin = make_user("admin", "administrator")
    message = dead_message("a")
    engine.sweep()
    services.outbox_retry(actor=admin, message=message)
    clock.set_now(T0 + timedelta(minutes=1))
    result = engine.sweep()
    assert result.cleared == 1
    alert = Alert.objects.get(rule_id="SYS-1")
    assert alert.cleared_at == T0 + timedelta(minutes=1)
    # A later failure of the same message is a new alert, not the old one reopened.
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.DEAD)
    engine.sweep()
    assert Alert.objects.filter(rule_id="SYS-1").count() == 2
    assert Alert.objects.open().filter(rule_id="SYS-1").count() == 1


@pytest.mark.django_db
def test_unacknowledged_alert_escalates_once_per_period_and_acknowledged_does_not(at_t0, make_user):
    admin = make_user("admin", "administrator")
    dead_message("a")
    dead_message("b")
    engine.sweep()
    acked = Alert.objects.get(subject_id=str(OutboxMessage.objects.get(idempotency_key="b").pk))
    services.alert_acknowledge(actor=admin, alert=acked, note="Phoning the LA for the right address")

    clock.set_now(T0 + timedelta(minutes=119))
    assert engine.sweep().escalated == 0
    clock.set_now(T0 + timedelta(minutes=120))
    assert engine.sweep().escalated == 1
    assert engine.sweep().escalated == 0  # the same period never escalates twice
    left = Alert.objects.get(subject_id=str(OutboxMessage.objects.get(idempotency_key="a").pk))
    assert left.escalation_level == 1 and left.escalated_to_role == "information_manager"
    clock.set_now(T0 + timedelta(minutes=240))
    engine.sweep()
    left.refresh_from_db()
    assert left.escalation_level == 2 and left.escalated_to_role == "senior_leader"
    acked.refresh_from_db()
    assert acked.escalation_level == 0


@pytest.mark.django_db
def test_escalation_period_is_a_setting_changed_only_by_an_administrator_and_audited(at_t0, make_user):
    admin, officer = make_user("admin", "administrator"), make_user("pc", "response_officer", "city")
    with pytest.raises(AccessDenied):
        services.setting_change(actor=officer, key="alerts.escalate_after_minutes", value=30)
    with pytest.raises(InvalidInput) as bad:
        services.setting_change(actor=admin, key="alerts.escalate_after_minutes", value="soon")
    assert "whole number" in bad.value.errors["alerts.escalate_after_minutes"]
    services.setting_change(actor=admin, key="alerts.escalate_after_minutes", value="30")
    event = AuditEvent.objects.get(event_type="setting.change")
    assert event.old_values == {"alerts.escalate_after_minutes": 120}
    assert event.new_values == {"alerts.escalate_after_minutes": 30}
    dead_message("a")
    engine.sweep()
    clock.set_now(T0 + timedelta(minutes=30))
    assert engine.sweep().escalated == 1


@pytest.mark.django_db
def test_acknowledging_twice_or_a_cleared_alert_is_refused_plainly(at_t0, make_user):
    admin = make_user("admin", "administrator")
    dead_message("a")
    engine.sweep()
    alert = Alert.objects.get()
    services.alert_acknowledge(actor=admin, alert=alert)
    with pytest.raises(InvalidInput, match="already acknowledged"):
        services.alert_acknowledge(actor=admin, alert=alert)


@pytest.mark.django_db
def test_next_change_points_at_the_next_escalation(at_t0):
    dead_message("a")
    engine.sweep()
    assert engine.next_change(T0, fallback=timedelta(minutes=5)) == T0 + timedelta(minutes=120)


def test_every_rule_has_a_documented_id_and_source():
    from childsafe.scenarios.replay import rule_documented

    for rule in engine.all_rules():
        assert rule_documented(rule.id), rule.id
        assert rule.source and rule.title


@pytest.mark.django_db
def test_a_steady_sweep_writes_nothing_and_its_statements_do_not_grow_with_the_alerts(at_t0):
    """Nothing changed: no transaction is opened for any rule, nothing is written but the sweep's lease, and
    as many statements with six open alerts as with two."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def steady() -> list[str]:
        engine.sweep()
        with CaptureQueriesContext(connection) as captured:
            result = engine.sweep()
        assert result.raised == result.cleared == 0
        return [q["sql"] for q in captured.captured_queries]

    dead_message("a"), dead_message("b")
    few = steady()
    for key in "cdef":
        dead_message(key)
    many = steady()
    assert Alert.objects.open().filter(rule_id="SYS-1").count() == 6
    assert len(many) == len(few)
    written = [sql for sql in many if sql.split()[0].upper() in ("INSERT", "UPDATE", "DELETE", "SAVEPOINT")]
    assert all("core_lease" in sql for sql in written), written
