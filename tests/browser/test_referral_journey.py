"""A PPN from a domestic abuse incident to the partners, in a real browser.

A response officer submits a PPN for Ella from the incident page; VAT sees it in the queue with its age
profile, triages it and shares it with the local authority; the local authority reads it in the portal;
Hill Primary's Key Adult sees the Operation Encompass notification the incident raised and acknowledges
it; Ouse Academy's Key Adult gets a 404 for it. axe-core checks each page on the way.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BOTH_WIDTHS

pytestmark = [pytest.mark.browser, BOTH_WIDTHS]

AWARE = {
    "Appearance": "In pyjamas, barefoot, no injuries seen",
    "Words": "Said she was scared when Dad shouts",
    "Activity": "Hiding upstairs with her brother",
    "Relationships and dynamics": "Close to her mother",
    "Environment": "Broken glass in the kitchen",
}


@pytest.fixture
def team(personas, make_user):
    return {**personas, "vat": make_user("vat1", "vat", first_name="Val", last_name="Tate")}


@pytest.fixture
def incident(team, ella):
    from childsafe.incidents import services as incidents

    return incidents.incident_record(
        actor=team["handler"],
        type="domestic_abuse",
        grade=1,
        location="12 Mill Street, York",
        summary="Woman assaulted by her partner; Ella in the house.",
        children=[incidents.ChildOnIncident(ella, present=True, resident=True)],
    ).incident


def heading(page):
    return page.get_by_role("heading", level=1)


def test_ppn_from_incident_to_partners(ui, team, ella, incident, york):
    from childsafe.referrals.models import EncompassNotification, Ppn, PpnStatus

    page = ui.page

    # -- Response officer: from the incident, submit a PPN ------------------------------------------------
    ui.sign_in_as(team["officer"])
    ui.goto(f"/incidents/{incident.pk}/")
    page.get_by_test_id("submit-ppn").click()
    expect(heading(page)).to_have_text("Submit a PPN")
    expect(page.get_by_test_id("linked-incident")).to_contain_text(incident.reference)
    ui.check("PPN form")
    page.get_by_label("What is the concern?").fill("Domestic abuse at home with Ella present.")
    for label, text in AWARE.items():
        page.get_by_label(f"{label} (Ella Hughes)").fill(text)
    page.get_by_label("Voice of the child (Ella Hughes)").fill("She said 'I want Mum to be safe'.")
    # Her recorded ethnicity comes filled in (issue 16); RF-2 first: cleared, refused on the form naming Ella.
    expect(page.get_by_label("Self-defined ethnicity (Ella Hughes)")).to_have_value("W1")
    page.get_by_label("Self-defined ethnicity (Ella Hughes)").select_option("")
    page.get_by_role("button", name="Submit the PPN").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Ella Hughes")
    expect(page.locator(".govuk-error-summary")).to_contain_text("RF-2")
    ui.check("PPN form with an error")
    page.get_by_label("Self-defined ethnicity (Ella Hughes)").select_option("W1")
    page.get_by_label("Other children not known to police (RF-8)").fill(
        "Her brother Sam, 2, lives there: referred on this PPN's incident."
    )
    page.get_by_role("button", name="Submit the PPN").click()
    ppn = Ppn.objects.get()
    expect(heading(page)).to_have_text(str(ppn))
    expect(page.get_by_test_id("status")).to_have_text("Waiting for VAT")
    ui.check("PPN page")
    ui.goto("/referrals/")
    expect(page.get_by_test_id("mine")).to_contain_text(ppn.reference)
    ui.check("my PPNs")

    # -- VAT: the queue, then triage: share with the local authority ---------------------------------------
    ui.sign_in_as(team["vat"])
    ui.goto("/")
    ui.menu("Referrals")
    expect(heading(page)).to_have_text("VAT queue")
    expect(page.get_by_test_id("age-profile")).to_contain_text("Under 4 hours")
    expect(page.get_by_test_id("submitted-today")).to_have_text("1")
    ui.check("VAT queue")
    page.get_by_test_id("waiting").get_by_role("link", name=ppn.reference).click()
    page.get_by_role("link", name="Triage this PPN").click()
    expect(heading(page)).to_have_text(f"Triage {ppn}")
    ui.check("triage")
    page.get_by_label("Share with partners").check()
    page.get_by_label("City of York Council (Local authority)").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_test_id("status")).to_have_text("Shared with partners")
    expect(page.get_by_test_id("shares")).to_contain_text("City of York Council")
    ppn.refresh_from_db()
    assert ppn.status == PpnStatus.SHARED

    # -- The local authority reads the PPN in the portal ------------------------------------------------------
    ui.sign_in_as(team["local_authority"])
    ui.goto("/partners/")
    expect(heading(page)).to_have_text("City of York Council")
    page.get_by_test_id("notices").get_by_role("row").filter(has_text=ppn.reference).get_by_role("link").click()
    expect(page.get_by_test_id("ppn-detail")).to_contain_text("Domestic abuse at home with Ella present.")
    ui.check("partner PPN")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_test_id("acknowledged")).not_to_have_text("Not yet")

    # -- Hill Primary's Key Adult: the Operation Encompass notification ------------------------------------
    note = EncompassNotification.objects.get()
    ui.sign_in_as(team["right_school"])
    ui.goto("/partners/")
    expect(heading(page)).to_have_text("Hill Primary")
    ui.check("school portal home")
    page.get_by_test_id("notices").get_by_role("row").filter(has_text="Operation Encompass").get_by_role(
        "link", name="Ella Hughes"
    ).click()
    detail = page.get_by_test_id("encompass-detail")
    expect(detail).to_contain_text(incident.reference)
    expect(detail).to_contain_text("12 Mill Street, York")
    expect(detail).to_contain_text("I want Mum to be safe")
    ui.check("Encompass notification")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_test_id("acknowledged")).not_to_have_text("Not yet")
    note.refresh_from_db()
    assert note.acknowledged_by == team["right_school"]

    # -- Ouse Academy: not theirs -----------------------------------------------------------------------------
    ui.sign_in_as(team["wrong_school"])
    response = ui.goto(f"/partners/encompass/{note.pk}/")
    assert response is not None and response.status == 404
    ui.goto("/partners/")
    expect(page.get_by_text("No notices yet.")).to_be_visible()

    ui.assert_clean()
