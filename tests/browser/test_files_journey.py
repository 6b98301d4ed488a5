"""Photographs and documents in a real browser at phone width: an officer photographs a returned child
on a phone (the GPS position dropped), the FIM opens the briefing sheet with the photograph (screenshot
kept and checked), and a document download is logged."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_photo_on_a_phone_briefing_sheet_and_a_logged_download(phone_ui, personas, make_user, ella, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from childsafe.core import clock
    from childsafe.core.models import AuditEvent
    from childsafe.files import services
    from childsafe.files.models import PersonPhoto
    from childsafe.files.tests.conftest import phone_jpeg
    from childsafe.missing import services as missing_services

    fim = make_user("fim1", "fim", first_name="Fay", last_name="Inman")
    episode = missing_services.missing_report(
        actor=personas["handler"], child=ella, reported_by="Mother", last_seen_place="Hill Primary gates"
    ).episode
    page = phone_ui.page

    # -- The officer, on a phone, adds a photograph from the child's page ---------------------------------
    phone_ui.sign_in_as(personas["officer"])
    phone_ui.goto(f"/people/{ella.pk}/")
    page.get_by_role("link", name="Add a photograph").click()
    phone_ui.check("add a photograph")
    photo_file = tmp_path / "IMG_2041.jpg"
    photo_file.write_bytes(phone_jpeg(900, 1200))
    page.get_by_label("Photograph").set_input_files(str(photo_file))
    today = clock.today_london()
    taken = page.get_by_role("group", name="Date taken")
    taken.get_by_label("Day").fill(str(today.day))
    taken.get_by_label("Month").fill(str(today.month))
    taken.get_by_label("Year").fill(str(today.year))
    page.get_by_label("Time taken (optional)").fill("00:01")
    page.get_by_label("Taken by an officer").check()
    page.get_by_role("button", name="Add photograph").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("location and camera details were not kept")
    latest = page.get_by_test_id("latest-photo").locator("img")
    expect(latest).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", latest.element_handle()) > 0
    phone_ui.check("child's page with the photograph")
    kept = PersonPhoto.objects.get(person=ella).image.blob.open("rb").read()
    assert not Image.open(io.BytesIO(kept)).getexif() and b"PhoneMaker" not in kept

    # -- The FIM opens the briefing sheet: the photograph is on it ----------------------------------------
    phone_ui.sign_in_as(fim)
    phone_ui.goto(f"/missing/{episode.pk}/")
    page.get_by_role("link", name="Print the missing person briefing sheet").click()
    sheet = page.get_by_test_id("briefing-sheet")
    expect(sheet).to_contain_text("Hill Primary gates")
    expect(page.get_by_test_id("release-status")).to_contain_text("Police use only")
    photo = page.get_by_test_id("briefing-photo")
    expect(photo).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", photo.element_handle()) == 900
    shot = tmp_path / "briefing.png"
    page.screenshot(path=str(shot), full_page=True)
    image = Image.open(shot).convert("RGB")
    # The photograph's colour (180, 90, 40) is on the printed page, not just in the markup.
    assert any(abs(r - 180) < 12 and abs(g - 90) < 12 and abs(b - 40) < 12 for r, g, b in image.getdata())
    phone_ui.check("briefing sheet")

    # -- A document on the episode, downloaded from its page, is logged -------------------------------------
    services.attach(
        actor=personas["officer"],
        subject=episode,
        kind="strategy_minutes",
        upload=SimpleUploadedFile("strategy-minutes.txt", b"Strategy meeting: agreed actions."),
    )
    phone_ui.goto(f"/missing/{episode.pk}/")
    phone_ui.part("Documents")
    phone_ui.check("the episode's documents on a phone")
    with page.expect_download() as caught:
        page.get_by_role("link", name="strategy-minutes.txt", exact=True).click()
    assert caught.value.suggested_filename == "strategy-minutes.txt"
    assert AuditEvent.objects.filter(event_type="file.download", actor=fim, person_id=ella.pk).exists()
    phone_ui.assert_clean()
