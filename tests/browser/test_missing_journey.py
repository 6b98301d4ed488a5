"""A missing child from report to closure, in a real browser, by each person who does a part of it.

Call handler reports Ella missing and sees her firearms marker; the FIM grades her medium with a
note against the marker, and the sweep then puts "grade does not reflect markers" (MP-3) on the
FIM's alerts; the CII assigns a response officer and adds a line of enquiry; the officer, on a
phone, records where she was found and the safe and well check; a supervisor reviews and closes.
Her local authority's notice (MP-9) goes out through a real SMTP server on loopback.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from childsafe.core.tests.smtp import SmtpServer

pytestmark = pytest.mark.browser


@pytest.fixture
def smtp_server(settings) -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1 (aiosmtpd), with Django's email settings pointed at it."""
    server = SmtpServer().start()
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def team(personas, make_user):
    return {
        **personas,
        "fim": make_user("fim1", "fim", first_name="Fay", last_name="Inman"),
        "cii": make_user("cii_city", "cii", "city", first_name="Carl", last_name="Ibbotson"),
    }


def heading(page):
    return page.get_by_role("heading", level=1)


def subnav(page):
    return page.get_by_test_id("episode-subnav")


def test_missing_episode_from_report_to_closure(ui, phone_ui, team, ella, york, smtp_server):
    from childsafe.core import clock, engine, outbox
    from childsafe.core.models import OutboxMessage
    from childsafe.missing.models import MissingEpisode

    page = ui.page

    # -- Call handler: report, and see what Childsafe holds on Ella --------------------------------------
    ui.sign_in_as(team["handler"])
    ui.goto("/missing/")
    page.get_by_role("link", name="Report a missing child").click()
    expect(heading(page)).to_have_text("Report a missing child")
    ui.check("report a missing child")
    # The child is picked by name (no reference number): the picker's Search works without JavaScript.
    page.get_by_label("Name", exact=True).fill("Ella Hughes")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_label("Ella Hughes").check()
    ui.check("report a missing child with the child found by name")
    page.get_by_label("Reported by").fill("Her mother")
    last_seen = (clock.now() - timedelta(hours=1)).astimezone(clock.LONDON)
    when = page.get_by_role("group", name="Date last seen")
    when.get_by_label("Day").fill(str(last_seen.day))
    when.get_by_label("Month").fill(str(last_seen.month))
    when.get_by_label("Year").fill(str(last_seen.year))
    page.get_by_label("Time last seen").fill(last_seen.strftime("%H:%M"))
    page.get_by_label("Where the child was last seen").fill("York bus station")
    page.get_by_label("Circumstances").fill("Did not come home after school; her phone is off.")
    page.get_by_role("button", name="Report the child missing").click()

    # The report lands on the episode's intelligence check, one part of the episode under its sub navigation.
    expect(heading(page)).to_have_text("Intelligence check")
    expect(page.get_by_test_id("status")).to_have_text("Missing")
    expect(subnav(page).locator("[aria-current=page]")).to_have_text("Intelligence check")
    check = page.get_by_test_id("intelligence-check")
    expect(check.get_by_test_id("high-harm")).to_contain_text("Firearms")
    expect(check).to_contain_text("Intelligence log 4471")
    ui.check("missing episode after the report")
    subnav(page).get_by_role("link", name="Summary").click()
    expect(heading(page)).to_have_text("Ella Hughes")
    expect(page.get_by_test_id("markers")).to_contain_text("Firearms")
    expect(page.get_by_test_id("task-grade")).to_have_count(0)  # grading is the FIM's
    ui.check("missing episode summary")
    episode = MissingEpisode.objects.get(person=ella)
    episode_path = f"/missing/{episode.pk}/"

    # -- FIM: grade medium with a note against every marker ---------------------------------------------
    ui.sign_in_as(team["fim"])
    ui.goto(episode_path)
    page.get_by_role("link", name="Grade the risk").click()
    expect(heading(page)).to_have_text("Grade the risk")
    expect(page.get_by_test_id("marker-note")).to_contain_text("Firearms")
    ui.check("grading page")
    page.get_by_label("Medium").check()
    page.get_by_label("Rationale for the grade").fill(
        "Ella has gone before and come back within hours; her mother believes she is with a school friend."
    )
    page.get_by_role("button", name="Save the grade").click()
    # MP-3 at the point of entry: the form won't go without a note against the marker.
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a note against the Firearms marker (MP-3)")
    ui.check("grading page with a missing marker note")
    page.get_by_label("Firearms: how does your grade address this marker?").fill(
        "The firearms intelligence is about her older cousin; no sign Ella has access. Checked with the FIB."
    )
    page.get_by_role("button", name="Save the grade").click()
    expect(page.get_by_test_id("current-grade")).to_contain_text("medium")
    subnav(page).get_by_role("link", name="Summary").click()
    expect(page.get_by_test_id("grade")).to_contain_text("Medium")
    expect(page.get_by_test_id("owner")).to_contain_text("CII")
    expect(page.get_by_test_id("task-grade")).to_contain_text("Graded")

    # The sweep sees a medium grade against a high-harm marker: "grade does not reflect markers".
    engine.sweep()
    ui.menu("My alerts")
    alerts = page.get_by_test_id("alerts")
    expect(alerts).to_contain_text("MP-3")
    expect(alerts).to_contain_text("Grade does not reflect markers")
    ui.check("FIM's alerts with MP-3")

    # -- CII: assign a response officer and add a line of enquiry ---------------------------------------
    ui.sign_in_as(team["cii"])
    ui.goto(episode_path)
    page.get_by_role("link", name="Assign the officer in the case").click()
    ui.check("assign the missing episode")
    page.get_by_label("Officer in the case").select_option("pc_city")
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_test_id("officer-in-case")).not_to_contain_text("nobody")
    subnav(page).get_by_role("link", name="Lines of enquiry", exact=True).click()
    expect(heading(page)).to_have_text("Lines of enquiry")
    page.get_by_label("Line of enquiry").fill("Visit the school friend's address on Hull Road")
    page.get_by_label("Owner", exact=True).select_option("pc_city")
    page.get_by_role("button", name="Add the line of enquiry").click()
    expect(page.get_by_test_id("line")).to_contain_text("Visit the school friend's address")
    ui.check("episode with a line of enquiry")

    # -- Response officer on a phone: found, then the safe and well check ------------------------------
    phone = phone_ui.page
    phone_ui.sign_in_as(team["officer"])
    phone_ui.goto(episode_path)
    phone.get_by_role("link", name="Record the return").click()
    expect(heading(phone)).to_have_text("Record the child's return")
    phone_ui.check("record the return on a phone")
    phone_ui.check_fits_width("record the return on a phone")
    phone.get_by_label("Where the child was found").fill("Coppergate Centre, York")
    phone.get_by_role("button", name="Record the return").click()

    expect(heading(phone)).to_have_text("Safe and well check")
    phone_ui.check("safe and well check on a phone")
    phone_ui.check_fits_width("safe and well check on a phone")
    for label, answer in [
        ("Where the child was", "At a friend's flat above the shops on Hull Road."),
        ("Who the child was with", "Her friend Amy and Amy's older brother."),
        ("Any harm", "None seen."),
        ("Any disclosures", "None."),
        ("The child's voice", "'I just needed some space from home.' Calm, a little embarrassed."),
        ("AWARE: Appearance", "Clean, same clothes as yesterday, no injuries seen."),
        ("AWARE: Words", "Talked freely; said she was sorry to worry her mum."),
        ("AWARE: Activity", "Watching films; no drink or drugs."),
        ("AWARE: Relationships and dynamics", "Amy is in her class; no adults of concern."),
        ("AWARE: Environment", "Tidy flat; Amy's mother was at home."),
    ]:
        phone.get_by_label(label, exact=True).fill(answer)
    phone.get_by_role("radio", name="No").check()
    phone.get_by_role("button", name="Save the safe and well check").click()
    expect(phone.get_by_test_id("safe-and-well")).to_contain_text("Her friend Amy")
    expect(phone.get_by_test_id("status")).to_have_text("Returned")
    phone_ui.check_fits_width("missing episode on a phone")

    # -- Supervisor: review and close --------------------------------------------------------------------
    ui.sign_in_as(team["supervisor"])
    ui.goto(episode_path)
    page.get_by_role("link", name="Supervisory reviews").click()
    page.get_by_label("Review").fill("Ella is home and well; safe and well check done; RHI referred to York.")
    page.get_by_role("button", name="Record the review").click()
    expect(page.get_by_test_id("reviews")).to_contain_text("Ella is home and well")
    ui.check("supervisory reviews")
    subnav(page).get_by_role("link", name="Close", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Close the missing episode")
    ui.check("close the missing episode")
    page.get_by_role("button", name="Sign off and close the episode").click()
    expect(page.get_by_test_id("status")).to_contain_text("Closed")
    episode.refresh_from_db()
    assert episode.closed_at is not None and episode.closed_by == team["supervisor"]

    # -- The local authority was told, through a real SMTP server (MP-9) --------------------------------
    result = outbox.deliver_due("test")
    assert result.delivered >= 1, result
    notice = OutboxMessage.objects.get(kind="missing_return", source_id=str(episode.pk))
    assert notice.delivered_at is not None
    received = [m for m in smtp_server.received if "mash@york.test" in m.rcpt_tos]
    assert len(received) == 1, smtp_server.received
    assert received[0].subject == "A child missing from home has returned: return home interview needed"
    assert "Ella" not in received[0].body  # no personal details in the email, by design

    ui.assert_clean()
    phone_ui.assert_clean()


def test_concern_for_safety_becomes_a_missing_episode_and_mhet_sees_it(ui, phone_ui, team, ella, make_user):
    """MP-7 in the browser: closing a concern for safety about a child who wasn't where they should be
    is refused, with a button that records the missing episode for that child and incident; the
    episode then shows on MHET's worklist (MP-13) and in the daily meeting."""
    from childsafe.incidents import services as incidents

    incident = incidents.incident_record(
        actor=team["handler"],
        type="concern_for_safety",
        grade=2,
        location="12 Mill Street, York",
        summary="Mother worried: Ella not home at 22:00. Rang back at 23:30: she is home.",
        children=[incidents.ChildOnIncident(ella, present=False, resident=True)],
    ).incident
    page = ui.page
    ui.sign_in_as(team["handler"])
    ui.goto("/incidents/")
    ui.check("open incidents")
    page.get_by_role("link", name=incident.reference).click()
    expect(page.get_by_test_id("markers")).to_contain_text("Firearms")
    ui.check("incident summary")
    page.get_by_test_id("incident-subnav").get_by_role("link", name="Intelligence check").click()
    expect(page.get_by_test_id("intelligence-check").get_by_test_id("high-harm")).to_contain_text("Firearms")
    ui.check("incident intelligence check")

    page.get_by_test_id("incident-subnav").get_by_role("link", name="Close", exact=True).click()
    ui.check("incident page, closing")
    page.get_by_label("Outcome").fill("Ella came home at 23:30; words of advice.")
    page.get_by_role("button", name="Close the incident").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("(MP-7)")
    ui.check("incident page with the MP-7 refusal")
    page.get_by_role("link", name="Record the missing episode").click()

    expect(heading(page)).to_have_text("Report a missing child")
    expect(page.get_by_test_id("linked-incident")).to_contain_text(incident.reference)
    expect(page.get_by_label("Ella Hughes")).to_be_checked()
    page.get_by_label("Reported by").fill("Her mother")
    page.get_by_label("The child has already come back").check()
    page.get_by_role("button", name="Report the child missing").click()
    expect(page.get_by_test_id("status")).to_have_text("Returned")

    # Now the incident closes: Ella's missing episode is on record.
    subnav(page).get_by_role("link", name="Summary").click()
    page.get_by_role("link", name=incident.reference).first.click()
    page.get_by_test_id("incident-subnav").get_by_role("link", name="Close", exact=True).click()
    page.get_by_label("Outcome").fill("Ella came home at 23:30; missing episode recorded.")
    page.get_by_role("button", name="Close the incident").click()
    expect(page.get_by_test_id("incident-summary")).to_contain_text("Closed")

    mhet = make_user("mhet1", "mhet")
    ui.sign_in_as(mhet)
    ui.goto("/missing/")
    expect(page.get_by_test_id("returned")).to_contain_text("Ella Hughes")
    ui.check("MHET worklist")
    page.get_by_role("link", name="Daily meeting (last 24 hours)").click()
    expect(page.get_by_test_id("changes")).to_contain_text("Reported missing (had already come back)")
    ui.check("daily meeting")

    phone_ui.sign_in_as(mhet)
    phone_ui.goto("/missing/")
    phone_ui.check("MHET worklist on a phone")
    phone_ui.check_fits_width("MHET worklist on a phone")

    ui.assert_clean()
    phone_ui.assert_clean()
