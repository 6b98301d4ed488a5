"""Production: PostgreSQL via DATABASE_URL, secrets from the environment, HTTPS only."""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

SECRET_KEY = os.environ.get("CHILDSAFE_SECRET_KEY", "")
if len(SECRET_KEY) < 40:
    raise ImproperlyConfigured("Set CHILDSAFE_SECRET_KEY to a random value of at least 40 characters.")
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured("Set DATABASE_URL to the PostgreSQL database, e.g. postgres://user@host/childsafe.")
SECURE_SSL_REDIRECT = os.environ.get("CHILDSAFE_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Every account signs in with a second factor in production (ADR 0026); the demo may leave it off.
CHILDSAFE_REQUIRE_2FA = os.environ.get("CHILDSAFE_REQUIRE_2FA", "1") == "1"
