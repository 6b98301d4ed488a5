"""How long the DFU queue and the investigations list take at force scale, and how many queries. Prints
figures; asserts nothing.

    .venv/bin/python bench/investigations.py [--scale S] [--history H] [--requests N] [--small]
                                             [--database-url postgres://USER@HOST:PORT/postgres] [--database-name NAME]

Builds a synthetic force with five years of history (`childsafe.demo.generator.generate`, which adds the
investigations and their DFU requests, `childsafe.investigations.demo`), then times, as the server renders
them through Django's test Client: `GET /investigations/dfu/` (the queue, priority then age, and the
backlog by age band) as a detective inspector, and `GET /investigations/` (the open investigations of the
inspector's area). Then multiplies the closed history by four and times again: the figures and the query
counts should not grow with the history. `queries` is one untimed request's SQL statements.

    investigations.dfu_queue sqlite scale=200 history=1 investigations=... n=200 p50=...ms p95=...ms queries=...

--small is scale 1 and 50 requests; the default is scale 200 (about 1,000,000 people), 200 requests.
The target is the child's page's: p95 under 150 ms with a query count independent of size.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from lib.force import Force, analyse, force

BENCH_DATABASE = "childsafe_bench_investigations"
WARM_UP = 5
PAGES = (("dfu_queue", "/investigations/dfu/"), ("list", "/investigations/"))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, help="Synthetic force size: 200 = about 1,000,000 people (default).")
    parser.add_argument("--history", type=float, default=1.0, help="Five years' history multiplier (default 1).")
    parser.add_argument("--requests", type=int, help="Timed requests per page (default 200).")
    parser.add_argument("--small", action="store_true", help="Scale 1 and 50 requests: a quick look.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", help="PostgreSQL admin URL; default: a temporary SQLite file.")
    parser.add_argument("--database-name", default=BENCH_DATABASE)
    args = parser.parse_args(argv)
    small_scale, small_requests = (1.0, 50) if args.small else (200.0, 200)
    args.scale = args.scale if args.scale is not None else small_scale
    args.requests = args.requests if args.requests is not None else small_requests
    if args.scale <= 0 or args.requests <= 0 or args.history <= 0:
        parser.error("--scale, --requests and --history must be more than 0.")
    return args


def run(args: argparse.Namespace, synthetic: Force) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from childsafe.core.models import User
    from childsafe.investigations.demo import generate_investigations
    from childsafe.investigations.models import Investigation

    vendor = synthetic.vendor
    di = User.objects.get(username="history-di-00")
    client = Client(HTTP_HOST="localhost")
    client.force_login(di)
    for history in (args.history, args.history * 5):
        if history != args.history:
            generate_investigations(scale=args.scale, history=history - args.history, seed=args.seed + 1)
        analyse()
        total = Investigation.objects.count()
        for name, url in PAGES:
            for _ in range(WARM_UP):
                response = client.get(url)
                if response.status_code != 200:
                    sys.exit(f"GET {url} answered {response.status_code}, not 200: nothing to time.")
            connection.queries_log.clear()
            with CaptureQueriesContext(connection) as captured:
                client.get(url)
            queries = len(captured)
            samples = []
            for _ in range(args.requests):
                t0 = time.perf_counter()
                client.get(url)
                samples.append(time.perf_counter() - t0)
            cuts = statistics.quantiles(samples, n=100, method="inclusive")
            print(
                f"investigations.{name} {vendor} scale={args.scale:g} history={history:g} investigations={total} "
                f"n={len(samples)} p50={cuts[49] * 1000:.1f}ms p95={cuts[94] * 1000:.1f}ms "
                f"p99={cuts[98] * 1000:.1f}ms queries={queries}",
                flush=True,
            )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with force(args, seed=args.seed, history=args.history) as synthetic:
        run(args, synthetic)


if __name__ == "__main__":
    main()
