"""Notifications under faults: none lost, how many duplicated, how soon the outbox drains. Asserts nothing.

    .venv/bin/python bench/outbox_faults.py --small                       # 500 messages, SQLite: seconds
    .venv/bin/python bench/outbox_faults.py                               # 10,000 messages, SQLite
    .venv/bin/python bench/outbox_faults.py --database postgres           # 10,000, a PostgreSQL of its own

Queues N emails through the real outbox (`childsafe.core.outbox.enqueue`, in transactions of 100, from a
producer thread while delivery runs), and has real `childsafe worker` processes deliver them to a real
SMTP server on loopback (aiosmtpd, in this process) that records every Message-ID it accepts. While
they deliver, at points spread over the delivery (when a share of the messages has arrived), it:

- kills a worker with SIGKILL and starts a new one at once (`--kills`);
- stops the SMTP server for `--outage` seconds, then starts it again on the same port (`--smtp-outages`);
- with `--database postgres`, crashes the database server (`pg_ctl stop -m immediate`) and starts it
  again (`--db-restarts`). That server is a throwaway one: `initdb` of a data directory in a temporary
  directory, `pg_ctl start` on a free port of its own, removed at the end (as root, run as the
  `postgres` user). The machine's own PostgreSQL is never touched.

Then waits for the outbox to be empty (every message delivered) and prints one line per figure:
created, delivered once, duplicated (a Message-ID accepted more than once), lost (created but never
accepted), the drain time (from the end of the last fault to the outbox empty) and the worker restarts,
then the faults and how soon delivery resumed after each kind.

--small: 500 messages, 2 kills, 1 SMTP outage of 2 s (and 1 database restart on PostgreSQL), with the
retry back-off shortened to 2 s (CHILDSAFE_OUTBOX_BACKOFF_SECONDS) so it finishes in well under a
minute; the full run keeps the production back-off (30 s, then every minute) and lease.
"""

from __future__ import annotations

import argparse
import glob
import logging
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import TypeVar

from lib.throwaway import bench_database

REPO = Path(__file__).resolve().parents[1]
BENCH_DATABASE = "childsafe_bench_faults"
BATCH = 100  # messages queued per transaction
WORKER_POLL = "0.2"
STALL_SECONDS = 300.0  # if no progress towards the next fault for this long, fire it anyway
T = TypeVar("T")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true", help="500 messages and fewer faults: seconds, on SQLite.")
    parser.add_argument("--messages", type=int, help="How many emails to queue (default 10,000; 500 with --small).")
    parser.add_argument(
        "--database",
        choices=["sqlite", "postgres"],
        default="sqlite",
        help="sqlite (a temporary file) or postgres (a throwaway server started with initdb and pg_ctl).",
    )
    parser.add_argument("--workers", type=int, help="Worker processes at once (default 1 on SQLite, 2 on PostgreSQL).")
    parser.add_argument("--kills", type=int, help="Workers killed with SIGKILL (default 20; 2 with --small).")
    parser.add_argument("--smtp-outages", type=int, help="Times the SMTP server is stopped (default 3; 1 small).")
    parser.add_argument("--outage", type=float, help="Seconds the SMTP server stays down (default 20; 2 small).")
    parser.add_argument("--db-restarts", type=int, help="PostgreSQL crashes and restarts (default 3; 1 small).")
    parser.add_argument("--drain-timeout", type=float, help="Seconds to wait for the outbox to empty (default 900).")
    parser.add_argument("--seed", type=int, default=10, help="Orders the faults (default 10).")
    args = parser.parse_args(argv)
    small = args.small
    args.messages = args.messages or (500 if small else 10_000)
    args.workers = args.workers or (2 if args.database == "postgres" else 1)
    args.kills = 2 if small and args.kills is None else (20 if args.kills is None else args.kills)
    args.smtp_outages = 1 if small and args.smtp_outages is None else (args.smtp_outages or 3)
    args.outage = args.outage or (2.0 if small else 20.0)
    if args.database != "postgres":
        args.db_restarts = 0
    elif args.db_restarts is None:
        args.db_restarts = 1 if small else 3
    args.drain_timeout = args.drain_timeout or (120.0 if small else 900.0)
    if args.messages <= 0 or args.workers <= 0:
        parser.error("--messages and --workers must be more than 0.")
    return args


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# The throwaway PostgreSQL server -----------------------------------------------------------------------


