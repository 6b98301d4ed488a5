"""Settings shared by every environment.

Secrets and deployment facts come from the environment, never from the repository.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url

BASE_DIR = Path(__file__).resolve().parents[3]
VAR_DIR = Path(os.environ.get("CHILDSAFE_VAR_DIR", BASE_DIR / "var"))

DEBUG = False
SECRET_KEY = os.environ.get("CHILDSAFE_SECRET_KEY", "")
ALLOWED_HOSTS = [h for h in os.environ.get("CHILDSAFE_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "childsafe.core",
    "childsafe.people",
    "childsafe.incidents",
    "childsafe.missing",
    "childsafe.referrals",
    "childsafe.protection",
    "childsafe.investigations",
    "childsafe.offenders",
    "childsafe.exploitation",
    "childsafe.oversight",
    "childsafe.partners",
    "childsafe.linkage",
    "childsafe.files",
    # Two-factor sign-in (ADR 0026): django-otp and its own device tables.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "childsafe.twofactor",
    "childsafe.scenarios",
    "childsafe.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "childsafe.core.middleware.ContentSecurityPolicyMiddleware",
    "childsafe.core.middleware.ApiInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "childsafe.core.middleware.NoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "childsafe.core.middleware.LoginRequiredMiddleware",
    "childsafe.twofactor.middleware.RequireSecondFactor",
]

ROOT_URLCONF = "childsafe.config.urls"
WSGI_APPLICATION = "childsafe.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "childsafe" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "childsafe.core.context_processors.navigation",
            ],
        },
    }
]


def database_from_env(default_sqlite: Path) -> dict[str, Any]:
    """DATABASE_URL selects PostgreSQL (production, CI); otherwise an SQLite file under var/."""
    url = os.environ.get("DATABASE_URL")
    if url:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=60))
        if "postgresql" in config["ENGINE"] and os.environ.get("CHILDSAFE_PG_PREPARE", "1") != "0":
            # Server-side binding lets psycopg 3 prepare a statement the connection runs again (from the
            # second time here), so PostgreSQL stops planning the same small statements afresh: planning
            # was most of their server time (bench/README.md, intelligence_check; ADR 0063). The whole
            # suite runs with it. CHILDSAFE_PG_PREPARE=0 turns it off, e.g. behind a connection pooler in
            # transaction mode that cannot keep a connection's prepared statements.
            config["OPTIONS"] = {**config.get("OPTIONS", {}), "server_side_binding": True, "prepare_threshold": 1}
        return config
    default_sqlite.parent.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(default_sqlite),
        # Kept open between requests, as PostgreSQL's is: opening it, its PRAGMAs and Django's functions
        # cost about 1.3 ms a request (bench/README.md, child_page).
        "CONN_MAX_AGE": 60,
        # IMMEDIATE transactions take the write lock up front, so two writers queue instead of
        # failing with "database is locked" half way through a service (Django 5.1+).
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


if os.environ.get("CHILDSAFE_REPLAY_DATABASE"):
    # `childsafe replay` sets this: a fresh SQLite file of its own, whatever DATABASE_URL says.
    os.environ.pop("DATABASE_URL", None)
    DATABASES = {"default": database_from_env(Path(os.environ["CHILDSAFE_REPLAY_DATABASE"]))}
else:
    DATABASES = {"default": database_from_env(VAR_DIR / "childsafe.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "childsafe.core.passwords.CommonWordWithDecorationValidator"},
]

# Sessions end after 8 hours (a shift) or when the browser closes.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Sign-in throttling slows guessing down, never locks out (core/login_throttle.py, ADR 0016): past a
# threshold within the window, each further attempt on that key waits 1, 2, 4... seconds, at most
# CHILDSAFE_LOGIN_MAX_WAIT_SECONDS. Thresholds: a username from one address, a username from anywhere,
# and one address for usernames already failing from it. A burst raises an alert for administrators.
CHILDSAFE_LOGIN_MAX_FAILURES = 5
CHILDSAFE_LOGIN_USER_FAILURES = 10
CHILDSAFE_LOGIN_ADDRESS_FAILURES = 20
CHILDSAFE_LOGIN_MAX_WAIT_SECONDS = 60
CHILDSAFE_LOGIN_WINDOW_SECONDS = 15 * 60
# The client address comes from this header only when the request arrives from one of these proxies
# (addresses or networks, comma-separated in CHILDSAFE_TRUSTED_PROXIES, e.g. "10.0.0.5,10.1.0.0/16").
CHILDSAFE_TRUSTED_PROXIES = [p for p in os.environ.get("CHILDSAFE_TRUSTED_PROXIES", "").split(",") if p.strip()]
CHILDSAFE_CLIENT_ADDRESS_HEADER = "HTTP_X_FORWARDED_FOR"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
# The built GOV.UK Frontend assets (frontend/build.sh) live in the package, outside any one app.
STATICFILES_DIRS = [BASE_DIR / "childsafe" / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from finders; this only quiets it
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    # Documents and photographs (childsafe.files, ADR 0025): outside the web root, never given a URL.
    "childsafe_files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "files"), "base_url": None},
    },
}
if os.environ.get("CHILDSAFE_FILES_S3_BUCKET"):
    # S3-compatible object storage in production (django-storages, the `s3` extra). Private objects:
    # downloads still go through the checked view, never a presigned or public URL.
    STORAGES["childsafe_files"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["CHILDSAFE_FILES_S3_BUCKET"],
            "endpoint_url": os.environ.get("CHILDSAFE_FILES_S3_ENDPOINT") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
if os.environ.get("CHILDSAFE_REPLAY_DATABASE"):
    # A replay's files go beside its throwaway database, not into the force's store.
    STORAGES["childsafe_files"]["OPTIONS"] = {
        "location": str(Path(os.environ["CHILDSAFE_REPLAY_DATABASE"]).parent / "files"),
        "base_url": None,
    }
# The largest document or photograph taken, and the largest image (a bigger one is refused before decoding).
CHILDSAFE_FILES_MAX_BYTES = int(os.environ.get("CHILDSAFE_FILES_MAX_BYTES", str(25 * 1024 * 1024)))
CHILDSAFE_FILES_MAX_IMAGE_SIDE = 12_000
CHILDSAFE_FILES_MAX_IMAGE_PIXELS = 50_000_000
WHITENOISE_USE_FINDERS = True

# Email (Operation Encompass, local authority notices...) goes through the outbox and this SMTP server.
EMAIL_HOST = os.environ.get("CHILDSAFE_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("CHILDSAFE_SMTP_PORT", "1025"))
EMAIL_HOST_USER = os.environ.get("CHILDSAFE_SMTP_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("CHILDSAFE_SMTP_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("CHILDSAFE_SMTP_STARTTLS", "") == "1"
EMAIL_USE_SSL = os.environ.get("CHILDSAFE_SMTP_SSL", "") == "1"
EMAIL_TIMEOUT = int(os.environ.get("CHILDSAFE_SMTP_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("CHILDSAFE_FROM_EMAIL", "childsafe@police.example")
# The base address partners are sent links to (the portal).
CHILDSAFE_BASE_URL = os.environ.get("CHILDSAFE_BASE_URL", "http://127.0.0.1:8000")

# Outbound message transports by name; the replay swaps in a recording transport.
CHILDSAFE_TRANSPORTS = {"email": "childsafe.core.transports.SmtpEmailTransport"}

# Viewing a child's record outside one's own area or involvement asks for a reason (DPA 2018 s62).
CHILDSAFE_REQUIRE_JUSTIFICATION_OUTSIDE_AREA = True
# A second factor at sign-in (ADR 0026): on in production; off by default so the demo can be looked round.
CHILDSAFE_REQUIRE_2FA = os.environ.get("CHILDSAFE_REQUIRE_2FA", "0") == "1"
OTP_TOTP_ISSUER = "Childsafe"
# django-otp's own delay doubles without end (a stranger could shut a user out); ours caps it (twofactor.flow).
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "filters": {"quiet_forbidden": {"()": "childsafe.core.logfilters.QuietForbidden"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["quiet_forbidden"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("CHILDSAFE_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
