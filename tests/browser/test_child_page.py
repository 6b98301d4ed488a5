"""The child's page in a real browser: find her, see her markers and chronology, and who may not."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from tests.browser.conftest import BOTH_WIDTHS

pytestmark = pytest.mark.browser


@BOTH_WIDTHS
def test_call_handler_finds_ella_and_sees_her_markers_and_chronology(ui, personas, ella):
    page = ui.page
    ui.sign_in("handler", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a person")

    page.get_by_label("Name", exact=True).fill("Ella Hughes")
    dob = page.get_by_role("group", name="Date of birth")
    dob.get_by_label("Day").fill("20")
    dob.get_by_label("Month").fill("5")
    dob.get_by_label("Year").fill("2014")
    page.get_by_role("button", name="Search").click()

    results = page.get_by_role("table")
    expect(results).to_contain_text("Ella Hughes")
    expect(results).to_contain_text("20 May 2014")
    results.get_by_role("link", name="Ella Hughes").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Ella Hughes")
    markers = page.get_by_test_id("markers")
    expect(markers).to_contain_text("Firearms")
    expect(markers.locator("[data-marker=firearms]")).to_be_visible()
    chronology = page.get_by_test_id("chronology")
    expect(chronology).to_be_visible()
    expect(chronology.locator("li").first).to_be_visible()
    ui.check("child's page")
    ui.assert_clean()


def test_marker_on_a_linked_duplicate_shows_on_ellas_page(ui, personas, ella, make_user):
    from childsafe.people import services

    duplicate = services.person_create(
        actor=None, forenames="Ela", surname="Hughs", date_of_birth=date(2014, 5, 20), sex="female"
    ).person
    services.marker_add(actor=None, person=duplicate, type="knives", source="Intelligence log 5120")
    services.identity_link(
        actor=make_user("mhet1", "mhet"),
        person=ella,
        other=duplicate,
        rationale="Same date of birth and school; the name was misspelt at a stop search.",
    )

    page = ui.page
    ui.sign_in_as(personas["handler"])
    ui.goto(f"/people/{ella.pk}/")

    markers = page.get_by_test_id("markers")
    knives = markers.locator("li", has=page.locator("[data-marker=knives]"))
    expect(knives).to_contain_text("Knives")
    expect(knives).to_contain_text(f"held on linked record {duplicate.pk}")
    # Her own marker is still there and is not labelled as someone else's.
    firearms = markers.locator("li", has=page.locator("[data-marker=firearms]"))
    expect(firearms).to_be_visible()
    expect(firearms).not_to_contain_text("linked record")

    # It is ended where it is held: the End link opens the duplicate's marker, not a page not found.
    knives.get_by_role("link", name="End Knives marker on linked record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("End the Knives marker")
    expect(page.locator(".govuk-caption-l")).to_have_text("Ela Hughs")


def test_officer_in_another_area_gives_a_reason_before_the_record_opens(ui, personas, ella):
    page = ui.page
    ui.sign_in_as(personas["colleague_elsewhere"])
    ui.goto(f"/people/{ella.pk}/")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Give a reason to open the record of Ella Hughes")
    expect(page.get_by_test_id("markers")).to_have_count(0)

    # Nothing typed: the error summary says what to do.
    page.get_by_role("button", name="Open the record").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why you need to open this record")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose what you need the record for")
    expect(page.get_by_test_id("markers")).to_have_count(0)

    page.get_by_label("Missing person search").check()
    page.get_by_label("Why do you need to open this record?").fill("Ella was seen with a missing child from my area.")
    page.get_by_role("button", name="Open the record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ella Hughes")
    expect(page.get_by_test_id("markers")).to_contain_text("Firearms")


def test_school_partner_from_another_school_gets_page_not_found(ui, personas, ella):
    page = ui.page
    ui.sign_in_as(personas["wrong_school"])
    response = ui.goto(f"/people/{ella.pk}/")

    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator("main")).not_to_contain_text("Ella")
    expect(page.locator("main")).not_to_contain_text("Firearms")


def test_childs_page_fits_a_phone_without_sideways_scrolling(phone_ui, personas, ella):
    from childsafe.people import services

    # Officers paste references and web addresses into notes: long unbroken text must wrap too.
    services.person_update(
        actor=personas["handler"],
        person=ella,
        notes="Seen with older males near the station.\nSocial media: https://example.invalid/"
        "profiles/ella-hughes-2014-0520-a-very-long-address-with-no-spaces-in-it",
    )
    page = phone_ui.page
    phone_ui.sign_in_as(personas["handler"])
    phone_ui.goto(f"/people/{ella.pk}/")
    expect(page.get_by_test_id("markers")).to_contain_text("Firearms")
    expect(page.get_by_text("Seen with older males")).to_be_visible()

    assert page.evaluate("window.innerWidth") == 375
    phone_ui.check_fits_width("child's page on a phone")
    # On a phone the service navigation folds behind its Menu button (GOV.UK Frontend's JavaScript).
    expect(page.get_by_role("button", name="Menu")).to_be_visible()
    phone_ui.check("child's page on a phone")
    phone_ui.assert_clean()
