"""RF-3 on the VAT queue: the last 7 days' demand (PPNs submitted) against VAT's daily triage capacity (a
force setting) and what was triaged, with one plain sentence when demand went over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from childsafe.core import clock
from childsafe.core import services as core_services
from childsafe.core.errors import AccessDenied, InvalidInput
from childsafe.core.models import AuditEvent
from childsafe.referrals import rules, selectors, services

# Thursday 10 November 2022, mid-morning (GMT).
NOW = datetime(2022, 11, 10, 10, 0, tzinfo=UTC)
AWARE = {k: "seen" for k in rules.AWARE_SECTIONS}


@pytest.fixture(autouse=True)
def now():
    clock.set_now(NOW)
    yield
    clock.set_now(None)


@pytest.fixture
def team(personas, make_user):
    return {**personas, "vat": make_user("vat1", "vat")}


def submit(team, ella, when):
    clock.set_now(when)
    ppn = services.ppn_submit(
        actor=team["officer"],
        concern="Concern",
        children=[services.PpnChildInput(ella, dict(AWARE), "She spoke to me", "W1")],
        other_children="None",
    ).ppn
    clock.set_now(NOW)
    return ppn


@pytest.mark.django_db
def test_demand_against_capacity_over_the_last_seven_days(team, ella):
    capacity = rules.VAT_DAILY_CAPACITY
    core_services.setting_change(actor=team["administrator"], key=capacity.key, value="2")
    for hours in (1, 2, 3):
        submit(team, ella, NOW - timedelta(hours=hours))  # three today, against two
    yesterday = submit(team, ella, NOW - timedelta(days=1))
    submit(team, ella, NOW - timedelta(days=7))  # eight days ago by London dates: outside the week
    clock.set_now(NOW - timedelta(minutes=5))
    services.ppn_triage(actor=team["vat"], ppn=yesterday, decision="no_further_action", reason="Known to CSC")
    clock.set_now(NOW)
    days = selectors.daily_demand(clock.today_london(), 7)
    assert [d.day.isoformat() for d in (days[0], days[-1])] == ["2022-11-04", "2022-11-10"]
    assert [(d.submitted, d.triaged, d.capacity, d.over) for d in days[-2:]] == [(1, 0, 2, False), (3, 1, 2, True)]
    assert sum(d.submitted for d in days) == 4
    assert selectors.demand_summary(days) == (
        "Demand exceeded VAT's capacity of 2 PPNs a day on 1 of the last 7 days: Thursday 10 November (3 submitted)."
    )
    core_services.setting_change(actor=team["administrator"], key=capacity.key, value="3")
    assert selectors.demand_summary(selectors.daily_demand(clock.today_london(), 7)) == (
        "Demand stayed within VAT's capacity of 3 PPNs a day on each of the last 7 days."
    )


@pytest.mark.django_db
def test_the_capacity_is_an_audited_setting_and_bad_values_change_nothing(team):
    key = rules.VAT_DAILY_CAPACITY.key
    for bad in ("0", "lots", "-5"):
        with pytest.raises(InvalidInput):
            core_services.setting_change(actor=team["administrator"], key=key, value=bad)
    with pytest.raises(AccessDenied):
        core_services.setting_change(actor=team["vat"], key=key, value="60")
    assert selectors.vat_queue()["capacity"] == 40
    core_services.setting_change(actor=team["administrator"], key=key, value="60")
    assert selectors.vat_queue()["capacity"] == 60
    event = AuditEvent.objects.get(event_type="setting.change", subject_id=key)
    assert (event.old_values, event.new_values) == ({key: 40}, {key: 60})


@pytest.mark.django_db
def test_the_vat_queue_shows_the_week(client, team, ella):
    core_services.setting_change(actor=team["administrator"], key=rules.VAT_DAILY_CAPACITY.key, value="1")
    submit(team, ella, NOW - timedelta(hours=1))
    submit(team, ella, NOW - timedelta(hours=2))
    client.force_login(team["vat"])
    page = client.get(reverse("referrals:queue")).content.decode()
    assert "Demand against capacity" in page and "Thursday 10 November" in page and "Friday 4 November" in page
    assert "Demand exceeded VAT&#x27;s capacity of 1 PPNs a day on 1 of the last 7 days" in page
    client.force_login(team["officer"])
    assert "Demand against capacity" not in client.get(reverse("referrals:queue")).content.decode()
