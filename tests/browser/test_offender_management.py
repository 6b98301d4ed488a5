"""Offender management in a real browser (issue 14's "done when").

An OMU constable without ViSOR training is refused a risk plan; a trained one records it, records an
office interview (which does not count as a home visit), finds an undeclared phone and records the
breach; 24 hours on, with no decision, the breach alert (RSO-5) is on the OMU sergeant's alerts.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BOTH_WIDTHS

pytestmark = [pytest.mark.browser, BOTH_WIDTHS]


@pytest.fixture
def omu(make_user):
    from childsafe.core import clock
    from childsafe.core.models import Skill
    from childsafe.core.services import user_skill_award

    dc = make_user("omu_dc", "omu", "west", rank="constable", first_name="Dana", last_name="Cole")
    user_skill_award(actor=None, user=dc, skill=Skill.objects.get(code="visor"), awarded_on=clock.today_london())
    return {
        "dc": dc,
        "pc": make_user("omu_pc", "omu", "west", rank="constable", first_name="Pat", last_name="Cross"),
        "ds": make_user("omu_ds", "omu", "west", rank="sergeant", first_name="Sam", last_name="Dean"),
    }


def test_risk_plan_visit_and_breach_reach_the_sergeant(ui, omu):
    from childsafe.core import clock, engine
    from childsafe.offenders import services
    from childsafe.people import services as people

    paul = people.person_create(
        actor=None,
        forenames="Paul",
        surname="Kemp",
        date_of_birth="1971-02-14",
        address=people.AddressInput(line1="22 Flaxley Road", town="Selby", postcode="YO8 4BW"),
    ).person
    offender = services.offender_convict(
        actor=omu["dc"],
        person=paul,
        offence="Making indecent photographs of children",
        notifiable=True,
        court_result_at=clock.now() - timedelta(hours=1),
        period_years=10,
    ).offender
    page = ui.page
    heading = page.get_by_role("heading", level=1)

    # -- Untrained: refused, with the reason ---------------------------------------------------------
    ui.sign_in_as(omu["pc"])
    ui.goto("/offenders/")
    ui.check("OMU caseload")
    page.get_by_role("link", name="Paul Kemp").click()
    expect(heading).to_contain_text("Paul Kemp")
    ui.check("offender page")
    page.get_by_role("link", name="Risk and plan").click()
    page.get_by_label("High", exact=True).check()
    page.get_by_label("Risk management plan").fill("Home visits; device checks; liaison with probation.")
    page.get_by_role("button", name="Record").click()
    expect(page).to_have_title("Error: Record risk and the risk management plan – Childsafe")
    expect(page.locator(".govuk-error-summary")).to_contain_text("ViSOR")
    ui.check("risk refused")

    # -- Trained: the plan, an office interview, a breach ------------------------------------------------
    ui.sign_in_as(omu["dc"])
    ui.goto(f"/offenders/{offender.pk}/risk/new/")
    page.get_by_label("High", exact=True).check()
    page.get_by_label("Risk management plan").fill("Home visits; device checks; liaison with probation.")
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_test_id("plan")).to_contain_text("liaison with probation")

    page.get_by_role("link", name="Record a visit").click()
    ui.check("record a visit")
    page.get_by_label("Office interview").check()
    page.get_by_label("Dana Cole").check()
    page.get_by_role("button", name="Record the visit").click()
    expect(page.get_by_test_id("visits")).to_contain_text("does not count as a home visit")
    expect(page.get_by_test_id("prompts")).to_contain_text("lone working")
    expect(page.get_by_test_id("visit-due")).to_contain_text("By")  # still due: the office visit didn't count

    page.get_by_role("link", name="Record a breach").click()
    page.get_by_label("Undeclared device").check()
    page.get_by_label("What was found").fill("A second phone found during the interview.")
    page.get_by_role("button", name="Record the breach").click()
    expect(page.get_by_test_id("breaches")).to_contain_text("Not decided")

    # -- 24 hours on, undecided: the alert is on the sergeant's list ------------------------------------
    clock.set_now(clock.now() + timedelta(hours=24, minutes=1))
    try:
        engine.sweep()
        ui.sign_in_as(omu["ds"])
        ui.goto("/oversight/alerts/")
        expect(page.locator("main")).to_contain_text("not recorded as a crime")
        ui.check("sergeant's alerts")
    finally:
        clock.set_now(None)
    ui.assert_clean()
