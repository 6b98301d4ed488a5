"""The PPN pages added for drafts, line-manager sampling (RF-5), the RF-7 delay page and VAT's demand
against capacity (RF-3), in a real browser, each checked with axe-core in the states users see."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BOTH_WIDTHS

pytestmark = [pytest.mark.browser, BOTH_WIDTHS]

AWARE = {k: "Seen and recorded" for k in ("appearance", "words", "activity", "relationships", "environment")}


@pytest.fixture
def team(personas, make_user):
    personas["officer"].line_manager = personas["supervisor"]
    personas["officer"].save(update_fields=["line_manager"])
    return {
        **personas,
        "vat": make_user("vat1", "vat"),
        "inspector": make_user("insp", "cii", "city", rank="inspector"),
        "leader": make_user("supt", "senior_leader", rank="superintendent"),
    }


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


def test_a_draft_ppn_saved_finished_and_submitted(ui, team, ella, incident):
    from childsafe.referrals.models import Ppn, PpnDraft

    page = ui.page
    ui.sign_in_as(team["officer"])
    ui.goto(f"/referrals/submit/?incident={incident.pk}")
    page.get_by_label("What is the concern?").fill("Domestic abuse at home with Ella present.")
    page.get_by_label("Appearance (Ella Hughes)").fill("In pyjamas")
    page.get_by_role("button", name="Save as draft").click()
    expect(heading(page)).to_have_text("Your draft PPNs")
    expect(page.get_by_test_id("drafts")).to_contain_text("Ella Hughes")
    ui.check("your draft PPNs")
    page.get_by_role("link", name="Carry on").click()
    expect(heading(page)).to_have_text("Finish your draft PPN")
    expect(page.get_by_label("Appearance (Ella Hughes)")).to_have_value("In pyjamas")
    page.get_by_role("button", name="Submit the PPN").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("RF-1")
    ui.check("draft PPN submitted with an error")
    assert not Ppn.objects.exists()
    page.get_by_role("link", name="Discard this draft").click()
    expect(heading(page)).to_have_text("Discard your draft PPN?")
    ui.check("discard a draft PPN")
    page.get_by_role("link", name="Keep it").click()
    for label in ("Words", "Activity", "Relationships and dynamics", "Environment"):
        page.get_by_label(f"{label} (Ella Hughes)").fill("Seen")
    page.get_by_label("Voice of the child (Ella Hughes)").fill("She said she was scared.")
    page.get_by_label("Self-defined ethnicity (Ella Hughes)").select_option("W1")
    page.get_by_role("button", name="Submit the PPN").click()
    ppn = Ppn.objects.get()
    expect(heading(page)).to_have_text(str(ppn))
    assert PpnDraft.objects.get().submitted_ppn == ppn
    ui.assert_clean()


def test_sampling_delay_and_demand_pages(ui, team, ella):
    from childsafe.core import services as core_services
    from childsafe.missing import services as missing
    from childsafe.referrals import rules, services

    page = ui.page
    core_services.setting_change(actor=team["administrator"], key=rules.VAT_DAILY_CAPACITY.key, value="1")
    for n in range(2):
        services.ppn_submit(
            actor=team["officer"],
            concern=f"Concern {n}",
            children=[services.PpnChildInput(ella, dict(AWARE), "She spoke to me", "W1")],
            other_children="None",
        )

    ui.sign_in_as(team["vat"])
    ui.goto("/referrals/")
    expect(page.get_by_test_id("demand-summary")).to_contain_text("Demand exceeded VAT's capacity")
    ui.check("VAT queue with demand over capacity")

    ui.sign_in_as(team["supervisor"])
    ui.goto("/referrals/sample/")
    expect(heading(page)).to_contain_text("PPN sample for")
    ui.check("PPN sample")
    page.get_by_role("link", name="Record findings").first.click()
    page.get_by_role("button", name="Record your findings").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Choose good, needs improvement or not acceptable")
    ui.check("PPN review with errors")
    page.get_by_label("Good").check()
    page.get_by_label("Your findings").fill("Clear and complete.")
    page.get_by_role("button", name="Record your findings").click()
    expect(page.get_by_test_id("sample-done")).to_be_visible()
    ui.goto("/referrals/sample/?month=October")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the month as year and month")
    ui.check("PPN sample with a month that can't be read")

    ui.sign_in_as(team["leader"])
    ui.goto("/referrals/sampling/")
    expect(heading(page)).to_contain_text("PPN sampling for")
    ui.check("PPN sampling for leaders")

    episode = missing.missing_report(actor=team["handler"], child=ella, reported_by="Mother").episode
    missing.episode_found(actor=team["officer"], episode=episode, place="Home")
    check, _ = missing.episode_safe_and_well(
        actor=team["officer"],
        episode=episode,
        where="Flat in town",
        with_whom="older males",
        harm="none seen",
        disclosures="owes money",
        voice="I owe them",
        aware=dict(AWARE),
        new_concerns=True,
    )
    ui.sign_in_as(team["officer"])
    ui.goto(f"/missing/{episode.pk}/")
    page.get_by_test_id("ppn-due").click()
    expect(heading(page)).to_have_text("PPN for Ella Hughes")
    ui.check("RF-7 page for the officer")
    ui.sign_in_as(team["inspector"])
    ui.goto(f"/referrals/delay/{check.pk}/")
    page.get_by_role("button", name="Approve the delay").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter why the PPN must wait")
    ui.check("RF-7 delay with errors")
    ui.assert_clean()
