"""How long the rules sweep takes over a force's open caseload, and how it grows with history. Prints figures;
asserts nothing.

    .venv/bin/python bench/sweep.py [--scale S] [--small] [--repeat N]
                                    [--database-url postgres://USER@HOST:PORT/postgres] [--database-name NAME]

The sweep is `childsafe.core.engine.sweep()`, what the worker runs every minute: every clock rule's query,
the upsert of its alerts, the escalation of unacknowledged ones. This builds a synthetic force
(`childsafe.demo.generator.generate`, scale S: about 5,000 x S people) with five years of history at 1x
and today's open caseload (`childsafe.demo.history`), sweeps once untimed (it raises the open caseload's
alerts, as a running worker would have), then times N further sweeps (steady state: nothing new to
raise). Then it adds more closed history, four times as much (5x in all), times again; adds twenty times
(25x in all), times again. The open caseload stays the same all along, so the ratio 25x/1x is how much
the sweep grows with history alone (the target: under 1.5; it should grow with open work, not history).

Builds its own throwaway database, like bench/intelligence_check.py:
- SQLite (the default): a file in a temporary directory (CHILDSAFE_VAR_DIR), deleted at the end.
- PostgreSQL (--database-url, the server's admin database, usually .../postgres): a database named
  --database-name (default childsafe_bench_sweep) is created there, dropped first if a crashed run left it,
  and dropped at the end. On PostgreSQL the tables are ANALYZEd after each generation, as autovacuum
  would have done on a live database.

One line per figure:

    sweep.history sqlite scale=200 history=1 open_alerts=701 rows=531600 p50=...ms min=...ms queries=...
    sweep.growth sqlite scale=200 ratio_25x_1x=1.04

--small is scale 2 (about 10,000 people), well under a minute; the default is scale 200 (about 1,000,000
people, a force).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from lib.force import Force, analyse, force

BENCH_DATABASE = "childsafe_bench_sweep"
LEVELS = (1, 5, 25)  # total history multipliers timed


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, help="Synthetic force size: 200 = about 1,000,000 people (default).")
    parser.add_argument("--small", action="store_true", help="Scale 2 (about 10,000 people): a quick look.")
    parser.add_argument("--repeat", type=int, default=5, help="Timed sweeps at each history level (default 5).")
    parser.add_argument("--seed", type=int, default=1, help="Seed for the force and its history (default 1).")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL admin URL (e.g. postgres://postgres@127.0.0.1:5432/postgres): the benchmark creates "
        "and drops a database (--database-name) on that server. Default: a temporary SQLite file.",
    )
    parser.add_argument(
        "--database-name", default=BENCH_DATABASE, help=f"The throwaway PostgreSQL database (default {BENCH_DATABASE})."
    )
    args = parser.parse_args(argv)
    if args.scale is None:
        args.scale = 2.0 if args.small else 200.0
    if args.scale <= 0 or args.repeat <= 0:
        parser.error("--scale and --repeat must be more than 0.")
    return args


def run(args: argparse.Namespace, synthetic: Force) -> None:
    from django.db import connection, transaction
    from django.db.models import F, Value
    from django.db.models.functions import Concat
    from django.test.utils import CaptureQueriesContext

    from childsafe.core import clock, engine
    from childsafe.core.models import Alert
    from childsafe.demo.history import generate_history
    from childsafe.protection.demo import generate_protections
    from childsafe.protection.models import PoliceProtection

    vendor, report, started = synthetic.vendor, synthetic.report, synthetic.started
    analyse()
    rows = report.history.rows
    print(
        f"sweep.generate {vendor} scale={args.scale:g} history=1 people={report.people} history_rows={rows} "
        f"seconds={time.perf_counter() - started:.1f}",
        flush=True,
    )
    first_started = time.perf_counter()
    first = engine.sweep(holder="bench")
    print(
        f"sweep.first {vendor} scale={args.scale:g} raised={first.raised} "
        f"ms={(time.perf_counter() - first_started) * 1000:.0f} (raises the open caseload's alerts)",
        flush=True,
    )

    timings: dict[int, float] = {}
    fastest: dict[int, float] = {}
    rule_times: dict[str, dict[int, float]] = {}
    level = 1
    for target in LEVELS:
        if target > level:
            started = time.perf_counter()
            with transaction.atomic():
                more = generate_history(
                    scale=args.scale,
                    history=target - level,
                    seed=args.seed + target,
                    progress=False,
                    open_caseload=False,
                    recent=False,
                )
                # The new capabilities' closed history grows too: their rules must not scan it.
                for copy in range(target - level):
                    # The demo numbers its references by day and position: set the earlier ones apart first.
                    PoliceProtection.objects.filter(reference__startswith="PP-DEMO-").update(
                        reference=Concat(Value("PP-OLD-"), F("id"))
                    )
                    generate_protections(scale=args.scale, seed=args.seed + target * 100 + copy, open_caseload=False)
            analyse()
            rows += more.rows
            level = target
            print(
                f"sweep.generate {vendor} scale={args.scale:g} history={level} history_rows={rows} "
                f"seconds={time.perf_counter() - started:.1f}",
                flush=True,
            )
        engine.sweep(holder="bench")  # warm: caches, and anything the new history changed
        with CaptureQueriesContext(connection) as captured:
            result = engine.sweep(holder="bench")
        samples = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            engine.sweep(holder="bench")
            samples.append(time.perf_counter() - t0)
        # Each rule's own query (check) alone, to see which one grows: the fastest of --repeat runs, which the
        # other processes on a shared machine disturb least.
        now = clock.now()
        per_rule = []
        rule_queries: dict[str, int] = {}
        for rule in engine.all_rules():
            if rule.check is not None:
                with CaptureQueriesContext(connection) as one:
                    list(rule.check(now))
                rule_queries[rule.id] = len(one)
                best = float("inf")
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    list(rule.check(now))
                    best = min(best, time.perf_counter() - t0)
                per_rule.append((best, rule.id))
                rule_times.setdefault(rule.id, {})[level] = best
        per_rule.sort(reverse=True)
        most = sorted(rule_queries.items(), key=lambda rn: -rn[1])
        timings[level] = statistics.median(samples)
        fastest[level] = min(samples)
        print(
            f"sweep.history {vendor} scale={args.scale:g} history={level} history_rows={rows} "
            f"open_alerts={Alert.objects.open().count()} raised={result.raised} cleared={result.cleared} "
            f"n={len(samples)} p50={statistics.median(samples) * 1000:.0f}ms min={min(samples) * 1000:.0f}ms "
            f"max={max(samples) * 1000:.0f}ms queries={len(captured)} "
            f"slowest={','.join(f'{rid}:{t * 1000:.0f}ms/{rule_queries[rid]}q' for t, rid in per_rule[:8])} "
            f"most_statements={','.join(f'{rid}:{n}' for rid, n in most[:8])} "
            f"load={os.getloadavg()[0]:.2f}",
            flush=True,
        )
    # The rules that grew most with history, in milliseconds added from 1x to 25x (their fastest runs).
    grew = sorted(((t[25] - t[1], rid) for rid, t in rule_times.items() if 1 in t and 25 in t), reverse=True)
    print(
        f"sweep.growth {vendor} scale={args.scale:g} ratio_5x_1x={timings[5] / timings[1]:.2f} "
        f"ratio_25x_1x={timings[25] / timings[1]:.2f} fastest_ratio_25x_1x={fastest[25] / fastest[1]:.2f} "
        f"grew_most={','.join(f'{rid}:{d * 1000:+.1f}ms' for d, rid in grew[:8])} load={os.getloadavg()[0]:.2f}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with force(args, seed=args.seed, history=1.0) as synthetic:
        run(args, synthetic)


if __name__ == "__main__":
    main()
