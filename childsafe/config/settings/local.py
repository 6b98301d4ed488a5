"""The embedded default: SQLite under var/, served on 127.0.0.1 for one machine (the demo force)."""

from __future__ import annotations

import os
import secrets

from .base import *  # noqa: F403
from .base import VAR_DIR

DEBUG = os.environ.get("CHILDSAFE_DEBUG", "") == "1"


def _local_secret_key() -> str:
    # Generated once per checkout and kept in var/ (git-ignored): never a secret in the repository.
    path = VAR_DIR / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("CHILDSAFE_SECRET_KEY") or _local_secret_key()
# Served over plain HTTP on loopback only: a secure cookie would never be sent back.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
