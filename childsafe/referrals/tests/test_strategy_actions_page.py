"""RF-10 on the child's page: the strategy meetings and their open actions (owner, due, overdue), each with
a "Mark as done" button for its owner or a supervisor; anyone else is refused plainly and nothing changes.
The page's query count does not grow with the number of meetings or actions."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from childsafe.core import clock
from childsafe.core.errors import AccessDenied, InvalidInput, RuleRefusal
from childsafe.core.models import AuditEvent
from childsafe.people.selectors import person_page
from childsafe.referrals import services
from childsafe.referrals.models import StrategyAction

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def at_t0():
    clock.set_now(T0)
    yield
    clock.set_now(None)


@pytest.fixture
def dc(make_user):
    return make_user("dc_city", "investigator", "city")


@pytest.fixture
def other_dc(make_user):
    return make_user("dc_other", "investigator", "city")


def meeting(dc, ella, *actions):
    return services.strategy_meeting_record(
        actor=dc,
        child=ella,
        held_at=T0 - timedelta(days=3),
        attendees="DC City (police)\nSW Jones (York CSC)",
        decisions="Section 47 enquiry; joint visit",
        actions=[services.ActionInput(text, owner, T0 + due) for text, owner, due in actions],
    )


def page_text(client, ella) -> str:
    return html.unescape(client.get(reverse("people:detail", args=[ella.pk])).content.decode())


def test_open_actions_are_listed_with_owner_due_and_overdue(client, dc, other_dc, ella):
    meeting(
        dc,
        ella,
        ("Joint visit with social worker", dc, timedelta(days=-1)),
        ("Check school attendance", other_dc, timedelta(days=2)),
    )
    done = StrategyAction.objects.create(
        meeting=StrategyAction.objects.first().meeting, action="Already done", owner=dc, due_at=T0, done_at=T0
    )
    client.force_login(dc)
    page = page_text(client, ella)
    actions = page.split('data-testid="strategy-actions"')[1].split("</table>")[0]
    assert "Joint visit with social worker" in actions and "Check school attendance" in actions
    assert done.action not in actions
    assert actions.index("Joint visit") < actions.index("Check school attendance")  # soonest due first
    assert actions.count("Overdue") == 1
    assert "dc_other" in actions and "Section 47 enquiry" in page
    # The owner gets a button for their own action only.
    own = StrategyAction.objects.get(action="Joint visit with social worker")
    other = StrategyAction.objects.get(action="Check school attendance")
    assert reverse("referrals:strategy_action_done", args=[own.pk]) in actions
    assert reverse("referrals:strategy_action_done", args=[other.pk]) not in actions


def test_the_owner_marks_an_action_done_from_the_childs_page(client, dc, ella):
    meeting(dc, ella, ("Joint visit with social worker", dc, timedelta(days=1)))
    action = StrategyAction.objects.get()
    client.force_login(dc)
    response = client.post(reverse("referrals:strategy_action_done", args=[action.pk]), follow=True)
    page = html.unescape(response.content.decode())
    assert "Action marked done: Joint visit with social worker" in page
    assert "No open actions." in page
    assert StrategyAction.objects.get().done_at == T0
    assert (
        AuditEvent.objects.filter(event_type="strategy_action.done", category="alteration", person_id=ella.pk).count()
        == 1
    )
    again = client.post(reverse("referrals:strategy_action_done", args=[action.pk]), follow=True)
    assert "This action is already done." in again.content.decode()


def test_a_supervisor_may_mark_anyones_action_done(client, dc, personas, ella):
    meeting(dc, ella, ("Joint visit with social worker", dc, timedelta(days=1)))
    action = StrategyAction.objects.get()
    client.force_login(personas["supervisor"])
    assert reverse("referrals:strategy_action_done", args=[action.pk]) in page_text(client, ella)
    client.post(reverse("referrals:strategy_action_done", args=[action.pk]))
    assert StrategyAction.objects.get().done_at == T0


def test_anyone_else_is_refused_plainly_and_nothing_changes(client, dc, other_dc, personas, ella):
    meeting(dc, ella, ("Joint visit with social worker", dc, timedelta(days=1)))
    action = StrategyAction.objects.get()
    with pytest.raises(RuleRefusal) as refused:
        services.strategy_action_done(actor=other_dc, action=action)
    assert refused.value.rule_id == "RF-10" and "Only the action's owner" in refused.value.message
    with pytest.raises(AccessDenied):
        services.strategy_action_done(actor=personas["local_authority"], action=action)

    client.force_login(other_dc)
    assert "Only the owner or a supervisor can mark it done" in page_text(client, ella)
    response = client.post(reverse("referrals:strategy_action_done", args=[action.pk]), follow=True)
    assert "Only the action's owner (dc_city (Investigator)) or a supervisor can mark it done" in html.unescape(
        response.content.decode()
    )
    client.force_login(personas["right_school"])
    assert client.post(reverse("referrals:strategy_action_done", args=[action.pk])).status_code == 403
    assert StrategyAction.objects.get().done_at is None
    assert not AuditEvent.objects.filter(event_type="strategy_action.done", category="alteration").exists()


def test_an_action_done_twice_at_once_is_refused(dc, ella):
    meeting(dc, ella, ("Joint visit with social worker", dc, timedelta(days=1)))
    first = StrategyAction.objects.get()
    second = StrategyAction.objects.get()  # a second copy read before the first was saved
    services.strategy_action_done(actor=dc, action=first)
    with pytest.raises(InvalidInput):
        services.strategy_action_done(actor=dc, action=second)


def test_the_page_costs_the_same_queries_for_one_action_or_many(dc, other_dc, ella):
    meeting(dc, ella, ("Joint visit", dc, timedelta(days=1)))
    with CaptureQueriesContext(connection) as few:
        page = person_page(ella, dc)
    assert [len(s.data["actions"]) for s in page.sections if s.key == "strategy_meetings"] == [1]
    for n in range(10):
        meeting(dc, ella, *[(f"Action {n}.{k}", other_dc if k % 2 else dc, timedelta(days=k - 2)) for k in range(4)])
    with CaptureQueriesContext(connection) as many:
        page = person_page(ella, dc)
    assert [len(s.data["actions"]) for s in page.sections if s.key == "strategy_meetings"] == [41]
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_child_with_no_meetings_has_no_section(dc, ella):
    assert not [s for s in person_page(ella, dc).sections if s.key == "strategy_meetings"]
