"""Sign-in throttling slows guessing down and never locks the force out (ASVS 5.0 V6, ADR 0016)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client, RequestFactory

from childsafe.core import clock
from childsafe.core.login_throttle import client_address
from childsafe.core.models import Alert, LoginAttempt
from conftest import PASSWORD

PROXY = "10.0.0.5"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def at() -> Iterator[list[datetime]]:
    """The simulated clock; `tick(seconds)` moves it on."""
    now = [START]
    clock.set_now(START)
    yield now
    clock.set_now(None)


def tick(now: list[datetime], seconds: float) -> None:
    now[0] += timedelta(seconds=seconds)
    clock.set_now(now[0])


def sign_in(username: str, password: str, *, address: str = "192.0.2.1", via_proxy: bool = False) -> Client:
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address) if via_proxy else Client(REMOTE_ADDR=address)
    client.response = client.post("/login/", {"username": username, "password": password})  # type: ignore[attr-defined]
    return client


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
def test_guessing_one_account_is_slowed_down_and_the_right_password_gets_in_after_the_wait(make_user, at):
    make_user("pc", "response_officer", "city")
    for _ in range(5):
        assert not signed_in(sign_in("pc", "wrong"))
        tick(at, 0.1)
    held = sign_in("pc", PASSWORD)
    assert not signed_in(held) and b"Wait 1 second and try again" in held.response.content  # type: ignore[attr-defined]
    # A held attempt is not checked, so it tells a guesser nothing and doesn't count.
    assert LoginAttempt.objects.count() == 5
    tick(at, 1)
    assert signed_in(sign_in("pc", PASSWORD))


@pytest.mark.django_db
def test_the_wait_doubles_but_never_passes_the_cap(make_user, at, settings):
    make_user("pc", "response_officer", "city")
    for _ in range(40):
        tick(at, settings.CHILDSAFE_LOGIN_MAX_WAIT_SECONDS)
        sign_in("pc", "wrong", address="198.51.100.7")
    # The named user, at their own desk, waits at most the cap after the attacker's last guess.
    held = sign_in("pc", PASSWORD)
    assert not signed_in(held) and b"Wait 60 seconds" in held.response.content  # type: ignore[attr-defined]
    tick(at, settings.CHILDSAFE_LOGIN_MAX_WAIT_SECONDS)
    assert signed_in(sign_in("pc", PASSWORD))


@pytest.mark.django_db
def test_behind_the_proxy_failures_count_per_client_not_for_everyone(make_user, at, settings):
    settings.CHILDSAFE_TRUSTED_PROXIES = [PROXY]
    make_user("pc", "response_officer", "city")
    for n in range(30):  # today: 20 failures behind the proxy locked every user out for 15 minutes
        sign_in(f"nobody{n}", "wrong", address="203.0.113.9", via_proxy=True)
    assert set(LoginAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}
    assert signed_in(sign_in("pc", PASSWORD, address="192.0.2.44", via_proxy=True))


@pytest.mark.django_db
def test_a_different_users_correct_password_is_never_blocked_from_a_busy_address(make_user, at):
    make_user("pc", "response_officer", "city")
    for n in range(30):
        sign_in(f"nobody{n % 3}", "wrong", address="192.0.2.1")
    assert signed_in(sign_in("pc", PASSWORD, address="192.0.2.1"))


def test_a_forwarded_header_counts_only_from_a_trusted_proxy(settings):
    settings.CHILDSAFE_TRUSTED_PROXIES = [PROXY, "10.1.0.0/16"]
    factory = RequestFactory()
    forged = factory.post("/login/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="192.0.2.99")
    assert client_address(forged) == "198.51.100.7"
    chained = factory.post("/login/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="1.2.3.4, 192.0.2.99, 10.1.2.3")
    assert client_address(chained) == "192.0.2.99"  # the nearest hop our proxies didn't add is the client
    settings.CHILDSAFE_TRUSTED_PROXIES = []
    assert client_address(chained) == PROXY


@pytest.mark.django_db
def test_a_burst_of_failures_alerts_the_administrators_once(make_user, at, settings):
    make_user("pc", "response_officer", "city")
    for n in range(settings.CHILDSAFE_LOGIN_USER_FAILURES + 3):
        tick(at, settings.CHILDSAFE_LOGIN_MAX_WAIT_SECONDS)
        sign_in("pc", "wrong", address=f"198.51.100.{n}")
    alert = Alert.objects.get(rule_id="SYS-2")
    assert (alert.owner_role, alert.subject_type, alert.subject_id) == ("administrator", "sign_in.username", "pc")
    assert "10 failed sign-in attempts for the username 'pc'" in alert.reason
