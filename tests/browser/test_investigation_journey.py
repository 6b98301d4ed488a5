"""Issue 11's journey in a real browser: a sergeant allocates a CSE investigation (the untrained officer
refused, the accredited one accepted), the investigator records the suspect's access to children and is taken
to the PPN form, and the DI sees the DFU backlog chart and the drift alert (INV-3)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BOTH_WIDTHS

pytestmark = [pytest.mark.browser, BOTH_WIDTHS]

T0 = datetime(2024, 3, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def cse_case(make_user):
    from childsafe.core import clock
    from childsafe.core.models import Skill
    from childsafe.core.services import user_skill_award
    from childsafe.investigations import services
    from childsafe.people import services as people

    clock.set_now(T0)
    det_ross = make_user("det_ross", "investigator", "east", rank="constable", first_name="Sam", last_name="Ross")
    user_skill_award(
        actor=None, user=det_ross, skill=Skill.objects.get(code="cse_investigation"), awarded_on=date(2020, 1, 1)
    )
    staff = {
        "pc": make_user("pc_james", "response_officer", "east", rank="constable"),
        "det_ross": det_ross,
        "det_new": make_user("det_new", "investigator", "east", rank="constable", first_name="Alex", last_name="New"),
        "ds_king": make_user("ds_king", "supervisor", "east", rank="sergeant"),
        "di_moss": make_user("di_moss", "supervisor", "east", rank="inspector"),
    }

    def person(forenames, surname, dob):
        return people.person_create(
            actor=None,
            forenames=forenames,
            surname=surname,
            date_of_birth=dob,
            sex="unknown",
            address=people.AddressInput(line1="9 Queen Street", town="Scarborough", postcode="YO11 1HQ"),
            duplicates_reviewed=True,
        ).person

    chloe = person("Chloe", "Barker", date(2009, 11, 2))
    gary = person("Gary", "Lund", date(1980, 1, 19))
    mia = person("Mia", "Lund", date(2016, 2, 11))
    people.relationship_add(actor=None, from_person=gary, to_person=mia, type="parent", source="Household")
    inv = services.investigation_open(
        actor=staff["pc"], type="cse", victims=[chloe], suspects=[gary], summary="Chloe reports rape by a local man."
    ).record
    yield {**staff, "inv": inv, "mia": mia}
    clock.set_now(None)


def test_allocate_record_access_then_the_ppn_and_the_di_sees_backlog_and_drift(ui, cse_case):
    from childsafe.core import clock, engine
    from childsafe.investigations import services

    page, inv = ui.page, cse_case["inv"]
    ui.sign_in_as(cse_case["ds_king"])
    ui.goto(f"/investigations/{inv.pk}/allocate/")
    candidates = page.get_by_test_id("candidates")
    expect(candidates.locator("[data-officer=det_new]")).to_contain_text("Not accredited for this type")
    expect(candidates.locator("[data-officer=det_ross]")).to_contain_text("CSE investigation")
    ui.check("allocation page")
    page.get_by_label("Alex New").check()
    page.get_by_role("button", name="Allocate").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("does not hold the accreditation")
    assert page.title().startswith("Error:")
    ui.check("allocation refused")
    page.get_by_label("Sam Ross").check()
    page.get_by_role("button", name="Allocate").click()
    expect(page.get_by_test_id("officer")).to_contain_text("Sam Ross")
    ui.check("investigation page")

    ui.sign_in_as(cse_case["det_ross"])
    ui.goto(f"/investigations/{inv.pk}/access/")
    page.get_by_label("Gary Lund").check()
    page.get_by_label("Where this came from").fill("custody remark")
    page.get_by_label("What is known").fill("Said on the detention log he has children of his own.")
    page.get_by_label("Mia Lund").check()
    ui.check("access to children")
    page.get_by_role("button", name="Save and go to the PPN").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Submit a PPN")
    expect(page.get_by_test_id("requirement")).to_contain_text("access to children")
    expect(page.get_by_test_id(f"child-{cse_case['mia'].pk}")).to_be_visible()

    services.dfu_submit(actor=cse_case["det_ross"], investigation=inv, devices=["suspect's phone"])
    clock.set_now(T0 + timedelta(days=29))
    engine.sweep(holder="browser-test", use_lease=False)
    ui.sign_in_as(cse_case["di_moss"])
    ui.goto("/investigations/dfu/")
    expect(page.get_by_test_id("backlog-chart")).to_contain_text("Under 30 days")
    expect(page.get_by_test_id("backlog").locator("tr", has_text="Under 30 days")).to_contain_text("1")
    ui.check("DFU queue")
    ui.goto(f"/investigations/{inv.pk}/")
    expect(page.get_by_test_id("alerts")).to_contain_text("No activity has been recorded")
    expect(page.get_by_test_id("alerts")).to_contain_text("detective inspector")
    ui.assert_clean()
