"""Each role's day in a real browser, at desktop and at phone width (issue 16's "done when").

Every role signs in through the login form, lands on its own home page (ADR 0032), and does its one or two
main tasks by clicking and by typing names and words, never a reference number: records are reached
from worklists, queues, search results and the sub navigation. axe-core checks every page visited, and at
phone width every page must fit the window without scrolling sideways.

One test per role, each run at both widths (`BOTH_WIDTHS`); they share the package's one Chromium and the
live server. ADR 0051.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from conftest import PASSWORD
from tests.browser.conftest import BOTH_WIDTHS, UI

pytestmark = [pytest.mark.browser, BOTH_WIDTHS]

AWARE = {
    "appearance": "In pyjamas, no injuries seen",
    "words": "Said she was scared when Dad shouts",
    "activity": "Hiding upstairs",
    "relationships": "Close to her mother",
    "environment": "Broken glass in the kitchen",
}


def heading(page: Page) -> Any:
    return page.get_by_role("heading", level=1)


def start(ui: UI, username: str, home: str) -> None:
    """Sign in through the form and land on the role's home page."""
    ui.sign_in(username, PASSWORD)
    expect(heading(ui.page)).to_contain_text(home)
    ui.check(f"{username}'s home page")


# -- The records the day is about ------------------------------------------------------------------------


@pytest.fixture
def incident(personas: dict[str, Any], ella: Any) -> Any:
    from childsafe.incidents import services as incidents

    return incidents.incident_record(
        actor=personas["handler"],
        type="domestic_abuse",
        grade=2,
        location="12 Mill Street, York",
        summary="Woman assaulted by her partner; Ella in the house.",
        children=[incidents.ChildOnIncident(ella, present=True, resident=True)],
    ).incident


@pytest.fixture
def episode(personas: dict[str, Any], ella: Any) -> Any:
    from childsafe.missing import services as missing

    return missing.missing_report(
        actor=personas["handler"],
        child=ella,
        reported_by="Her mother",
        last_seen_place="York bus station",
        circumstances="Did not come home after school.",
    ).episode


@pytest.fixture
def ppn(personas: dict[str, Any], ella: Any, incident: Any) -> Any:
    from childsafe.referrals import services as referrals

    return referrals.ppn_submit(
        actor=personas["officer"],
        concern="Domestic abuse at home with Ella present.",
        children=[referrals.PpnChildInput(person=ella, aware=dict(AWARE), voice="I want Mum safe.", ethnicity="W1")],
        incident=incident,
        other_children="None known.",
    ).ppn


def person(forenames: str, surname: str, born: date, **extra: Any) -> Any:
    from childsafe.people import services as people

    return people.person_create(
        actor=None,
        forenames=forenames,
        surname=surname,
        date_of_birth=born,
        sex="unknown",
        address=people.AddressInput(line1="9 Queen Street", town="Scarborough", postcode="YO11 1HQ"),
        duplicates_reviewed=True,
        **extra,
    ).person


@pytest.fixture
def investigation(make_user: Any) -> Any:
    from childsafe.investigations import services

    opener = make_user("pc_james", "response_officer", "east", rank="constable")
    chloe = person("Chloe", "Barker", date(2009, 11, 2))
    gary = person("Gary", "Lund", date(1980, 1, 19))
    return services.investigation_open(
        actor=opener, type="neglect", victims=[chloe], suspects=[gary], summary="Chloe left alone for days."
    ).record


# -- Control room ----------------------------------------------------------------------------------------


def test_call_handler_finds_the_child_and_opens_the_incident(ui, personas, ella, incident):
    page = ui.page
    start(ui, "handler", "Find a person")
    page.get_by_label("Name", exact=True).fill("Ella Hughes")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("table").get_by_role("link", name="Ella Hughes").click()
    expect(page.get_by_test_id("markers")).to_contain_text("Firearms")
    ui.check("the child's page")
    ui.menu("Incidents")
    ui.check("open incidents")
    page.get_by_role("link", name=incident.reference).click()
    expect(page.get_by_test_id("incident-summary")).to_contain_text("12 Mill Street")
    ui.check("incident summary")
    page.get_by_test_id("incident-subnav").get_by_role("link", name="Intelligence check").click()
    expect(page.get_by_test_id("intelligence-check").get_by_test_id("high-harm")).to_contain_text("Firearms")
    ui.check("incident intelligence check")
    ui.assert_clean()


