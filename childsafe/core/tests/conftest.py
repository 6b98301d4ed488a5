"""Fixtures for the outbox and worker tests: a real SMTP server, the simulated clock, real worker processes."""

from __future__ import annotations

import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from childsafe.core import clock
from childsafe.core.tests.smtp import SmtpServer

REPO = Path(__file__).resolve().parents[3]
# The subprocess workers' lease: short, so that a killed worker's message is taken over in seconds.
TEST_LEASE_SECONDS = 3


@pytest.fixture
def smtp_server(settings, caplog) -> Iterator[SmtpServer]:
    """A real SMTP server on loopback, and Django's email settings pointed at it."""
    caplog.set_level(logging.WARNING, logger="mail.log")  # aiosmtpd logs every command at INFO
    server = SmtpServer().start()
    settings.EMAIL_HOST = server.host
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    try:
        yield server
    finally:
        server.stop()


class SimulatedClock:
    """`core.clock` fixed at a moment the test moves; reset to the real clock at teardown."""

    def __init__(self, start: datetime) -> None:
        self.set(start)

    def set(self, when: datetime) -> datetime:
        clock.set_now(when)
        return clock.now()

    def advance(self, delta: timedelta) -> datetime:
        return clock.advance(delta)

    @property
    def now(self) -> datetime:
        return clock.now()


@pytest.fixture
def sim_clock() -> Iterator[SimulatedClock]:
    try:
        yield SimulatedClock(datetime(2025, 3, 10, 21, 0, tzinfo=UTC))
    finally:
        clock.set_now(None)


# PostgreSQL: don't wait for each commit to be flushed to disk. Visibility, locking and so every claim
# race are unchanged; only durability after a database crash, which no test here looks at, is given up.
# The outbox commits several times per message, and on these machines each fsync costs milliseconds.
ASYNCHRONOUS_COMMIT = "-c synchronous_commit=off"


@pytest.fixture
def asynchronous_commit() -> Iterator[None]:
    from django.db import connection

    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


@pytest.fixture
def shared_database(tmp_path) -> Iterator[dict[str, str]]:
    """Environment that lets another process reach this test's database; the test must be transactional.

    PostgreSQL: the test database by name. SQLite: pytest-django's test database is in memory, which
    no other process can open, so copy it (SQLite's online backup) to a file and move this test's
    connection onto that file for the rest of the test; the worker opens the same file through
    CHILDSAFE_VAR_DIR, with the same settings (WAL, IMMEDIATE transactions, busy timeout) as production.
    """
    from django.db import connection

    if connection.vendor == "postgresql":
        s = connection.settings_dict
        auth = quote(s["USER"] or "", safe="")
        if s.get("PASSWORD"):
            auth += ":" + quote(s["PASSWORD"], safe="")
        host = f"{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}"
        yield {
            "DATABASE_URL": f"postgres://{auth}@{host}/{quote(s['NAME'], safe='')}",
            "PGOPTIONS": ASYNCHRONOUS_COMMIT,  # read by libpq, under psycopg
        }
        return
    if connection.vendor != "sqlite":
        pytest.skip(f"No way to share a {connection.vendor} test database with a worker process.")

    var_dir = tmp_path / "var"
    var_dir.mkdir()
    path = var_dir / "childsafe.sqlite3"  # the name base.py gives the database under CHILDSAFE_VAR_DIR
    connection.ensure_connection()
    memory_connection, memory_name = connection.connection, connection.settings_dict["NAME"]
    copy = sqlite3.connect(path)
    try:
        memory_connection.backup(copy)
    finally:
        copy.close()
    # Django never closes an in-memory database (closing would destroy it), so step around it: keep its
    # connection aside, open the file in its place, and put it back at teardown for pytest-django's flush.
    connection.connection = None
    connection.settings_dict["NAME"] = str(path)
    try:
        yield {"CHILDSAFE_VAR_DIR": str(var_dir)}
    finally:
        connection.close()
        connection.settings_dict["NAME"] = memory_name
        connection.connection = memory_connection


@dataclass
class WorkerProcess:
    name: str
    proc: subprocess.Popen
    log_path: Path

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def wait(self, timeout: float) -> int:
        return self.proc.wait(timeout=timeout)

    def wait_for_output(self, text: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            if self.proc.poll() is not None:
                raise AssertionError(f"Worker {self.name} exited ({self.proc.returncode}):\n{self.output()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"Worker {self.name} did not print {text!r}:\n{self.output()}")
            time.sleep(0.05)


@pytest.fixture
def spawn_worker(shared_database, smtp_server, tmp_path) -> Iterator[Callable[..., WorkerProcess]]:
    """Start `childsafe worker` as a real process against this test's database and SMTP server."""
    started: list[WorkerProcess] = []

    def spawn(name: str, *, poll: float = 0.2) -> WorkerProcess:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CHILDSAFE_REPLAY_DATABASE"}}
        env.update(shared_database)
        env.update(
            DJANGO_SETTINGS_MODULE="childsafe.config.settings.test",
            CHILDSAFE_SMTP_HOST=smtp_server.host,
            CHILDSAFE_SMTP_PORT=str(smtp_server.port),
            CHILDSAFE_SMTP_TIMEOUT="10",
            CHILDSAFE_OUTBOX_LEASE_SECONDS=str(TEST_LEASE_SECONDS),
            CHILDSAFE_LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        log_path = tmp_path / f"{name}.log"
        with log_path.open("wb") as log_file:
            proc = subprocess.Popen(
                [sys.executable, "-m", "childsafe.cli", "worker", "--poll", str(poll), "--name", name],
                cwd=REPO,
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        worker = WorkerProcess(name, proc, log_path)
        started.append(worker)
        return worker

    try:
        yield spawn
    finally:
        # Only the processes this fixture started, by their own handle; a worker left holding a
        # connection would block pytest-django's flush of the test database.
        for worker in started:
            if worker.proc.poll() is None:
                worker.proc.send_signal(signal.SIGKILL)
                worker.proc.wait(timeout=10)