def postgres_bin() -> Path:
    """The newest installed server's binaries (Debian keeps them under /usr/lib/postgresql/N/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).parent
    sys.exit("No pg_ctl found (looked under /usr/lib/postgresql/*/bin and on PATH).")


class ThrowawayPostgres:
    """A PostgreSQL server of this run's own: its data directory, its port, its socket directory.

    initdb refuses to run as root, so as root every server command runs as the `postgres` user
    (runuser), and the temporary directory is handed to that user.
    """

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="childsafe-bench-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            import pwd

            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]

    @property
    def admin_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        done = subprocess.run([*self.as_user, *command], capture_output=True, text=True)
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}{log}")

    def init(self) -> None:
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
            "--no-sync", "--no-instructions",
        )  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=50"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")

    def crash(self) -> None:
        """Stop as a crash would: no checkpoint, every connection cut; recovery replays the WAL on start."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    @contextmanager
    def running(self) -> Iterator[ThrowawayPostgres]:
        try:
            self.init()
            self.start()
            yield self
        finally:
            try:
                self.stop()
            finally:
                shutil.rmtree(self.root, ignore_errors=True)


# The SMTP server ---------------------------------------------------------------------------------------


class Recorder:
    """aiosmtpd handler: every accepted message's Message-ID with the time it arrived (server's thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.first: dict[str, float] = {}
        self.arrivals: list[float] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        raw = envelope.original_content or envelope.content
        headers = BytesHeaderParser().parsebytes(raw if isinstance(raw, bytes) else raw.encode())
        message_id = "".join(str(headers["Message-ID"] or "").split())
        with self.lock:
            self.counts[message_id] = self.counts.get(message_id, 0) + 1
            self.first.setdefault(message_id, time.monotonic())
            self.arrivals.append(time.monotonic())
        return "250 Message accepted for delivery"

    def unique(self) -> int:
        with self.lock:
            return len(self.counts)

    def first_after(self, moment: float) -> float | None:
        with self.lock:
            return next((t for t in self.arrivals if t >= moment), None)


class Smtp:
    """The mail server, stopped and started again on the same port (a fresh controller each time)."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.port = free_port()
        self.controller = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(
            self.recorder, hostname="127.0.0.1", port=self.port, server_hostname="smtp.bench.test"
        )
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()  # closes the port and drops every open conversation
            self.controller = None


# The workers -------------------------------------------------------------------------------------------


class Workers:
    """`childsafe worker` processes: started, killed, and restarted if one ever exits by itself."""

    def __init__(self, env: dict[str, str], work_dir: Path, count: int) -> None:
        self.env = env
        self.work_dir = work_dir
        self.procs: list[subprocess.Popen | None] = [None] * count
        self.generation = 0
        self.kills = 0
        self.crashes = 0
        self.logs: list[Path] = []

    def start(self, slot: int) -> None:
        self.generation += 1
        name = f"bench-w{slot}-{self.generation}"  # a new name each time, as host-pid would be
        log_path = self.work_dir / f"{name}.log"
        self.logs.append(log_path)
        with log_path.open("wb") as log_file:
            self.procs[slot] = subprocess.Popen(
                [sys.executable, "-m", "childsafe.cli", "worker", "--poll", WORKER_POLL, "--name", name],
                cwd=REPO,
                env=self.env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )

    def start_all(self) -> None:
        for slot in range(len(self.procs)):
            self.start(slot)

    def kill(self, slot: int) -> None:
        proc = self.procs[slot]
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
        self.kills += 1
        self.start(slot)

    def watch(self) -> None:
        """A worker must never die on its own; if one does, count it and start another."""
        for slot, proc in enumerate(self.procs):
            if proc is not None and proc.poll() is not None:
                self.crashes += 1
                print(f"outbox_faults.crash worker exited by itself with {proc.returncode}", flush=True)
                self.start(slot)

    def stop_all(self) -> list[int | None]:
        codes: list[int | None] = []
        for proc in self.procs:
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            if proc is None:
                continue
            try:
                codes.append(proc.wait(timeout=60))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
                codes.append(None)
        return codes

    def count_in_logs(self, text: str) -> int:
        return sum(p.read_text(errors="replace").count(text) for p in self.logs if p.exists())


# The run -----------------------------------------------------------------------------------------------


