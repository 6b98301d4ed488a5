"""What the RSO clocks add to the rules sweep, and how long the OMU team view takes, at force scale.
Prints figures; asserts nothing.

    .venv/bin/python bench/offenders.py [--small] [--offenders N] [--scale S] [--repeat N]
                                        [--database-url postgres://USER@HOST:PORT/postgres]

The clocks' cost grows with the number of registered offenders and their history, not with the number
of residents, so the force is built at a small scale (S, default 8: about 40,000 people) and the
offenders at the rate that gives N of them (default 1,000: a force of a million residents at about 100
per 100,000), each with five years of notifications, visits, devices and breaches
(`childsafe.offenders.demo`). Then it times RSO-1, RSO-3, RSO-5 and RSO-6: each clock's check and its
horizon (the sweep calls both), and the caseload of the largest area team (the target: the child page's).

    offenders.clocks sqlite offenders=1000 sweep_checks_p50=...ms horizons_p50=...ms RSO-1=...ms ...
    offenders.caseload sqlite offenders=... rows=... p50=...ms queries=...
"""

from __future__ import annotations

import argparse
import statistics
import time

from lib.force import Force, analyse, force

BENCH_DATABASE = "childsafe_bench_offenders"
RULES = ("RSO-1", "RSO-3", "RSO-5", "RSO-6")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--offenders", type=int, help="Registered offenders (default 1,000).")
    parser.add_argument("--scale", type=float, help="Synthetic force size (default 8: 40,000 people).")
    parser.add_argument("--small", action="store_true", help="Scale 1 and 100 offenders: a quick look (CI).")
    parser.add_argument("--repeat", type=int, default=5, help="Timed runs (default 5).")
    parser.add_argument("--database-url", help="PostgreSQL admin URL; default a temporary SQLite file.")
    parser.add_argument("--database-name", default=BENCH_DATABASE)
    parser.add_argument("--profile", action="store_true", help="Print a cProfile of one run of the clocks.")
    args = parser.parse_args(argv)
    args.scale = args.scale or (1.0 if args.small else 8.0)
    args.offenders = args.offenders or (100 if args.small else 1_000)
    if args.scale <= 0 or args.offenders <= 0 or args.repeat <= 0:
        parser.error("--scale, --offenders and --repeat must be more than 0.")
    return args


def run(args: argparse.Namespace, synthetic: Force) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from childsafe.core import clock, engine
    from childsafe.offenders import selectors
    from childsafe.offenders.demo import generate_offenders
    from childsafe.offenders.models import Offender, Visit
    from childsafe.people.models import Person

    vendor, started = synthetic.vendor, synthetic.started
    residents = Person.objects.count()
    made = generate_offenders(per_100k=round(args.offenders * 100_000 / residents))
    analyse()
    print(
        f"offenders.generate {vendor} residents={residents} offenders={made} visits={Visit.objects.count()} "
        f"seconds={time.perf_counter() - started:.1f}",
        flush=True,
    )
    engine.sweep(holder="bench")
    now = clock.now()
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for rule_id in RULES:
            rule = engine.get(rule_id)
            list(rule.check(now)) if rule.check else None
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    per_rule: dict[str, list[float]] = {r: [] for r in RULES}
    checks, horizons = [], []
    for _ in range(args.repeat):
        check_total = horizon_total = 0.0
        for rule_id in RULES:
            rule = engine.get(rule_id)
            t0 = time.perf_counter()
            list(rule.check(now)) if rule.check else None
            t1 = time.perf_counter()
            if rule.horizon:
                rule.horizon(now)
            t2 = time.perf_counter()
            per_rule[rule_id].append(t1 - t0)
            check_total += t1 - t0
            horizon_total += t2 - t1
        checks.append(check_total)
        horizons.append(horizon_total)
    # The worker's sweep runs the checks; the replay also asks the horizons, to jump between deadlines.
    print(
        f"offenders.clocks {vendor} offenders={made} sweep_checks_p50={statistics.median(checks) * 1000:.0f}ms "
        f"horizons_p50={statistics.median(horizons) * 1000:.0f}ms "
        + " ".join(f"{r}={statistics.median(v) * 1000:.0f}ms" for r, v in per_rule.items()),
        flush=True,
    )
    area_id = (
        Offender.objects.values_list("area_id", flat=True).order_by("area_id").first()
        if Offender.objects.exists()
        else None
    )
    from childsafe.core.models import Area

    area = Area.objects.filter(pk=area_id).first()
    with CaptureQueriesContext(connection) as captured:
        page = selectors.caseload(area)
    samples = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        selectors.caseload(area)
        samples.append(time.perf_counter() - t0)
    print(
        f"offenders.caseload {vendor} area={area.code if area else 'all'} rows={len(page.rows)} "
        f"p50={statistics.median(samples) * 1000:.0f}ms queries={len(captured)}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with force(args, plant_duplicates=0) as synthetic:
        run(args, synthetic)


if __name__ == "__main__":
    main()
