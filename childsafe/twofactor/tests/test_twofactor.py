"""Two-factor sign-in with CHILDSAFE_REQUIRE_2FA on (ADR 0026): a password alone reads nothing; enrolment,
recovery codes, a reused or wrong code, the administrator's reset, step-up, and the API unaffected."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from childsafe.core import clock
from childsafe.core.models import AuditEvent
from conftest import PASSWORD, service_token

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def require_2fa(settings):
    settings.CHILDSAFE_REQUIRE_2FA = True


def code(user) -> str:
    device = TOTPDevice.objects.filter(user=user).first()
    return f"{totp(device.bin_key):06d}"


def text(response) -> str:
    return html.unescape(response.content.decode())


def password_only(user) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def enrolled(user, traveller=None) -> tuple[Client, list[str]]:
    client = password_only(user)
    client.get(reverse("twofactor:enrol"))
    body = text(client.post(reverse("twofactor:enrol"), {"code": code(user), "next": "/"}))
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", body)
    return client, codes


def test_a_password_alone_reads_no_record_until_the_app_is_set_up(personas, ella):
    officer = personas["officer"]
    client = password_only(officer)
    response = client.get(reverse("people:detail", args=[ella.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("twofactor:enrol"))
    assert not AuditEvent.objects.filter(event_type="person.view").exists()
    page = text(client.get(response["Location"]))
    assert "<svg" in page and "Set up your authenticator app" in page and "https://" not in page.split("<svg")[1][:50]
    wrong = text(client.post(reverse("twofactor:enrol"), {"code": "000000"}))
    assert "<title>Error:" in wrong and "The code is not right" in wrong
    body = text(client.post(reverse("twofactor:enrol"), {"code": code(officer), "next": f"/people/{ella.pk}/"}))
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", body)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(reverse("people:detail", args=[ella.pk])).status_code == 200
    assert AuditEvent.objects.filter(event_type="twofactor.enrol", subject_id=str(officer.pk)).exists()


def test_next_sign_in_asks_for_a_code_and_a_reused_code_is_refused(personas, ella):
    officer = personas["officer"]
    with time_machine.travel(clock.now(), tick=False) as traveller:
        first, _ = enrolled(officer)
        used = code(officer)  # the code just used to enrol
        client = password_only(officer)
        response = client.get(reverse("people:detail", args=[ella.pk]))
        assert response["Location"].startswith(reverse("twofactor:verify"))
        refused = text(client.post(reverse("twofactor:verify"), {"code": used}))
        assert "used already" in refused
        assert client.get(reverse("people:detail", args=[ella.pk])).status_code == 302
        traveller.shift(timedelta(seconds=31))
        response = client.post(reverse("twofactor:verify"), {"code": code(officer), "next": f"/people/{ella.pk}/"})
        assert response["Location"] == f"/people/{ella.pk}/"
        assert client.get(reverse("people:detail", args=[ella.pk])).status_code == 200


def test_a_recovery_code_works_once(personas):
    officer = personas["officer"]
    _, codes = enrolled(officer)
    client = password_only(officer)
    assert client.post(reverse("twofactor:verify"), {"code": codes[0].upper()}).status_code == 302
    assert StaticToken.objects.filter(token=codes[0]).count() == 0
    again = password_only(officer)
    assert "used already" in text(again.post(reverse("twofactor:verify"), {"code": codes[0]}))
    assert AuditEvent.objects.filter(event_type="twofactor.recovery_code_use").count() == 1


def test_ten_wrong_codes_slow_down_but_never_lock_out(personas, make_user):
    officer = personas["officer"]
    with time_machine.travel(clock.now(), tick=False) as traveller:
        enrolled(officer)
        client = password_only(officer)
        quick = [text(client.post(reverse("twofactor:verify"), {"code": "123456"})) for _ in range(5)]
        assert all("The code is not right" in m for m in quick[:3])
        assert all("Too many wrong codes. Wait 1 second and try again." in m for m in quick[3:])
        for _ in range(7):  # ten wrong codes in all, each after the pause
            traveller.shift(timedelta(seconds=61))
            assert "The code is not right" in text(client.post(reverse("twofactor:verify"), {"code": "654321"}))
        # Even the right code waits its turn (no guessing during the pause), a minute at most...
        traveller.shift(timedelta(seconds=31))
        slowed = text(client.post(reverse("twofactor:verify"), {"code": code(officer)}))
        assert "Too many wrong codes. Wait 29 seconds" in slowed
        # ...and then it works: slowed, never locked out.
        traveller.shift(timedelta(seconds=30))
        assert client.post(reverse("twofactor:verify"), {"code": code(officer)}).status_code == 302
        # Another user's sign-in was never affected.
        other = make_user("pc_city_b", "response_officer", "city")
        traveller.shift(timedelta(seconds=31))
        assert len(enrolled(other)[1]) == 10


def test_step_up_asks_again_after_15_minutes_for_the_audit_log(personas):
    manager = personas["information_manager"]
    with time_machine.travel(clock.now(), tick=False) as traveller:
        client, _ = enrolled(manager)
        assert client.get(reverse("oversight:audit")).status_code == 200
        traveller.shift(timedelta(minutes=16))
        response = client.get(reverse("oversight:audit"))
        assert response.status_code == 302 and "step_up=1" in response["Location"]
        assert "in the last 15 minutes" in text(client.get(response["Location"]))
        client.post(reverse("twofactor:verify"), {"code": code(manager)})
        assert client.get(reverse("oversight:audit")).status_code == 200


def test_step_up_for_a_csv_export_but_not_for_the_page(personas):
    manager = personas["supervisor"]
    with time_machine.travel(clock.now(), tick=False) as traveller:
        client, _ = enrolled(manager)
        traveller.shift(timedelta(minutes=16))
        assert client.get(reverse("oversight:encompass")).status_code == 200
        response = client.get(reverse("oversight:encompass"), {"format": "csv"})
        assert response.status_code == 302 and "step_up=1" in response["Location"]


def test_an_administrator_resets_a_second_factor_audited(personas):
    officer, admin = personas["officer"], personas["administrator"]
    enrolled(officer)
    admin_client, _ = enrolled(admin)
    url = reverse("twofactor:reset", args=[officer.pk])
    assert "<title>Error:" in text(admin_client.post(url, {"reason": ""}))
    assert admin_client.post(url, {"reason": "Lost phone"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()
    event = AuditEvent.objects.get(event_type="twofactor.reset")
    assert event.actor == admin and event.new_values["reason"] == "Lost phone"
    # The officer enrols again at next sign-in; someone who is not an administrator cannot reset.
    assert password_only(officer).get("/")["Location"].startswith(reverse("twofactor:enrol"))
    officer_client, _ = enrolled(officer)
    assert officer_client.post(reverse("twofactor:reset", args=[admin.pk]), {"reason": "x"}).status_code == 403


def test_api_tokens_are_unaffected(personas):
    raw = service_token(personas["administrator"], personas["officer"], "CAD")
    response = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/alerts/mine")
    assert response.status_code == 200
