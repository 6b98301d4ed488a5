"""PPN submission throughput through the real API and the real server, with concurrent clients. Prints figures;
asserts nothing.

    .venv/bin/python bench/ppn_api.py [--clients N] [--seconds S] [--servers P] [--threads T] [--scale S] [--small]
                                      [--database-url postgres://USER@HOST:PORT/postgres] [--database-name NAME]

Builds a synthetic force (`childsafe.demo.generator.generate`), gives each client its own response
officer (in one of the three command areas, in turn) and API token (`core.services.api_token_create`, as
`childsafe token` does), then starts the server as in production: `python -m childsafe.cli serve` (waitress;
`--servers` processes, default 4, each with `--threads` worker threads, default 2, each on a free localhost
port), as subprocesses against the same database. N client threads (default 20), each with its own
keep-alive `http.client` connection and token, POST valid PPNs to `/api/v1/referrals/ppns` for children in
their officer's area, one after another, for S seconds (default 120). Every request is timed from sending
to the whole response read; anything but 201 counts as an error (the first few are printed).

Builds its own throwaway database, like bench/intelligence_check.py:
- SQLite (the default): a file in a temporary directory (CHILDSAFE_VAR_DIR), deleted at the end.
- PostgreSQL (--database-url, the server's admin database, usually .../postgres): a database named
  --database-name (default childsafe_bench_ppn) is created there, dropped first if a crashed run left
  it, and dropped at the end.

One line per figure, and a line of context (the SQL statements one submission makes, counted in
process through Django's test Client before the server starts):

    ppn_api postgresql clients=20 seconds=120 requests=... rps=... p50=...ms p95=...ms p99=...ms errors=0

--small is 10 seconds at scale 1; the default is 120 seconds at scale 20 (about 100,000 people).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from lib.force import Force, analyse, force

REPO = Path(__file__).resolve().parents[1]
BENCH_DATABASE = "childsafe_bench_ppn"
AREAS = ("city", "west", "east")
JUSTIFICATION = "Bench: PPN sent from the custody system"
AWARE = {
    "appearance": "Thin, in the same clothes as at the last visit.",
    "words": "Said there was no food in the house.",
    "activity": "Quiet, watching the door.",
    "relationships": "Flinches when the mother's partner speaks.",
    "environment": "No food in the kitchen; heating off.",
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=20, help="Concurrent clients (default 20).")
    parser.add_argument("--seconds", type=float, help="How long the clients submit (default 120).")
    parser.add_argument("--threads", type=int, default=2, help="Each server process's worker threads (default 2).")
    parser.add_argument(
        "--servers",
        type=int,
        default=4,
        help="How many server processes, each on its own port; clients take them in turn, as a load "
        "balancer would spread them over stateless web processes (default 4: on two cores, four processes "
        "of two threads served the most; one process runs Python on one core at a time).",
    )
    parser.add_argument(
        "--show-queries",
        action="store_true",
        help="Print the SQL statements of the counted submission (ppn_api.query lines), then the run.",
    )
    parser.add_argument("--scale", type=float, help="Synthetic force size (default 20, about 100,000 people).")
    parser.add_argument("--small", action="store_true", help="10 seconds at scale 1: a quick look.")
    parser.add_argument("--seed", type=int, default=1, help="Seed for the force and the children (default 1).")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL admin URL (e.g. postgres://postgres@127.0.0.1:5432/postgres): the benchmark creates "
        "and drops a database (--database-name) on that server. Default: a temporary SQLite file.",
    )
    parser.add_argument(
        "--database-name", default=BENCH_DATABASE, help=f"The throwaway PostgreSQL database (default {BENCH_DATABASE})."
    )
    args = parser.parse_args(argv)
    small_seconds, small_scale = (10.0, 1.0) if args.small else (120.0, 20.0)
    args.seconds = args.seconds if args.seconds is not None else small_seconds
    args.scale = args.scale if args.scale is not None else small_scale
    if args.clients <= 0 or args.seconds <= 0 or args.scale <= 0 or args.threads <= 0 or args.servers <= 0:
        parser.error("--clients, --seconds, --scale, --threads and --servers must be more than 0.")
    return args


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def body_for(child_id: int, n: int) -> bytes:
    return json.dumps(
        {
            "concern": f"Neglect: no food at home, child left alone overnight (bench submission {n}).",
            "children": [
                {"person_id": child_id, "aware": AWARE, "voice": "'I'm hungry, there's nothing in.'", "ethnicity": "NS"}
            ],
            "other_children": "A younger brother, 3, lives there too.",
        }
    ).encode()


def seed_clients(args: argparse.Namespace) -> list[tuple[str, list[int]]]:
    """One response officer and token per client, with the children in their area."""
    from childsafe.core import clock
    from childsafe.core import services as core_services
    from childsafe.core.models import Area
    from childsafe.people.models import Person

    admin = core_services.user_create(
        actor=None, username="bench_admin", role="administrator", password=None, check_password=False
    )
    areas = {a.code: a for a in Area.objects.filter(code__in=AREAS)}
    today = clock.today_london()
    adult_cut = today.replace(year=today.year - 18, day=min(today.day, 28))
    rng = random.Random(args.seed)
    clients = []
    for i in range(args.clients):
        area = areas[AREAS[i % len(AREAS)]]
        officer = core_services.user_create(
            actor=None,
            username=f"bench_pc_{i:02d}",
            role="response_officer",
            password=None,
            check_password=False,
            area=area,
            service_account=True,  # only a service account holds API tokens
        )
        _, token = core_services.api_token_create(actor=admin, user=officer, name=f"bench client {i}")
        children = list(
            Person.objects.filter(area=area, date_of_birth__gt=adult_cut).order_by("pk").values_list("pk", flat=True)
        )
        if not children:
            sys.exit(f"The synthetic force has no children in the {area.code} area: try a larger --scale.")
        clients.append((token, rng.sample(children, min(len(children), 2_000))))
    return clients


def queries_per_submission(token: str, child_id: int, *, show: bool = False) -> tuple[int, int]:
    """SQL statements one submission makes, in process (Django's test Client), and its status."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
    url = f"/api/v1/referrals/ppns?justification={JUSTIFICATION.replace(' ', '+')}"
    client.post(url, body_for(child_id, 0), content_type="application/json")  # warm
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, body_for(child_id, 1), content_type="application/json")
    if show:
        for n, query in enumerate(captured.captured_queries, 1):
            print(f"ppn_api.query {n} {' '.join(query['sql'].split())[:300]}", flush=True)
    return len(captured), response.status_code


