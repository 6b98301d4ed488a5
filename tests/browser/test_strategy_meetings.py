"""RF-10 in a real browser: the local authority sends a strategy meeting's outcome through the portal; the
investigator sees it beside the police's own meeting on the child's page, with the open action, and marks
the action done. axe-core checks each page on the way."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BOTH_WIDTHS

pytestmark = [pytest.mark.browser, BOTH_WIDTHS]


def test_outcome_from_the_portal_and_an_action_marked_done(ui, personas, ella, make_user):
    from childsafe.core import clock
    from childsafe.referrals import services
    from childsafe.referrals.models import StrategyAction, StrategyMeeting

    dc = make_user("dc_city", "investigator", "city", first_name="Dee", last_name="Carr")
    services.strategy_meeting_record(
        actor=dc,
        child=ella,
        held_at=clock.now() - timedelta(days=3),
        attendees="DC Carr (police)\nSW Jones (York CSC)",
        decisions="Joint visit to Ella at home.",
        actions=[services.ActionInput("Joint visit with the social worker", dc, clock.now() - timedelta(days=1))],
    )
    yesterday = clock.today_london() - timedelta(days=1)
    page = ui.page

    # -- The local authority, from the child's page in the portal -----------------------------------------
    ui.sign_in_as(personas["local_authority"])
    ui.goto(f"/people/{ella.pk}/")
    page.get_by_role("link", name="Send a strategy meeting outcome").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Send a strategy meeting outcome")
    ui.check("strategy outcome form")
    page.get_by_role("button", name="Send the outcome").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the date of the meeting")
    ui.check("strategy outcome form with errors")
    held = page.get_by_role("group", name="Date of the meeting")
    held.get_by_label("Day").fill(str(yesterday.day))
    held.get_by_label("Month").fill(str(yesterday.month))
    held.get_by_label("Year").fill(str(yesterday.year))
    page.get_by_label("Time of the meeting").fill("14:30")
    page.get_by_label("Who attended").fill("SW Jones (York CSC, chair)\nDC Carr (police)")
    page.get_by_label("Outcome and decisions").fill("Section 47 enquiry; conference within 15 working days.")
    page.get_by_role("button", name="Send the outcome").click()
    expect(page.get_by_test_id("strategy-returns")).to_contain_text("Ella Hughes")
    assert StrategyMeeting.objects.filter(organisation__name="City of York Council").count() == 1

    # -- The investigator: both meetings in one place, and the overdue action marked done ------------------
    ui.sign_in_as(dc)
    ui.goto(f"/people/{ella.pk}/")
    meetings = page.get_by_test_id("strategy-meetings")
    expect(meetings).to_contain_text("Sent by City of York Council through the partner portal")
    expect(meetings).to_contain_text("Joint visit to Ella at home.")
    actions = page.get_by_test_id("strategy-actions")
    expect(actions).to_contain_text("Joint visit with the social worker")
    expect(actions).to_contain_text("Overdue")
    expect(page.get_by_test_id("chronology")).to_contain_text("outcome sent by City of York Council")
    ui.check("child's page with strategy meetings")
    actions.get_by_role("button", name="Mark as done").click()
    expect(page.get_by_test_id("strategy-meetings")).to_contain_text("No open actions.")
    assert StrategyAction.objects.get().done_at is not None
    ui.assert_clean()