def with_database(action: Callable[[], T], *, what: str, give_up_after: float = 120.0) -> T:
    """Run a database action, waiting through a database restart (the bench's own reads and writes)."""
    from django.db import InterfaceError, OperationalError, connection

    deadline = time.monotonic() + give_up_after
    while True:
        try:
            return action()
        except (OperationalError, InterfaceError):
            connection.close()
            if time.monotonic() > deadline:
                raise RuntimeError(f"The database was away for over {give_up_after:.0f} s ({what}).") from None
            time.sleep(0.5)


@dataclass
class Producer:
    """Queues the messages through the outbox, BATCH per transaction, retrying a batch a fault cut short."""

    total: int
    keys: list[str] = field(default_factory=list)
    retries: int = 0
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        from django.db import InterfaceError, OperationalError, connection, transaction

        from childsafe.core import outbox

        def queue(start: int) -> None:
            with transaction.atomic():
                for n in range(start, min(start + BATCH, self.total)):
                    key = f"bench-faults:{n:05d}"
                    outbox.enqueue(
                        kind="encompass",
                        recipient=f"dsl@bench-school-{n % 50}.test",
                        recipient_label=f"Bench School {n % 50} (Key Adult)",
                        subject=f"Operation Encompass notice {key}",
                        body=f"A child at your school was present at a domestic abuse incident.\nReference {key}.\n",
                        idempotency_key=key,
                        source_type="bench",
                        source_id=n,
                    )

        try:
            for start in range(0, self.total, BATCH):
                while True:
                    try:
                        queue(start)  # the same keys again after a failed commit queue nothing twice
                        break
                    except (OperationalError, InterfaceError):
                        self.retries += 1
                        connection.close()
                        time.sleep(0.5)
                self.keys.extend(f"bench-faults:{n:05d}" for n in range(start, min(start + BATCH, self.total)))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            self.error = exc
        finally:
            connection.close()
            self.done.set()


def plan_faults(args: argparse.Namespace) -> list[str]:
    kinds = ["kill"] * args.kills + ["smtp"] * args.smtp_outages + ["db"] * args.db_restarts
    random.Random(args.seed).shuffle(kinds)
    return kinds


