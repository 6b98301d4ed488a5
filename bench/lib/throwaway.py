"""A throwaway PostgreSQL database for one benchmark run."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit


def is_postgres(url: str) -> bool:
    return urlsplit(url).scheme in ("postgres", "postgresql", "pgsql")


@contextmanager
def throwaway_postgres(admin_url: str, name: str) -> Iterator[str]:
    """A fresh database called `name` on the admin URL's server; yields its URL; drops it at the end."""
    import psycopg

    parts = urlsplit(admin_url)
    if parts.path.strip("/") == name:
        sys.exit(f"Give the server's admin database (e.g. .../postgres), not {name} itself.")
    bench_url = urlunsplit(parts._replace(path=f"/{name}"))

    def admin(sql: str) -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(sql)

    # WITH (FORCE) (PostgreSQL 13+) ends sessions a crashed run (or its worker) left open.
    admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin(f'CREATE DATABASE "{name}"')
    try:
        yield bench_url
    finally:
        from django.db import connections

        connections.close_all()
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
