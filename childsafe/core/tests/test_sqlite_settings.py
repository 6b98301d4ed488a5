"""SQLite in WAL mode with a busy timeout (issue 10, item 6): readers read the last commit while a write
runs, and a writer waits its turn instead of failing at once with "database is locked"."""

from __future__ import annotations

from django.db.backends.sqlite3.base import DatabaseWrapper

from childsafe.config.settings.base import database_from_env


def test_an_sqlite_database_opens_in_wal_mode_with_a_busy_timeout(tmp_path, monkeypatch, django_db_blocker):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = database_from_env(tmp_path / "childsafe.sqlite3")
    config.update({"TIME_ZONE": None, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False, "AUTOCOMMIT": True})
    config.setdefault("ATOMIC_REQUESTS", False)
    config.setdefault("TEST", {})
    wrapper = DatabaseWrapper(config, alias="wal_check")
    try:
        with django_db_blocker.unblock(), wrapper.cursor() as cursor:
            assert cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert cursor.execute("PRAGMA busy_timeout").fetchone()[0] == 20_000
            assert cursor.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    finally:
        wrapper.close()


def test_an_sqlite_connection_is_kept_between_requests_as_postgresqls_is(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_from_env(tmp_path / "childsafe.sqlite3")["CONN_MAX_AGE"] == 60
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/childsafe")
    assert database_from_env(tmp_path / "unused.sqlite3")["CONN_MAX_AGE"] == 60


def test_postgresql_statements_are_prepared_unless_turned_off(tmp_path, monkeypatch):
    """ADR 0063: server-side binding, each statement prepared from its second run on the connection."""
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/childsafe")
    monkeypatch.delenv("CHILDSAFE_PG_PREPARE", raising=False)
    options = database_from_env(tmp_path / "unused.sqlite3")["OPTIONS"]
    assert options["server_side_binding"] is True and options["prepare_threshold"] == 1
    monkeypatch.setenv("CHILDSAFE_PG_PREPARE", "0")
    assert "prepare_threshold" not in database_from_env(tmp_path / "unused.sqlite3").get("OPTIONS", {})


def test_an_sqlite_database_url_gets_no_postgresql_options(tmp_path, monkeypatch):
    """A benchmark or a tool may name an SQLite file by URL: psycopg's options would stop it connecting."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'named.sqlite3'}")
    monkeypatch.delenv("CHILDSAFE_PG_PREPARE", raising=False)
    config = database_from_env(tmp_path / "unused.sqlite3")
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert "server_side_binding" not in config.get("OPTIONS", {})
