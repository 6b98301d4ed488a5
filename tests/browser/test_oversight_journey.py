"""QG-3 and QG-4 in a real browser: a senior leader opens the dashboard (charts drawn, axe passes) and
follows a late RF-9 figure to the alerts behind it, adds a case audit question and shares a named child's
case with the PFCC; a silver owner attaches evidence and completes an action; the PFCC's scrutiny user reads
it in the read-only plan, reads the shared case and is refused the child's own page."""

from __future__ import annotations

import struct
import zlib
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import BOTH_WIDTHS

pytestmark = [pytest.mark.browser, BOTH_WIDTHS]


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = zlib.compress(b"\x00\x00\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", raw)
        + chunk(b"IEND", b"")
    )


def test_leader_dashboard_silver_evidence_and_pfcc_read_only(ui, make_user, tmp_path, settings):
    from childsafe.core import clock
    from childsafe.core.models import Alert, Area
    from childsafe.oversight import services
    from childsafe.oversight.models import Recommendation
    from childsafe.people import services as people_services

    settings.EVIDENCE_DIR = tmp_path / "evidence"
    leader = make_user("supt_ray", "senior_leader", first_name="Ray", last_name="Dunn")
    silver = make_user("ci_sam", "senior_leader", first_name="Sam", last_name="Silver")
    pfcc = make_user("pfcc_lee", "pfcc_scrutiny", first_name="Lee", last_name="Park")
    now = clock.now()
    Alert.objects.create(
        rule_id="RF-9",
        subject_type="referrals.encompassnotification",
        subject_id="1",
        subject_label="Encompass notification for Hill Primary",
        reason="The school was not told before the next school day.",
        url="/oversight/encompass/",
        raised_at=now - timedelta(days=3),
        last_seen_at=now - timedelta(days=3),
        due_by=now - timedelta(days=2),
        cleared_at=now - timedelta(days=1),
        owner_area=Area.objects.get(code="east"),
    )
    action = services.action_create(
        actor=leader,
        recommendation=Recommendation.objects.get(reference="R5"),
        description="Supervisors sample PPNs every month",
        due_on=clock.today_london() + timedelta(days=20),
        gold=leader,
        silver=silver,
    )
    child = people_services.person_create(
        actor=None, forenames="Mia", surname="Cole", date_of_birth=date(2012, 5, 1), sex="female"
    ).person
    page = ui.page

    # -- The senior leader: the dashboard, then the records behind the late RF-9 figure -----------------
    ui.sign_in_as(leader)
    ui.goto("/oversight/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Performance: the whole force")
    expect(page.get_by_test_id("chart-timeliness").locator("svg rect").first).to_be_attached()
    ui.check("dashboard")
    page.get_by_test_id("rule-RF-9").get_by_role("link", name="1").first.click()
    expect(page.get_by_test_id("dashboard-alerts")).to_contain_text("Encompass notification for Hill Primary")
    ui.check("alerts behind the RF-9 figure")

    # -- The audit lead adds a question; then shares Mia's case, picked by name, with the PFCC -------------
    ui.goto("/oversight/case-audits/questions/")
    page.get_by_label("Type of case").select_option("missing")
    page.get_by_label("Question").fill("Was a trigger plan in place for a child often missing?")
    page.get_by_role("button", name="Add the question").click()
    expect(page.get_by_test_id("questions-missing")).to_contain_text("Was a trigger plan in place")
    ui.check("case audit questions")
    ui.goto("/oversight/shared-cases/")
    page.get_by_label("Name", exact=True).fill("Mia Cole")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_label("Mia Cole").check()
    page.get_by_label("Why does the PFCC").fill("The PFCC's review of children missing from care.")
    page.get_by_role("button", name="Share the case").click()
    expect(page.get_by_test_id("shared-cases")).to_contain_text("Mia Cole")
    ui.check("a case shared with the PFCC")

    # -- The silver owner: evidence, then complete ------------------------------------------------------
    ui.sign_in_as(silver)
    ui.goto(f"/oversight/action-plan/{action.pk}/")
    page.get_by_test_id("complete").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Attach evidence before you mark the action complete")
    ui.check("action refused without evidence")
    page.get_by_label("What the evidence shows").fill("Sampling completion, October")
    page.get_by_label("A file").set_input_files(
        files=[{"name": "sampling.png", "mimeType": "image/png", "buffer": _png()}]
    )
    page.get_by_role("button", name="Attach the evidence").click()
    expect(page.get_by_test_id("evidence")).to_contain_text("sampling.png")
    page.get_by_test_id("complete").click()
    expect(page.get_by_test_id("status")).to_contain_text("Complete")
    ui.check("action complete")

    # -- The PFCC: read only, and no child's page --------------------------------------------------------
    ui.sign_in_as(pfcc)
    ui.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Performance: the whole force")
    expect(page.get_by_test_id("rule-RF-9").get_by_role("link")).to_have_count(0)
    ui.goto("/oversight/action-plan/")
    expect(page.get_by_test_id("actions-R5")).to_contain_text("Complete")
    ui.check("PFCC action plan")
    page.get_by_role("link", name="Supervisors sample PPNs every month").click()
    expect(page.get_by_test_id("evidence")).to_contain_text("sampling.png")
    expect(page.get_by_test_id("complete")).to_have_count(0)
    # The shared case, read only (a disclosure in the s62 log); the child's own record stays closed.
    ui.goto("/oversight/shared-cases/")
    page.get_by_role("link", name="Mia Cole").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mia Cole")
    ui.check("the shared case, read only")
    response = ui.goto(f"/people/{child.pk}/")
    assert response is not None and response.status == 404
    ui.assert_clean()
