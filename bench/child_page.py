"""How long the child's page takes for a child with a long record, and how many queries. Prints figures;
asserts nothing.

    .venv/bin/python bench/child_page.py [--scale S] [--history H] [--requests N] [--small]
                                         [--database-url postgres://USER@HOST:PORT/postgres] [--database-name NAME]

Builds a synthetic force (`childsafe.demo.generator.generate`, scale S, history H), picks a teenager,
gives them 50 chronology entries (`childsafe.demo.history.plant_chronology`: incidents, missing episodes
with their checks, PPNs, Encompass notices, strategy meetings, markers) and times the child's page as
the server renders it: `GET /people/<id>/` through Django's test Client (the whole middleware stack,
the access check and its audit event, the view, the template), logged in as MHET (a force-wide role).
Then gives the same child about 450 more entries (about 500 in all) and times again, then about 5,000
(a child known to services for years), then the page filtered to missing episodes and the next step of
earlier entries (the chronology shows the latest 30, the rest on demand). `queries` is the
number of SQL statements one request makes, counted on a separate, untimed request.

Builds its own throwaway database, like bench/intelligence_check.py:
- SQLite (the default): a file in a temporary directory (CHILDSAFE_VAR_DIR), deleted at the end.
- PostgreSQL (--database-url, the server's admin database, usually .../postgres): a database named
  --database-name (default childsafe_bench_page) is created there, dropped first if a crashed run left
  it, and dropped at the end.

One line per figure (`cpu_p50` is this process's CPU time per request, on SQLite the database's too:
less sensitive than the wall time to other processes on a shared machine):

    child_page.items50 sqlite scale=200 entries=57 n=200 p50=...ms p95=...ms p99=...ms queries=...

--small is scale 1, history 1 and 50 requests (well under a minute); the default is scale 200 (about
1,000,000 people) with history 1 and 200 requests.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time

from lib.force import Force, analyse, force

BENCH_DATABASE = "childsafe_bench_page"
WARM_UP = 5
SIZES = (50, 500, 5000)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, help="Synthetic force size: 200 = about 1,000,000 people (default).")
    parser.add_argument("--history", type=float, default=1.0, help="Five years' history multiplier (default 1).")
    parser.add_argument("--requests", type=int, help="Timed requests at each size (default 200).")
    parser.add_argument("--small", action="store_true", help="Scale 1 and 50 requests: a quick look.")
    parser.add_argument("--seed", type=int, default=1, help="Seed for the force and the child (default 1).")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL admin URL (e.g. postgres://postgres@127.0.0.1:5432/postgres): the benchmark creates "
        "and drops a database (--database-name) on that server. Default: a temporary SQLite file.",
    )
    parser.add_argument(
        "--database-name", default=BENCH_DATABASE, help=f"The throwaway PostgreSQL database (default {BENCH_DATABASE})."
    )
    args = parser.parse_args(argv)
    small_scale, small_requests = (1.0, 50) if args.small else (200.0, 200)
    args.scale = args.scale if args.scale is not None else small_scale
    args.requests = args.requests if args.requests is not None else small_requests
    if args.scale <= 0 or args.requests <= 0 or args.history < 0:
        parser.error("--scale and --requests must be more than 0, --history not negative.")
    return args


def run(args: argparse.Namespace, synthetic: Force) -> None:
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from childsafe.core import clock
    from childsafe.core import services as core_services
    from childsafe.demo.history import plant_chronology
    from childsafe.people.chronology import chronology
    from childsafe.people.models import Person
    from childsafe.people.selectors import identity_cluster

    vendor = synthetic.vendor
    print(
        f"child_page.generate {vendor} scale={args.scale:g} history={args.history:g} people={synthetic.report.people} "
        f"seconds={time.perf_counter() - synthetic.started:.1f}",
        flush=True,
    )
    analyse()

    today = clock.today_london()
    teenagers = list(
        Person.objects.filter(
            date_of_birth__lt=today.replace(year=today.year - 13, day=min(today.day, 28)),
            date_of_birth__gt=today.replace(year=today.year - 17, day=min(today.day, 28)),
            synthetic_truth_id__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not teenagers:
        sys.exit("The synthetic force has no teenagers: try a larger --scale.")
    child_id = random.Random(args.seed).choice(teenagers)
    user = core_services.user_create(
        actor=None, username="bench_mhet", role="mhet", password=None, check_password=False
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    url = f"/people/{child_id}/"

    planted = 0
    for size in SIZES:
        with transaction.atomic():
            planted += plant_chronology(child_id, size - planted, seed=args.seed + size)
        entries = len(chronology(identity_cluster(child_id)))
        for _ in range(WARM_UP):
            response = client.get(url)
            if response.status_code != 200:
                sys.exit(f"GET {url} answered {response.status_code}, not 200: nothing to time.")
        # Each request's request_started signal empties the query log (django.db.reset_queries): start empty
        # too, so the capture's slice is this request's statements.
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        queries = len(captured)  # now: the next request empties the log the capture reads
        samples, cpu = [], []
        for _ in range(args.requests):
            t0, c0 = time.perf_counter(), time.process_time()
            client.get(url)
            samples.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        cuts = statistics.quantiles(samples, n=100, method="inclusive")
        print(
            f"child_page.items{size} {vendor} scale={args.scale:g} planted={planted} entries={entries} "
            f"n={len(samples)} p50={cuts[49] * 1000:.1f}ms p95={cuts[94] * 1000:.1f}ms p99={cuts[98] * 1000:.1f}ms "
            f"max={max(samples) * 1000:.1f}ms cpu_p50={statistics.median(cpu) * 1000:.1f}ms queries={queries} "
            f"bytes={len(response.content)} load={_load()}",
            flush=True,
        )
    # On demand, at the largest size: one kind, and the next step of earlier entries.
    for label, query in (("kind_missing", "?kind=missing"), ("earlier", "?show=230")):
        response = client.get(url + query)
        if response.status_code != 200:
            sys.exit(f"GET {url + query} answered {response.status_code}, not 200: nothing to time.")
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            client.get(url + query)
        queries = len(captured)
        samples, cpu = [], []
        for _ in range(max(args.requests // 2, 10)):
            t0, c0 = time.perf_counter(), time.process_time()
            client.get(url + query)
            samples.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        cuts = statistics.quantiles(samples, n=100, method="inclusive")
        print(
            f"child_page.{label} {vendor} scale={args.scale:g} planted={planted} entries={entries} n={len(samples)} "
            f"p50={cuts[49] * 1000:.1f}ms p95={cuts[94] * 1000:.1f}ms cpu_p50={statistics.median(cpu) * 1000:.1f}ms "
            f"queries={queries} load={_load()}",
            flush=True,
        )


def _load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with force(args, seed=args.seed, history=args.history) as synthetic:
        run(args, synthetic)


if __name__ == "__main__":
    main()