def run(args: argparse.Namespace, database_label: str, pg: ThrowawayPostgres | None, work_dir: Path) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from childsafe.core.models import OutboxAttempt, OutboxMessage, OutboxStatus
    from childsafe.core.transports import message_id_for

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
    call_command("migrate", verbosity=0)
    connection.close()

    recorder = Recorder()
    smtp = Smtp(recorder)
    smtp.start()
    env = dict(
        os.environ,
        PYTHONUNBUFFERED="1",
        CHILDSAFE_SMTP_HOST="127.0.0.1",
        CHILDSAFE_SMTP_PORT=str(smtp.port),
        CHILDSAFE_SMTP_TIMEOUT="10",
    )
    if args.small:
        env["CHILDSAFE_OUTBOX_BACKOFF_SECONDS"] = "2"
    workers = Workers(env, work_dir, args.workers)
    producer = Producer(args.messages)
    faults = plan_faults(args)
    began: list[tuple[float, str]] = []
    ended: dict[str, list[float]] = {"kill": [], "smtp": [], "db": []}
    started = time.monotonic()
    last_fault_end = started
    drained_at: float | None = None
    try:
        workers.start_all()
        threading.Thread(target=producer.run, daemon=True).start()
        # Fault i fires once (i + 1) / (F + 1) of 90% of the messages have arrived: spread over the delivery.
        for i, kind in enumerate(faults):
            threshold = int(args.messages * 0.9 * (i + 1) / (len(faults) + 1))
            waited_from = time.monotonic()
            while recorder.unique() < threshold and time.monotonic() - waited_from < STALL_SECONDS:
                workers.watch()
                time.sleep(0.05)
            if recorder.unique() < threshold:
                print(f"outbox_faults.stalled at {recorder.unique()} of {threshold} before fault {i + 1}", flush=True)
            began.append((time.monotonic(), kind))
            if kind == "kill":
                workers.kill(workers.kills % args.workers)
            elif kind == "smtp":
                smtp.stop()
                time.sleep(args.outage)
                smtp.start()
            else:
                assert pg is not None
                pg.crash()
                pg.start()
            last_fault_end = time.monotonic()
            ended[kind].append(last_fault_end)

        producer.done.wait()
        if producer.error is not None:
            raise producer.error

        def outbox_empty() -> bool:
            return not OutboxMessage.objects.exclude(status=OutboxStatus.DELIVERED).exists()

        while time.monotonic() - last_fault_end < args.drain_timeout:
            workers.watch()
            if with_database(outbox_empty, what="is the outbox empty"):
                drained_at = time.monotonic()
                break
            time.sleep(0.2)
        # The last message is marked delivered after the server accepted it: nothing more is on its way.
    finally:
        codes = workers.stop_all()
        smtp.stop()

    keys = producer.keys
    created = with_database(lambda: OutboxMessage.objects.filter(source_type="bench").count(), what="count")
    expected = {message_id_for(k) for k in keys}
    counts = dict(recorder.counts)
    once = sum(1 for m in expected if counts.get(m) == 1)
    duplicated = [m for m in expected if counts.get(m, 0) > 1]
    extra_copies = sum(counts[m] - 1 for m in duplicated)
    lost = [m for m in expected if m not in counts]
    # Which fault sent each duplicate: the first fault to begin after its first copy arrived (the copy
    # was accepted, then the fault struck before the worker recorded it), within a lease's time.
    causes: dict[str, int] = {}
    for m in duplicated:
        first = recorder.first[m]
        after = [(t, kind) for t, kind in began if 0 <= t - first <= 20]
        cause = min(after)[1] if after else "none"
        causes[cause] = causes.get(cause, 0) + 1
    strangers = sum(n for m, n in counts.items() if m not in expected)
    states = dict(
        with_database(
            lambda: list(OutboxMessage.objects.values_list("status").annotate(n=django.db.models.Count("id"))),
            what="states",
        )
    )
    temporary = with_database(lambda: OutboxAttempt.objects.filter(outcome="temporary_failure").count(), what="count")
    total_seconds = time.monotonic() - started
    drain = (
        f"{drained_at - last_fault_end:.1f}s" if drained_at is not None else f"not drained in {args.drain_timeout:.0f}s"
    )
    label = f"{database_label} messages={args.messages}"

    print(f"outbox_faults.created {label} created={created} queued_keys={len(keys)}", flush=True)
    print(f"outbox_faults.delivered_once {label} delivered_once={once}", flush=True)
    print(
        f"outbox_faults.duplicated {label} duplicated={len(duplicated)} extra_copies={extra_copies} "
        f"after={','.join(f'{k}:{n}' for k, n in sorted(causes.items())) or '-'}",
        flush=True,
    )
    print(f"outbox_faults.lost {label} lost={len(lost)} (target 0) unknown_received={strangers}", flush=True)
    print(f"outbox_faults.drain {label} drain={drain} (from the end of the last fault to the outbox empty)", flush=True)
    print(
        f"outbox_faults.worker_restarts {label} restarts={workers.kills + workers.crashes} "
        f"killed={workers.kills} exited_by_themselves={workers.crashes} workers={args.workers}",
        flush=True,
    )
    resumes = []
    for kind, moments in ended.items():
        delays = [t - m for m in moments if (t := recorder.first_after(m)) is not None]
        if delays:
            resumes.append(f"resume_after_{kind}_max={max(delays):.1f}s")
    print(
        f"outbox_faults.faults {label} kills={workers.kills} smtp_outages={len(ended['smtp'])}x{args.outage:g}s "
        f"database_restarts={len(ended['db'])} {' '.join(resumes)} total={total_seconds:.0f}s "
        f"load={os.getloadavg()[0]:.2f}",
        flush=True,
    )
    print(
        f"outbox_faults.context {label} outbox={dict(sorted(states.items()))} temporary_failures={temporary} "
        f"worker_database_errors={workers.count_in_logs('database error')} producer_retries={producer.retries} "
        f"worker_exit={codes}",
        flush=True,
    )
    for m in lost[:5]:
        print(f"outbox_faults.lost_message {m}", flush=True)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    os.environ.setdefault("CHILDSAFE_LOG_LEVEL", "INFO")
    work_dir = Path(tempfile.mkdtemp(prefix="childsafe-bench-faults-work-"))
    try:
        if args.database == "postgres":
            pg = ThrowawayPostgres()
            with pg.running(), bench_database(pg.admin_url, BENCH_DATABASE):
                run(args, "postgresql", pg, work_dir)
        else:
            with bench_database(None, BENCH_DATABASE):
                run(args, "sqlite", None, work_dir)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