def start_server(env: dict[str, str], port: int, threads: int, log_path: Path) -> subprocess.Popen:
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "childsafe.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--threads", str(threads)],
            cwd=REPO,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            sys.exit(f"The server exited ({proc.returncode}):\n{log_path.read_text(errors='replace')}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/openapi.json")
            conn.getresponse().read()
            conn.close()
            return proc
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                sys.exit(f"The server did not answer in 60 s:\n{log_path.read_text(errors='replace')}")
            time.sleep(0.1)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (Linux /proc), 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_backends(vendor: str) -> list[int]:
    """The PostgreSQL backends serving the benchmark's database (the servers' connections), not this one."""
    if vendor != "postgresql":
        return []
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [row[0] for row in cursor.fetchall()]


class BackendSampler(threading.Thread):
    """Every half second, the CPU time of each PostgreSQL backend serving the benchmark's database: the
    servers' connections come and go (CONN_MAX_AGE), so their last reading before they end is what they used."""

    def __init__(self, vendor: str) -> None:
        super().__init__(daemon=True)
        self.vendor = vendor
        self.stop = threading.Event()
        self.seen: dict[int, float] = {}

    def run(self) -> None:
        from django.db import connection

        try:
            while not self.stop.is_set():
                for pid in database_backends(self.vendor):
                    self.seen[pid] = max(self.seen.get(pid, 0.0), cpu_seconds(pid))
                self.stop.wait(0.5)
        finally:
            connection.close()

    def total(self) -> float:
        self.stop.set()
        self.join(timeout=10)
        return sum(self.seen.values())


def load_average() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors = 0
        self.samples: list[str] = []

    def add(self, seconds: float, status: int, detail: str = "") -> None:
        with self.lock:
            if status == 201:
                self.latencies.append(seconds)
            else:
                self.errors += 1
                if len(self.samples) < 5:
                    self.samples.append(f"{status} {detail[:200]}")


def client_loop(port: int, token: str, children: list[int], stop_at: float, results: Results, seed: int) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    url = f"/api/v1/referrals/ppns?justification={JUSTIFICATION.replace(' ', '+')}"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    n = 0
    while time.perf_counter() < stop_at:
        n += 1
        body = body_for(rng.choice(children), n)
        t0 = time.perf_counter()
        try:
            conn.request("POST", url, body=body, headers=headers)
            response = conn.getresponse()
            content = response.read()
            results.add(time.perf_counter() - t0, response.status, content.decode(errors="replace"))
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        except (OSError, http.client.HTTPException) as exc:
            results.add(time.perf_counter() - t0, 0, repr(exc))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.close()