def test_fim_grades_a_missing_child_from_the_worklist(ui, personas, make_user, episode):
    page = ui.page
    make_user("fim1", "fim", first_name="Fay", last_name="Inman")
    start(ui, "fim1", "Find a person")
    ui.menu("Missing")
    ui.check("missing worklist")
    page.get_by_role("link", name="Ella Hughes").first.click()
    ui.check("missing episode summary")
    page.get_by_role("link", name="Grade the risk").click()
    ui.check("grade the risk")
    page.get_by_label("Firearms: how does your grade address this marker?").fill(
        "The firearms intelligence is about her cousin; she has been seen with him this week."
    )
    page.get_by_label("High").check()
    page.get_by_label("Rationale for the grade").fill("Seen with an armed cousin; out overnight before.")
    page.get_by_role("button", name="Save the grade").click()
    expect(page.get_by_test_id("current-grade")).to_contain_text("high")
    ui.check("graded")
    ui.assert_clean()


def test_cii_assigns_the_officer_in_the_case(ui, personas, make_user, episode):
    page = ui.page
    make_user("cii_city", "cii", "city", first_name="Carl", last_name="Ibbotson")
    start(ui, "cii_city", "Find a person")
    ui.menu("Missing")
    page.get_by_role("link", name="Ella Hughes").first.click()
    page.get_by_role("link", name="Assign the officer in the case").click()
    ui.check("assign")
    page.get_by_label("Officer in the case").select_option("pc_city")
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_test_id("officer-in-case")).not_to_contain_text("nobody")
    ui.check("assigned")
    ui.assert_clean()


# -- Response and supervision -----------------------------------------------------------------------------


def test_response_officer_adds_what_was_found_to_the_incident(ui, personas, incident):
    page = ui.page
    start(ui, "pc_city", "Find a person")
    ui.menu("Incidents")
    page.get_by_role("link", name=incident.reference).click()
    page.get_by_test_id("incident-subnav").get_by_role("link", name="THRIVE and updates").click()
    ui.check("THRIVE and updates")
    page.get_by_label("New information").fill("Attended: partner arrested; Ella with her grandmother.")
    page.get_by_role("button", name="Add the information").click()
    expect(page.get_by_test_id("updates")).to_contain_text("partner arrested")
    ui.check("information added")
    ui.assert_clean()


def test_supervisor_decides_an_approval_then_reads_team_alerts(ui, personas, incident):
    from childsafe.incidents import services as incidents

    incidents.incident_regrade_request(
        actor=personas["handler"],
        incident=incident,
        grade=3,
        rationale="Partner arrested; Ella safe with her grandmother.",
    )
    page = ui.page
    start(ui, "sgt_city", "Approvals waiting for you")
    page.get_by_label("Approve").first.check()
    page.get_by_label("Reason").first.fill("Partner in custody and Ella safe: a scheduled response is right.")
    page.get_by_role("button", name=re.compile("^Record your decision")).first.click()
    expect(page.get_by_text("Nothing is waiting for your decision.")).to_be_visible()
    ui.check("approvals after the decision")
    ui.menu("Team alerts")
    ui.check("team alerts")
    ui.assert_clean()


# -- Specialist teams -------------------------------------------------------------------------------------


def test_vat_triages_a_ppn_from_its_queue(ui, personas, make_user, ppn):
    page = ui.page
    make_user("vat1", "vat", first_name="Val", last_name="Tate")
    start(ui, "vat1", "VAT queue")
    page.get_by_test_id("waiting").get_by_role("link", name=ppn.reference).click()
    ui.check("the PPN")
    page.get_by_role("link", name="Triage this PPN").click()
    ui.check("triage")
    page.get_by_label("Share with partners").check()
    page.get_by_label("City of York Council (Local authority)").check()
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_test_id("status")).to_have_text("Shared with partners")
    ui.check("shared")
    ui.assert_clean()


def test_mhet_reads_the_worklist_and_the_daily_meeting(ui, personas, make_user, episode):
    page = ui.page
    make_user("mhet1", "mhet")
    start(ui, "mhet1", "Find a person")
    ui.menu("Missing")
    expect(page.locator("main")).to_contain_text("Ella Hughes")
    ui.check("MHET worklist")
    page.get_by_role("link", name="Daily meeting (last 24 hours)").click()
    expect(page.get_by_test_id("changes")).to_contain_text("Reported missing")
    ui.check("daily meeting")
    ui.menu("Exploitation")
    ui.check("exploitation")
    ui.assert_clean()


def test_omu_opens_an_offender_from_the_caseload(ui, make_user):
    from childsafe.core import clock
    from childsafe.core.models import Skill
    from childsafe.core.services import user_skill_award
    from childsafe.offenders import services
    from childsafe.people import services as people

    dc = make_user("omu_dc", "omu", "west", rank="constable", first_name="Dana", last_name="Cole")
    user_skill_award(actor=None, user=dc, skill=Skill.objects.get(code="visor"), awarded_on=clock.today_london())
    paul = people.person_create(
        actor=None,
        forenames="Paul",
        surname="Kemp",
        date_of_birth=date(1971, 2, 14),
        address=people.AddressInput(line1="22 Flaxley Road", town="Selby", postcode="YO8 4BW"),
    ).person
    services.offender_convict(
        actor=dc,
        person=paul,
        offence="Making indecent photographs of children",
        notifiable=True,
        court_result_at=clock.now() - timedelta(hours=1),
        period_years=10,
    )
    page = ui.page
    start(ui, "omu_dc", "Caseload")
    page.get_by_test_id("caseload").get_by_role("link", name="Paul Kemp").click()
    expect(heading(page)).to_contain_text("Paul Kemp")
    ui.check("offender")
    ui.assert_clean()


