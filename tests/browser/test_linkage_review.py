"""The analyst's duplicate review (PL-2) in Chromium: the queue, two records side by side, a rejection
without a reason refused, a confirmed link; each page checked with axe-core."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BOTH_WIDTHS

pytestmark = [pytest.mark.browser, BOTH_WIDTHS]


def test_duplicate_review_pages(ui, make_user):
    from childsafe.linkage import services
    from childsafe.people import services as people_services

    def child(forenames, surname, dob):
        return people_services.person_create(
            actor=None, forenames=forenames, surname=surname, date_of_birth=dob, sex="female"
        ).person

    child("Kathryn", "Hughes", date(2012, 3, 4))
    katie = child("Katie", "Hughs", date(2012, 4, 3))
    child("Oliver", "Brown", date(2011, 6, 7))
    people_services.marker_add(actor=None, person=katie, type="knives", source="Intelligence log 9")
    services.find_duplicates(threshold=0.5, train=False)

    page = ui.page
    ui.sign_in_as(make_user("analyst", "analyst"))
    ui.goto("/")
    ui.menu("Duplicates")
    expect(page.get_by_role("table")).to_contain_text("Katie Hughs")
    ui.check("possible duplicates")

    page.get_by_role("link", name=re.compile("^Review")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Are these the same child?")
    expect(page.get_by_test_id("why")).to_contain_text("day and month swapped")
    ui.check("duplicate review")

    page.get_by_role("button", name="Not the same person").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why these records are not the same person")
    ui.check("duplicate review with an error")

    page.get_by_role("button", name="Same person – link the records").click()
    expect(page.get_by_text("are linked as the same child")).to_be_visible()
    expect(page.get_by_test_id("no-suggestions")).to_be_visible()
    ui.check("possible duplicates, none left")
    ui.assert_clean()
