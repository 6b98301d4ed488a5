"""Issue 12 in a real browser at phone width: a constable starts police protection for two siblings from the
child's page (the police station refused without a rationale), an inspector takes it on as designated officer
and hands over, the next inspector ends it; the local authority's email goes through a real SMTP server on
loopback, and the local authority acknowledges the notice in the portal. axe-core checks each page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from childsafe.core.tests.conftest import smtp_server  # noqa: F401  (a fixture)

pytestmark = pytest.mark.browser


def test_police_protection_from_the_scene_to_the_end(phone_ui, personas, ella, york, make_user, smtp_server):  # noqa: F811
    from childsafe.core import clock
    from childsafe.core.worker import Worker
    from childsafe.people import services as people
    from childsafe.protection.models import PoliceProtection

    people.person_create(
        actor=None,
        forenames="Sam",
        surname="Hughes",
        date_of_birth=date(2016, 2, 1),
        sex="male",
        ethnicity_self_defined="W1",
        local_authority=york,
        address=people.AddressInput(line1="12 Mill Street", town="York", postcode="YO1 7AA"),
        duplicates_reviewed=True,
    )
    insp = make_user("insp_city", "supervisor", "city", rank="inspector", first_name="Ann", last_name="Dunn")
    insp2 = make_user("insp_night", "supervisor", "city", rank="inspector", first_name="Raj", last_name="Kaur")
    ui, page = phone_ui, phone_ui.page

    # -- The constable at the scene -----------------------------------------------------------------------
    ui.sign_in_as(personas["officer"])
    ui.goto(f"/people/{ella.pk}/")
    page.get_by_test_id("start-protection").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Take children into police protection")
    page.get_by_label("Add a child by name").fill("Sam Hughes")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Add Sam Hughes").click()
    expect(page.get_by_label("Sam Hughes, born 1 Feb 2016")).to_be_checked()
    ui.check("start police protection")
    ui.check_fits_width("start police protection")

    removed = (clock.now() - timedelta(minutes=15)).astimezone(clock.LONDON)
    page.get_by_label("Time of removal").fill(removed.strftime("%H:%M"))
    page.get_by_label("The circumstances and why the children were removed").fill(
        "Mother very intoxicated and barefoot at the school gate, refusing to leave without the children."
    )
    page.get_by_role("radio", name="Police station").check()
    page.get_by_label("Name and address of the place of safety").fill("Fulford Road police station")
    page.get_by_label("How the parents were told, or why not yet").fill("Mother left; told by phone at 15:00.")
    page.get_by_label("Ella Hughes: wishes and feelings").fill("Ella wants to stay with Sam.")
    page.get_by_label("Sam Hughes: wishes and feelings").fill("Sam asked for his gran.")
    page.get_by_role("radio", name="Yes").check()
    # The connection drops at the scene: what was typed stays on the phone and is sent when it comes back.
    page.reload()
    expect(page.get_by_label("Sam Hughes: wishes and feelings")).to_have_value("Sam asked for his gran.")
    expect(page.get_by_role("radio", name="Police station")).to_be_checked()
    page.context.set_offline(True)
    page.get_by_role("button", name="Record police protection").click()
    expect(page.locator("[data-draft-status]")).to_contain_text("No connection")
    page.context.set_offline(False)
    expect(page.locator(".govuk-error-summary")).to_contain_text("only in exceptional circumstances")
    assert page.title().startswith("Error:")
    ui.check("start police protection with errors")
    assert not PoliceProtection.objects.exists()

    page.get_by_role("radio", name="Foster care").check()
    page.get_by_label("Name and address of the place of safety").fill("Emergency foster carers, Acomb")
    page.get_by_role("button", name="Record police protection").click()
    expect(page.get_by_test_id("prompts")).to_contain_text("Link the investigation")
    expect(page.get_by_test_id("designated-officer")).to_have_text("Not yet named")
    ui.check("police protection record")
    ui.check_fits_width("police protection record")
    protection = PoliceProtection.objects.get()
    assert protection.children.count() == 2

    # -- The local authority is told by email, without personal details -----------------------------------
    worker = Worker(name="browser-test", sweep_interval_seconds=365 * 24 * 3600)
    for _ in range(10):
        if not worker.tick():
            break
    [email] = smtp_server.received
    assert email.rcpt_tos == ("mash@york.test",) and protection.reference in email.body
    assert "Ella" not in email.body and "Sam" not in email.body and "Hughes" not in email.body

    # -- The inspector takes it on, then hands over --------------------------------------------------------
    ui.sign_in_as(insp)
    ui.goto(f"/protection/{protection.pk}/")
    page.get_by_role("link", name="Name the designated officer").click()
    page.get_by_label("Designated officer").select_option(label="Ann Dunn (Inspector, City of York)")
    ui.check("designate")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("designated-officer")).to_have_text("Inspector Ann Dunn")
    page.get_by_role("link", name="Hand over").click()
    page.get_by_label("Hand over to").select_option(label="Raj Kaur (Inspector, City of York)")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Write why the protection is being handed over")
    ui.check("handover with errors")
    page.get_by_label("Why, and what the next designated officer needs to know").fill(
        "End of my shift. Strategy meeting with York CSC at 10:00; gran assessed as a possible carer."
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("designated-officer")).to_have_text("Inspector Raj Kaur")

    # -- The next inspector ends it -------------------------------------------------------------------------
    ui.sign_in_as(insp2)
    ui.goto(f"/protection/{protection.pk}/")
    page.get_by_role("link", name="End police protection").click()
    page.get_by_role("radio", name="Released to a relative").check()
    page.get_by_label("Why the children are safe, and where they are going").fill(
        "Gran assessed by York CSC as a safe carer; both children with her under a safety plan."
    )
    ui.check("end police protection")
    page.get_by_role("button", name="End police protection").click()
    timeline = page.get_by_test_id("timeline")
    for line in (
        "took the children into police protection",
        "Ann Dunn became the designated officer",
        "Ann Dunn handed over to Inspector Raj Kaur",
        "Raj Kaur ended police protection",
    ):
        expect(timeline).to_contain_text(line)
    ui.check("ended police protection")
    ui.check_fits_width("ended police protection")

    # -- The local authority acknowledges in the portal ----------------------------------------------------
    ui.sign_in_as(personas["local_authority"])
    ui.goto("/partners/")
    page.get_by_test_id("notices").get_by_role("row").filter(has_text=protection.reference).get_by_role("link").click()
    expect(page.get_by_test_id("protection-detail")).to_contain_text("Ella Hughes")
    ui.check("partner reads police protection")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_test_id("acknowledged")).to_contain_text("la_york")
    assert protection.notices.get().acknowledged_at is not None
    ui.check_fits_width("partner reads police protection")
    ui.assert_clean()
