"""`childsafe backup` and `childsafe restore` (DPA 2018 s66: security of processing, including restoring
access to the data after an incident). Issue 10, item 9.

SQLite: SQLite's online backup API, a consistent copy taken while the service runs.
PostgreSQL: pg_dump's custom format, restored with pg_restore (which drops and recreates every table).
After a restore the audit chain is verified, so a backup that was altered shows at once.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db import connection

from childsafe.core import audit
from childsafe.core.audit_chain import Verdict


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class Counts:
    rows: dict[str, int]

    def total(self) -> int:
        return sum(self.rows.values())


def record_counts() -> Counts:
    """Rows per table of every Childsafe model: what a restore must give back."""
    rows = {}
    for model in apps.get_models():
        if model._meta.app_label in {"sessions", "admin"} or not model._meta.managed:
            continue
        rows[model._meta.label] = model._default_manager.count()
    return Counts(rows)


def _pg_env() -> tuple[list[str], dict[str, str]]:
    settings = connection.settings_dict
    args = ["--host", settings.get("HOST") or "127.0.0.1", "--port", str(settings.get("PORT") or 5432)]
    if settings.get("USER"):
        args += ["--username", settings["USER"]]
    env = os.environ.copy()
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = settings["PASSWORD"]
    return args, env


def _run(command: list[str], env: dict[str, str]) -> None:
    # The PostgreSQL client tools by name, with arguments we build: no shell, no user input but a path.
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip() or done.stdout.strip()}")


def backup(path: Path) -> Counts:
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} already exists: choose a new file name, so no backup is overwritten.")
    counts = record_counts()
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    elif connection.vendor == "postgresql":
        args, env = _pg_env()
        _run(["pg_dump", "--format=custom", "--file", str(path), *args, connection.settings_dict["NAME"]], env)
    else:
        raise BackupError(f"No backup for the {connection.vendor} database.")
    return counts


def restore(path: Path) -> tuple[Counts, Verdict]:
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"There is no backup file at {path}.")
    if connection.vendor == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if source.execute("PRAGMA integrity_check").fetchone() != ("ok",):
                raise BackupError(f"{path} is damaged: SQLite's integrity check failed.")
            connection.ensure_connection()
            source.backup(connection.connection)
        finally:
            source.close()
    elif connection.vendor == "postgresql":
        args, env = _pg_env()
        connection.close()  # pg_restore drops the tables: no open transaction of ours may hold them
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                *args,
                "--dbname",
                connection.settings_dict["NAME"],
                str(path),
            ],
            env,
        )
    else:
        raise BackupError(f"No restore for the {connection.vendor} database.")
    return record_counts(), audit.verify()
