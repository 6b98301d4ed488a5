"""How long a school waits for its Operation Encompass email (RF-9). Prints figures; asserts nothing.

    .venv/bin/python bench/encompass_latency.py [--incidents N] [--interval SECONDS] [--small]
                                                [--database-url postgres://USER@HOST:PORT/postgres]

Measures, for each domestic abuse incident, the time from `childsafe.incidents.services.incident_record`
returning (the incident, the EncompassNotification and the outbox row committed) to the school's email
being accepted by a real SMTP server on loopback: an aiosmtpd Controller started by this script, whose
DATA handler notes time.perf_counter() for each Message-ID as it arrives. Delivery is done by a real
`childsafe worker --poll 0.2` subprocess against the same database, stopped with SIGTERM at the end.

Builds its own throwaway database, like bench/intelligence_check.py, so it never touches var/:
- SQLite (the default): a file in a temporary directory (CHILDSAFE_VAR_DIR), deleted at the end.
- PostgreSQL (--database-url, the server's admin database, usually .../postgres): a database named
  childsafe_bench_enc is created there (dropped first if a crashed run left it) and dropped at the end.

Seeds, through the people services: one local authority, five schools with Key Adult emails, and one
school-age child per incident, enrolled at those schools in turn. Then records one incident every
--interval seconds (default 0.05) as a call handler, on the real clock, each for a different child,
and waits (up to 120 s after the last) for every email. One line:

    encompass_latency sqlite n=200 p50=...ms p95=...ms max=...ms delivered=200/200

--small is 20 incidents; the default is 200.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date
from email.parser import BytesHeaderParser
from pathlib import Path

from lib.throwaway import bench_database

REPO = Path(__file__).resolve().parents[1]
BENCH_DATABASE = "childsafe_bench_enc"
SCHOOLS = 5
WAIT_AFTER_LAST = 120.0  # seconds to wait for the last emails before giving up on them
WORKER_POLL = "0.2"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--incidents", type=int, help="How many incidents to record (default 200).")
    parser.add_argument(
        "--interval", type=float, default=0.05, help="Seconds between incidents being started (default 0.05)."
    )
    parser.add_argument("--small", action="store_true", help="20 incidents: a quick look.")
    parser.add_argument(
        "--burst",
        type=int,
        help="N incidents spread over one minute (--interval 60/N), recorded by --recorders call handlers at "
        "once, as on a busy night: e.g. --burst 1000. Prints lost and duplicated emails.",
    )
    parser.add_argument(
        "--recorders", type=int, help="Call handlers recording at the same time, each its own thread (default 1)."
    )
    parser.add_argument(
        "--database-url",
        help="PostgreSQL admin URL (e.g. postgres://postgres@127.0.0.1:5432/postgres): the benchmark creates "
        "and drops a database (--database-name) on that server. Default: a temporary SQLite file.",
    )
    parser.add_argument(
        "--database-name", default=BENCH_DATABASE, help=f"The throwaway PostgreSQL database (default {BENCH_DATABASE})."
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="Worker processes delivering the outbox at once (default 1; several need PostgreSQL, as in production).",
    )
    parser.add_argument(
        "--children",
        type=int,
        help="Children to seed, taken in turn by the incidents (default one per incident; seeding a thousand "
        "through the services takes minutes on a busy machine). Each incident still gets its own notification.",
    )
    parser.add_argument(
        "--poll", default=WORKER_POLL, help=f"The workers' idle poll interval, seconds (default {WORKER_POLL})."
    )
    args = parser.parse_args(argv)
    if args.workers <= 0:
        parser.error("--workers must be more than 0.")
    if args.burst is not None:
        if args.burst <= 0:
            parser.error("--burst must be more than 0.")
        args.incidents = args.burst
        args.interval = 60.0 / args.burst
        args.recorders = args.recorders or 4
    args.recorders = args.recorders or 1
    if args.incidents is None:
        args.incidents = 20 if args.small else 200
    if args.incidents <= 0 or args.interval < 0:
        parser.error("--incidents must be more than 0 and --interval not negative.")
    return args


class Arrivals:
    """aiosmtpd handler: time.perf_counter() of each accepted message, by Message-ID (on the server's thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.at: dict[str, list[float]] = {}

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        arrived = time.perf_counter()
        raw = envelope.original_content or envelope.content
        headers = BytesHeaderParser().parsebytes(raw if isinstance(raw, bytes) else raw.encode())
        message_id = "".join(str(headers["Message-ID"] or "").split())
        with self.lock:
            self.at.setdefault(message_id, []).append(arrived)
        return "250 Message accepted for delivery"

    def first(self, message_id: str) -> float | None:
        with self.lock:
            times = self.at.get(message_id)
            return times[0] if times else None

    def duplicates(self) -> int:
        with self.lock:
            return sum(len(t) - 1 for t in self.at.values())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(samples: list[float], p: int) -> float:
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[p - 1]


def seed(n: int):
    """One local authority, five schools with Key Adult emails, n school-age children enrolled in turn."""
    from childsafe.core import services as core_services
    from childsafe.people import services as people

    la = people.organisation_create(
        actor=None, type="local_authority", name="Bench Council", email="mash@bench-council.test"
    )
    schools = [
        people.organisation_create(
            actor=None,
            type="school",
            name=f"Bench School {s}",
            urn=f"19{s:04d}",
            local_authority=la,
            key_adult_email=f"dsl@bench-school-{s}.test",
            calendar={"base": "england_default"},
        )
        for s in range(SCHOOLS)
    ]
    this_year = date.today().year
    children = [
        people.person_create(
            actor=None,
            forenames=f"Bench{i:04d}",
            surname="Child",
            date_of_birth=date(this_year - 6 - i % 10, 1 + i % 12, 1 + i % 28),  # 5 to 15 years old
            school=schools[i % SCHOOLS],
            local_authority=la,
        ).person
        for i in range(n)
    ]
    handler = core_services.user_create(
        actor=None, username="bench_handler", role="call_handler", password=None, check_password=False
    )
    return handler, children


def start_worker(env: dict[str, str], log_path: Path, name: str, poll: str) -> subprocess.Popen:
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "childsafe.cli", "worker", "--poll", poll, "--name", name],
            cwd=REPO,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while "started" not in log_path.read_text(errors="replace"):
        if proc.poll() is not None:
            sys.exit(f"The worker exited ({proc.returncode}):\n{log_path.read_text(errors='replace')}")
        if time.monotonic() > deadline:
            proc.kill()
            sys.exit(f"The worker did not start in 60 s:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.05)
    return proc


def stop_worker(proc: subprocess.Popen) -> int | None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
            return None
    return proc.returncode


def run(args: argparse.Namespace, worker_env: dict[str, str], work_dir: Path) -> None:
    import django

    django.setup()
    from aiosmtpd.controller import Controller
    from django.core.management import call_command
    from django.db import connection

    from childsafe.core.models import OutboxMessage
    from childsafe.core.transports import message_id_for
    from childsafe.incidents import services as incidents
    from childsafe.referrals.models import EncompassNotification

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
    vendor = connection.vendor
    call_command("migrate", verbosity=0)
    handler, children = seed(min(args.children or args.incidents, args.incidents))

    arrivals = Arrivals()
    port = free_port()  # aiosmtpd's start-up check connects to the port it was given, so not 0
    controller = Controller(arrivals, hostname="127.0.0.1", port=port, server_hostname="smtp.bench.test")
    controller.start()
    env = dict(worker_env, CHILDSAFE_SMTP_HOST="127.0.0.1", CHILDSAFE_SMTP_PORT=str(port))
    workers = [
        start_worker(env, work_dir / f"worker{n}.log", f"bench-worker-{n}", args.poll) for n in range(args.workers)
    ]
    try:
        saved: dict[str, float] = {}
        recording: list[float] = []
        failures: list[str] = []
        started = time.perf_counter()

        def record(turn: int) -> None:
            # Each recorder (a call handler) takes every --recorders-th incident on the shared timetable.
            try:
                for i in range(turn, args.incidents, args.recorders):
                    pause = started + i * args.interval - time.perf_counter()
                    if pause > 0:
                        time.sleep(pause)
                    begun = time.perf_counter()
                    recorded = incidents.incident_record(
                        actor=handler,
                        type="domestic_abuse",
                        grade=1,
                        location=f"{i} Bench Street, York",
                        summary="Woman assaulted by partner; children in the house.",
                        children=[incidents.ChildOnIncident(children[i % len(children)], present=True, resident=True)],
                        channel="bench",
                    )
                    returned = time.perf_counter()  # incident_record commits before returning
                    recording.append(returned - begun)
                    notes = EncompassNotification.objects.filter(incident=recorded.incident)
                    for pk in notes.values_list("pk", flat=True):
                        saved[message_id_for(f"encompass:{pk}")] = returned
            except Exception as exc:  # noqa: BLE001 - counted and printed: a lost incident is a figure
                failures.append(repr(exc))
            finally:
                if args.recorders > 1:
                    connection.close()  # this thread's own connection

        if args.recorders == 1:
            record(0)
        else:
            threads = [threading.Thread(target=record, args=(turn,)) for turn in range(args.recorders)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        last_saved = time.perf_counter()
        recording_seconds = last_saved - started
        while time.perf_counter() - last_saved < WAIT_AFTER_LAST:
            if all(arrivals.first(m) is not None for m in saved):
                break
            time.sleep(0.05)
    finally:
        codes = [stop_worker(worker) for worker in workers]
        code = codes[0] if len(set(codes)) == 1 else codes
        controller.stop()

    latencies = [arrivals.first(m) - t for m, t in saved.items() if arrivals.first(m) is not None]
    if not saved:
        sys.exit("No Encompass notification was created: nothing to time.")
    figures = (
        " ".join(f"{name}={value * 1000:.0f}ms" for name, value in _stats(latencies).items())
        if latencies
        else "p50=- p95=- max=-"
    )
    print(
        f"encompass_latency {vendor} n={args.incidents} {figures} delivered={len(latencies)}/{len(saved)}"
        f" duplicates={arrivals.duplicates()} worker_exit={code}",
        flush=True,
    )
    if args.burst is not None:
        p95 = f"{percentile(latencies, 95) * 1000:.0f}ms" if latencies else "-"
        print(
            f"encompass_latency.burst {vendor} incidents={args.incidents} recorders={args.recorders} "
            f"workers={args.workers} recorded={len(recording)} in {recording_seconds:.1f}s p95={p95} (target 2000ms) "
            f"lost={len(saved) - len(latencies)} record_failures={len(failures)} duplicated={arrivals.duplicates()} "
            f"load={os.getloadavg()[0]:.2f}",
            flush=True,
        )
        for failure in failures[:5]:
            print(f"encompass_latency.failure {failure}", flush=True)
    # Context for the figure: how long incident_record itself took, and the worker's own view (outbox row
    # created to marked delivered, both on the system clock, written by the two processes).
    queued = [
        (delivered - created).total_seconds()
        for created, delivered in OutboxMessage.objects.filter(
            kind="encompass", delivered_at__isnull=False
        ).values_list("created_at", "delivered_at")
    ]
    firsts = sorted(t for m in saved if (t := arrivals.first(m)) is not None)
    span = firsts[-1] - firsts[0] if len(firsts) > 1 else 0.0
    rates = f"recorded_per_s={len(recording) / recording_seconds:.1f} " if recording_seconds else ""
    rates += f"delivered_per_s={(len(firsts) - 1) / span:.1f} " if span else ""
    print(
        f"encompass_latency.context {vendor} n={args.incidents} {rates}"
        f"record_p50={percentile(recording, 50) * 1000:.0f}ms record_p95={percentile(recording, 95) * 1000:.0f}ms "
        + (
            f"outbox_p50={percentile(queued, 50) * 1000:.0f}ms outbox_p95={percentile(queued, 95) * 1000:.0f}ms"
            if queued
            else "outbox=-"
        ),
        flush=True,
    )


def _stats(samples: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(samples, 50),
        "p95": percentile(samples, 95),
        "max": max(samples),
        "mean": statistics.fmean(samples),
    }


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    os.environ.setdefault("CHILDSAFE_LOG_LEVEL", "INFO")  # the worker says "started" at INFO
    work_dir = Path(tempfile.mkdtemp(prefix="childsafe-bench-enc-work-"))
    try:
        with bench_database(args.database_url, args.database_name):
            run(args, dict(os.environ, PYTHONUNBUFFERED="1"), work_dir)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
