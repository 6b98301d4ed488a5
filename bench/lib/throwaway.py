"""A throwaway database (SQLite or PostgreSQL) for one benchmark run."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def is_postgres(url: str) -> bool:
    return urlsplit(url).scheme in ("postgres", "postgresql", "pgsql")


@contextmanager
def throwaway_postgres(admin_url: str, name: str, *, keep: bool = False) -> Iterator[str]:
    """A fresh database called `name` on the admin URL's server; yields its URL; drops it at the end.

    `keep`: the database is kept at the end, and one already there is used as it is (not emptied).
    """
    import psycopg

    parts = urlsplit(admin_url)
    if parts.path.strip("/") == name:
        sys.exit(f"Give the server's admin database (e.g. .../postgres), not {name} itself.")
    bench_url = urlunsplit(parts._replace(path=f"/{name}"))

    def admin(sql: str) -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql)

    if keep:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            there = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not there:
            admin(f'CREATE DATABASE "{name}"')
        yield bench_url
        return
    # WITH (FORCE) (PostgreSQL 13+) ends sessions a crashed run (or its worker) left open.
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{name}"')
    try:
        yield bench_url
    finally:
        from django.db import connections

        connections.close_all()
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


REPO = Path(__file__).resolve().parents[2]


@contextmanager
def bench_database(
    database_url: str | None, database_name: str, *, keep: str | None = None, keep_database: bool = False
) -> Iterator[None]:
    """Point Django at a throwaway database for one benchmark run, and clean up after it.

    Local settings, with CHILDSAFE_VAR_DIR (the SQLite file and a generated secret key) in a temporary
    directory, or in `keep` (kept for the next run), so var/ is never touched. A PostgreSQL admin URL
    (usually .../postgres) gets a fresh database `database_name` on that server, dropped at the end (with
    `keep_database`, kept, and reused if there); another URL is used as given (yours to empty and remove);
    none, the SQLite file.
    """
    sys.path.insert(0, str(REPO))
    os.environ["DJANGO_SETTINGS_MODULE"] = "childsafe.config.settings.local"
    var_dir = keep or tempfile.mkdtemp(prefix="childsafe-bench-")
    Path(var_dir).mkdir(parents=True, exist_ok=True)
    os.environ["CHILDSAFE_VAR_DIR"] = var_dir
    os.environ.pop("CHILDSAFE_REPLAY_DATABASE", None)
    try:
        if database_url and is_postgres(database_url):
            with throwaway_postgres(database_url, database_name, keep=keep_database) as url:
                os.environ["DATABASE_URL"] = url
                yield
        else:
            if database_url:
                os.environ["DATABASE_URL"] = database_url
            else:
                os.environ.pop("DATABASE_URL", None)
            yield
    finally:
        if not keep:
            shutil.rmtree(var_dir, ignore_errors=True)