def run(args: argparse.Namespace, synthetic: Force, work_dir: Path) -> None:
    from django.db import connections

    from childsafe.referrals.models import Ppn

    vendor, report, started = synthetic.vendor, synthetic.report, synthetic.started
    analyse()
    print(
        f"ppn_api.generate {vendor} scale={args.scale:g} people={report.people} "
        f"seconds={time.perf_counter() - started:.1f}",
        flush=True,
    )
    clients = seed_clients(args)
    queries, status = queries_per_submission(clients[0][0], clients[0][1][0], show=args.show_queries)
    before = Ppn.objects.count()
    connections.close_all()  # the server is another process; SQLite's lock is free for it

    env = dict(os.environ, PYTHONUNBUFFERED="1")
    ports: list[int] = []
    servers: list[subprocess.Popen] = []
    results = Results()
    try:
        for n in range(args.servers):
            ports.append(free_port())
            servers.append(start_server(env, ports[-1], args.threads, work_dir / f"server{n}.log"))
        stop_at = time.perf_counter() + args.seconds
        threads = [
            threading.Thread(
                target=client_loop,
                args=(ports[i % len(ports)], token, children, stop_at, results, args.seed + i),
                daemon=True,
            )
            for i, (token, children) in enumerate(clients)
        ]
        sampler = BackendSampler(vendor)
        backend_cpu0 = sum(cpu_seconds(pid) for pid in database_backends(vendor))  # the servers' start-up
        connections.close_all()
        sampler.start()
        server_cpu0 = sum(cpu_seconds(server.pid) for server in servers)
        client_cpu0 = time.process_time()
        load0 = load_average()
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 120)
        elapsed = time.perf_counter() - began
        server_cpu = sum(cpu_seconds(server.pid) for server in servers) - server_cpu0
        client_cpu = time.process_time() - client_cpu0
        backend_cpu = sampler.total() - backend_cpu0
        load1 = load_average()
    finally:
        for server in servers:
            stop_server(server)

    done = len(results.latencies)
    saved = Ppn.objects.count() - before
    if done:
        cuts = (
            statistics.quantiles(results.latencies, n=100, method="inclusive") if done > 1 else results.latencies * 99
        )
        figures = f"p50={cuts[49] * 1000:.0f}ms p95={cuts[94] * 1000:.0f}ms p99={cuts[98] * 1000:.0f}ms"
    else:
        figures = "p50=- p95=- p99=-"
    print(
        f"ppn_api {vendor} clients={args.clients} seconds={elapsed:.0f} requests={done + results.errors} "
        f"rps={done / elapsed:.1f} {figures} errors={results.errors}",
        flush=True,
    )
    print(
        f"ppn_api.context {vendor} servers={args.servers} server_threads={args.threads} saved={saved} "
        f"queries_per_submission={queries} "
        f"(in process, status {status})",
        flush=True,
    )
    requests = max(done + results.errors, 1)
    print(
        f"ppn_api.cpu {vendor} per_request server={server_cpu / requests * 1000:.2f}ms "
        f"database={backend_cpu / requests * 1000:.2f}ms clients={client_cpu / requests * 1000:.2f}ms "
        f"total={(server_cpu + backend_cpu + client_cpu) / requests * 1000:.2f}ms "
        f"load_before={load0} load_after={load1} cores={os.cpu_count()}",
        flush=True,
    )
    for sample in results.samples:
        print(f"ppn_api.error {sample.splitlines()[0] if sample else ''}", flush=True)
    if results.errors:
        # The server's own account of the first failure (its log is deleted with the work directory).
        log = (work_dir / "server0.log").read_text(errors="replace").splitlines()
        first = next((i for i, line in enumerate(log) if "Traceback" in line or "ERROR" in line), None)
        for line in log[first : first + 40] if first is not None else log[-20:]:
            print(f"ppn_api.server_log {line}", flush=True)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    work_dir = Path(tempfile.mkdtemp(prefix="childsafe-bench-ppn-work-"))
    try:
        with force(args, seed=args.seed, history=1.0) as synthetic:
            run(args, synthetic, work_dir)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
