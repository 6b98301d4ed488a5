"""Tests: the database named by DATABASE_URL (PostgreSQL in CI) or SQLite; fast hashing."""

from __future__ import annotations

from .base import *  # noqa: F403

SECRET_KEY = "test-only-not-secret"  # noqa: S105
DEBUG = False
# Argon2 stays first so that the hasher in use is the real one; tests make few users.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
ALLOWED_HOSTS = ["*"]
CHILDSAFE_LOGIN_MAX_FAILURES = 5
