"""Safe defaults: Argon2, CSP, secure cookies in production, CSRF, login throttling."""

from __future__ import annotations

import pytest
from django.test import Client

from childsafe.config.settings import base
from childsafe.core.models import AuditEvent, LoginAttempt
from conftest import PASSWORD


def test_passwords_are_hashed_with_argon2_outside_tests():
    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert base.SESSION_COOKIE_SECURE and base.CSRF_COOKIE_SECURE and base.SESSION_COOKIE_HTTPONLY
    assert base.SESSION_COOKIE_AGE <= 8 * 60 * 60


def test_production_settings_refuse_to_start_without_a_secret(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.delenv("CHILDSAFE_SECRET_KEY", raising=False)
    with pytest.raises(ImproperlyConfigured, match="CHILDSAFE_SECRET_KEY"):
        importlib.reload(importlib.import_module("childsafe.config.settings.production"))


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_forms_need_a_csrf_token(make_user):
    make_user("pc", "response_officer", "city")
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/login/", {"username": "pc", "password": PASSWORD})
    assert response.status_code == 403


@pytest.mark.django_db
def test_login_is_throttled_after_repeated_failures(make_user, settings):
    make_user("pc", "response_officer", "city")
    client = Client()
    for _ in range(settings.CHILDSAFE_LOGIN_MAX_FAILURES):
        response = client.post("/login/", {"username": "pc", "password": "wrong"})
        assert b"not right" in response.content
    locked = client.post("/login/", {"username": "pc", "password": PASSWORD})
    assert b"several failed attempts" in locked.content  # slowed down for a moment (ADR 0016), not locked out
    assert "_auth_user_id" not in client.session
    assert LoginAttempt.objects.filter(succeeded=False).count() == settings.CHILDSAFE_LOGIN_MAX_FAILURES


@pytest.mark.django_db
def test_login_ignores_an_offsite_next_url(make_user):
    make_user("pc", "response_officer", "city")
    response = Client().post("/login/?next=https://evil.example/", {"username": "pc", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"


@pytest.mark.django_db
def test_audit_events_cannot_be_changed_or_deleted(make_user):
    make_user("pc", "response_officer", "city")
    event = AuditEvent.objects.first()
    event.event_type = "tampered"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()