def test_dfu_opens_a_request_from_its_queue(ui, make_user, investigation):
    from childsafe.core.models import User
    from childsafe.investigations import services

    opener = User.objects.get(username="pc_james")
    services.dfu_submit(actor=opener, investigation=investigation, devices=["suspect's phone"])
    page = ui.page
    make_user("dfu1", "dfu")
    start(ui, "dfu1", "Digital forensic unit queue")
    page.get_by_test_id("dfu-queue").get_by_role("link", name=investigation.reference).click()
    expect(heading(page)).to_contain_text(investigation.reference)
    ui.check("investigation from the DFU queue")
    ui.assert_clean()


def test_investigator_opens_an_investigation_from_the_list(ui, make_user, investigation):
    page = ui.page
    make_user("det_ross", "investigator", "east", rank="constable")
    start(ui, "det_ross", "Find a person")
    ui.menu("Investigations")
    ui.check("investigations")
    page.get_by_test_id("investigations").get_by_role("link", name=investigation.reference).click()
    expect(heading(page)).to_contain_text(investigation.reference)
    ui.check("investigation")
    ui.assert_clean()


def test_analyst_reviews_a_possible_duplicate(ui, make_user):
    from childsafe.linkage import services
    from childsafe.people import services as people

    for forenames, surname, born in [("Kathryn", "Hughes", date(2012, 3, 4)), ("Katie", "Hughs", date(2012, 4, 3))]:
        people.person_create(actor=None, forenames=forenames, surname=surname, date_of_birth=born, sex="female")
    services.find_duplicates(threshold=0.5, train=False)
    page = ui.page
    make_user("analyst", "analyst")
    start(ui, "analyst", "")
    ui.menu("Duplicates")
    ui.check("possible duplicates")
    page.get_by_role("link", name=re.compile("^Review")).first.click()
    expect(heading(page)).to_have_text("Are these the same child?")
    ui.check("duplicate review")
    ui.assert_clean()


# -- Leaders and scrutiny ---------------------------------------------------------------------------------


def test_senior_leader_lands_on_the_dashboard_and_opens_the_action_plan(ui, make_user):
    make_user("supt_ray", "senior_leader", first_name="Ray", last_name="Dunn")
    start(ui, "supt_ray", "Performance")
    ui.menu("Action plan")
    ui.check("action plan")
    ui.assert_clean()


def test_pfcc_scrutiny_lands_on_the_dashboard(ui, personas):
    page = ui.page
    start(ui, "pfcc", "Performance")
    expect(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Incidents")).to_have_count(0)
    ui.menu("Action plan")
    ui.check("action plan, read only")
    ui.assert_clean()


def test_information_manager_reads_the_audit_log(ui, personas, ella):
    page = ui.page
    start(ui, "info_manager", "")
    ui.menu("Audit")
    expect(heading(page)).to_have_text("Audit log")
    ui.check("audit log")
    ui.assert_clean()


def test_administrator_opens_the_accounts(ui, personas):
    page = ui.page
    start(ui, "admin", "")
    ui.menu("Accounts")
    expect(heading(page)).to_have_text("Accounts and skills")
    ui.check("accounts")
    ui.assert_clean()


# -- Partners ---------------------------------------------------------------------------------------------


def test_school_key_adult_acknowledges_an_encompass_notification(ui, personas, incident):
    page = ui.page
    start(ui, "dsl_hill", "Hill Primary")
    page.get_by_test_id("notices").get_by_role("link", name="Ella Hughes").first.click()
    ui.check("notice")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_test_id("acknowledged")).not_to_have_text("Not yet")
    ui.check("acknowledged")
    ui.assert_clean()


def test_local_authority_reads_and_acknowledges_a_shared_ppn(ui, personas, make_user, ppn, york):
    from childsafe.referrals import services as referrals

    vat = make_user("vat1", "vat")
    referrals.ppn_triage(actor=vat, ppn=ppn, decision="share", partners=[york], reason="Domestic abuse exposure")
    page = ui.page
    start(ui, "la_york", "City of York Council")
    page.get_by_test_id("notices").get_by_role("row").filter(has_text=ppn.reference).get_by_role("link").click()
    expect(page.get_by_test_id("ppn-detail")).to_contain_text("Domestic abuse at home with Ella present.")
    ui.check("shared PPN")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_test_id("acknowledged")).not_to_have_text("Not yet")
    ui.check("acknowledged")
    ui.assert_clean()
