"""Accounts have a life cycle (issue 10, item 4): strong passwords, a temporary password replaced at first
sign-in, the user changing their own, and closing an account ending its sessions and tokens at once."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from childsafe.core import services
from childsafe.core.errors import InvalidInput
from childsafe.core.models import AuditEvent, User
from conftest import PASSWORD, service_token

NEW_PASSWORD = "lantern orchard velvet compass"


def signed_in(username: str, password: str = PASSWORD) -> Client:
    client = Client()
    assert client.login(username=username, password=password)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("weak", ["Password123!", "Welcome2026!!", "123456789012", "sgt.hughes.york"])
def test_weak_passwords_are_refused_with_a_reason(personas, weak):
    with pytest.raises(InvalidInput) as refused:
        services.user_create(
            actor=personas["administrator"],
            username="sgt.hughes.york",
            role="supervisor",
            password=weak,
            first_name="Sam",
            last_name="Hughes",
        )
    assert refused.value.errors["password"]
    assert not User.objects.filter(username="sgt.hughes.york").exists()


@pytest.mark.django_db
def test_a_temporary_password_opens_only_the_page_that_replaces_it(personas, areas):
    services.user_create(
        actor=personas["administrator"],
        username="pc_new",
        role="response_officer",
        password="temporary harbour kettle",
        area=areas["city"],
    )
    client = signed_in("pc_new", "temporary harbour kettle")
    assert client.get("/people/")["Location"] == "/account/password/"
    refused = client.post(
        "/account/password/", {"current": "temporary harbour kettle", "new": "Password123!", "repeat": "Password123!"}
    )
    assert refused.status_code == 200 and b"common word with numbers" in refused.content
    done = client.post(
        "/account/password/", {"current": "temporary harbour kettle", "new": NEW_PASSWORD, "repeat": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert client.get("/people/").status_code == 200  # still signed in, and free to go on
    user = User.objects.get(username="pc_new")
    assert not user.must_change_password and user.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(event_type="user.password_change", actor=user).exists()


@pytest.mark.django_db
def test_a_user_changes_their_own_password_with_the_current_one(personas):
    client = signed_in(personas["officer"].username)
    wrong = client.post("/account/password/", {"current": "guess", "new": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert b"current password is not right" in wrong.content
    client.post("/account/password/", {"current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD})
    assert Client().login(username=personas["officer"].username, password=NEW_PASSWORD)


@pytest.mark.django_db
def test_closing_an_account_ends_its_sessions_and_tokens_at_once(personas):
    officer = personas["handler"]
    session = signed_in(officer.username)
    token = service_token(personas["administrator"], officer, "custody")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/alerts/mine").status_code == 200

    admin = signed_in(personas["administrator"].username)
    assert b"Close<span" in admin.get("/oversight/accounts/").content
    closed = admin.post(f"/oversight/accounts/{officer.pk}/close/", {"reason": "Left the force"})
    assert closed.status_code == 302

    assert session.get("/people/").status_code == 302  # signed out
    assert api.get("/api/v1/alerts/mine").status_code == 401
    assert not Client().login(username=officer.username, password=PASSWORD)
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(officer.pk)]
    event = AuditEvent.objects.get(event_type="user.deactivate")
    assert event.new_values["tokens_revoked"] == 1 and event.new_values["sessions_ended"] == 1


@pytest.mark.django_db
def test_an_administrator_cannot_close_their_own_account(personas):
    with pytest.raises(InvalidInput):
        services.user_deactivate(actor=personas["administrator"], user=personas["administrator"], reason="Testing")


@pytest.mark.django_db
def test_tokens_expire_and_an_administrator_lists_and_revokes_them(personas):
    from datetime import timedelta

    from childsafe.core import clock

    officer = services.user_create(
        actor=personas["administrator"], username="custody-link", role="call_handler", service_account=True
    )
    token, raw = services.api_token_create(actor=personas["administrator"], user=officer, name="custody system")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/alerts/mine").status_code == 200
    assert token.expires_at == token.created_at + timedelta(days=365)

    admin = signed_in(personas["administrator"].username)
    listed = admin.get("/oversight/tokens/")
    assert b"custody system" in listed.content and token.prefix.encode() in listed.content
    assert admin.post(f"/oversight/tokens/{token.pk}/revoke/").status_code == 302
    assert api.get("/api/v1/alerts/mine").status_code == 401
    assert AuditEvent.objects.filter(event_type="api_token.revoke", actor=personas["administrator"]).exists()

    short = service_token(personas["administrator"], officer, "pilot", lifetime=timedelta(days=1))
    clock.set_now(clock.now() + timedelta(days=2))
    try:
        assert Client(HTTP_AUTHORIZATION=f"Bearer {short}").get("/api/v1/alerts/mine").status_code == 401
    finally:
        clock.set_now(None)


# Tokens only for service accounts (issue 10, item 4).


@pytest.mark.django_db
def test_a_token_for_a_persons_account_is_refused_with_what_to_do_instead(personas):
    with pytest.raises(InvalidInput) as refused:
        services.api_token_create(actor=personas["administrator"], user=personas["officer"], name="custody")
    assert "pc_city is a person's account" in refused.value.errors["user"]
    assert "create a service account" in refused.value.errors["user"]
    assert not personas["officer"].api_tokens.exists()


@pytest.mark.django_db
def test_the_token_command_refuses_a_persons_account_and_issues_one_to_a_service_account(personas):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="API tokens are only for service accounts"):
        call_command("token", "pc_city", "custody system", "--as", "admin")

    out = __import__("io").StringIO()
    call_command("createuser", "custody-link", "--role", "call_handler", "--service", stdout=out)
    assert "service account" in out.getvalue()
    service = User.objects.get(username="custody-link")
    assert service.is_service_account and not service.has_usable_password()
    out = __import__("io").StringIO()
    call_command("token", "custody-link", "custody system", "--as", "admin", stdout=out)
    raw = out.getvalue().strip()
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/alerts/mine").status_code == 200


@pytest.mark.django_db
def test_an_administrator_creates_a_service_account_without_a_password(personas):
    admin = signed_in(personas["administrator"].username)
    form = {"username": "cad-feed", "role": "call_handler", "area": "", "team": "", "organisation": ""}
    missing = admin.post("/oversight/accounts/new/", form)
    assert missing.status_code == 200 and b"Enter a temporary password" in missing.content
    assert admin.post("/oversight/accounts/new/", {**form, "service_account": "on"}).status_code == 302
    service = User.objects.get(username="cad-feed")
    assert service.is_service_account and not service.has_usable_password()
    assert b"Service account" in admin.get("/oversight/accounts/").content
    with pytest.raises(InvalidInput) as refused:
        services.user_create(
            actor=personas["administrator"],
            username="cad-feed-2",
            role="call_handler",
            password=NEW_PASSWORD,
            service_account=True,
        )
    assert "has no password" in refused.value.errors["password"]


@pytest.mark.django_db
def test_a_token_stops_working_if_its_account_is_not_a_service_account(personas):
    """A token issued before the rule (or an account changed since) doesn't let a person's account in."""
    raw = service_token(personas["administrator"], personas["handler"], "old custody link")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/alerts/mine").status_code == 200
    User.objects.filter(pk=personas["handler"].pk).update(is_service_account=False)
    assert api.get("/api/v1/alerts/mine").status_code == 401


@pytest.mark.django_db
def test_an_administrator_issues_a_token_on_the_page_to_a_service_account_only(personas):
    service = services.user_create(
        actor=personas["administrator"], username="cad-feed", role="call_handler", service_account=True
    )
    admin = signed_in(personas["administrator"].username)
    page = admin.get("/oversight/tokens/new/").content.decode()
    assert "cad-feed" in page and "pc_city" not in page  # only service accounts are offered

    refused = admin.post("/oversight/tokens/new/", {"account": personas["officer"].pk, "name": "CAD"})
    assert refused.status_code == 200 and "<title>Error:" in refused.content.decode()
    assert "API tokens are only for service accounts" in refused.content.decode()
    assert not personas["officer"].api_tokens.exists()

    issued = admin.post("/oversight/tokens/new/", {"account": service.pk, "name": "CAD feed"})
    raw = issued.content.decode().split('data-testid="token">')[1].split("<")[0]
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/alerts/mine").status_code == 200
    assert AuditEvent.objects.filter(event_type="api_token.create", actor=personas["administrator"]).exists()
