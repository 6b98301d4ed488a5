"""Tests: the database named by DATABASE_URL (PostgreSQL in CI) or SQLite; fast hashing."""

from __future__ import annotations

from .base import *  # noqa: F403

SECRET_KEY = "test-only-not-secret"  # noqa: S105
DEBUG = False
# Tests make many users: a fast hasher keeps the suite quick. Production and the demo use Argon2
# (base.PASSWORD_HASHERS), which a test checks.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
ALLOWED_HOSTS = ["*"]
CHILDSAFE_LOGIN_MAX_FAILURES = 5
# Documents and photographs kept by tests and replays go to a throwaway directory, not var/files.
STORAGES["childsafe_files"] = {  # noqa: F405
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": __import__("tempfile").mkdtemp(prefix="childsafe-files-"), "base_url": None},
}
