"""RF-10: strategy meetings on the child's record, actions followed up as clocks, in the chronology."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from childsafe.core import clock, engine
from childsafe.core.errors import InvalidInput
from childsafe.core.models import Alert, AuditEvent
from childsafe.people.selectors import person_page
from childsafe.referrals import services

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def at_t0():
    clock.set_now(T0)
    yield
    clock.set_now(None)


@pytest.mark.django_db
def test_a_meeting_is_recorded_and_its_actions_are_clocks(make_user, ella, hill_primary):
    dc = make_user("dc_city", "investigator", "city")
    meeting = services.strategy_meeting_record(
        actor=dc,
        child=ella,
        held_at=T0 - timedelta(hours=1),
        attendees="DC City (police)\nSW Jones (York CSC)",
        decisions="Section 47 enquiry; joint visit",
        actions=[services.ActionInput("Joint visit with social worker", dc, T0 + timedelta(days=1))],
    )
    assert AuditEvent.objects.filter(event_type="strategy_meeting.record", person_id=ella.pk).exists()
    titles = [e.title for e in person_page(ella, dc).chronology]
    assert "Strategy meeting" in titles

    clock.set_now(T0 + timedelta(days=1))
    engine.sweep()
    alert = Alert.objects.open().get(rule_id="RF-10")
    assert alert.owner_user == dc and "Joint visit" in alert.reason
    services.strategy_action_done(actor=dc, action=meeting.actions.get())
    engine.sweep()
    assert not Alert.objects.open().filter(rule_id="RF-10").exists()


@pytest.mark.django_db
def test_bad_meetings_are_refused_plainly(make_user, ella, hill_primary):
    dc = make_user("dc_city", "investigator", "city")
    dsl = make_user("dsl", "school_partner", organisation_id=hill_primary.pk)
    with pytest.raises(InvalidInput) as caught:
        services.strategy_meeting_record(
            actor=dc,
            child=ella,
            held_at=T0 + timedelta(days=1),
            attendees="",
            decisions="",
            actions=[services.ActionInput("Visit", dsl, T0)],
        )
    assert set(caught.value.errors) == {"attendees", "decisions", "held_at", "actions.1"}
