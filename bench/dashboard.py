"""How long the performance dashboard (QG-3) takes to render at force scale, with five years of history
and alerts from every clock rule. Prints figures; asserts nothing.

    .venv/bin/python bench/dashboard.py [--scale S] [--history H] [--repeats N] [--small]
                                        [--database-url postgres://USER@HOST:PORT/postgres]

Builds a synthetic force (`childsafe.demo.generator.generate`: five years of incidents, missing
episodes, referrals and their RF alerts), then adds five years of alerts for every clock rule in the
engine's registry (ALERTS_PER_RULE_PER_AREA_YEAR x scale each year and area, late in the early years and
mostly on time later, as the report's force improved), then renders the whole dashboard page (every
figure, every table, the SVG charts) for a senior leader over the last 12 months and over five years,
force-wide and for one area: first as loaded, then after the worker's chores have run as they do when it
starts (the monthly roll-up of ADR 0062, and on SQLite the planner's statistics). One line per figure:

    dashboard.chore sqlite dashboard-roll-up alerts=... cells=... seconds=...
    dashboard.page sqlite scope=force period=365d rolled_up=yes alerts=... n=20 p50=...ms p95=...ms max=...ms

--small is scale 1 (about 5,000 people) and 10 repeats; the default is scale 160 (about 800,000 people,
the size of a county force) with history 1 and 20 repeats.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import timedelta

from lib.force import Force, analyse, force

BENCH_DATABASE = "childsafe_bench_dashboard"
ALERTS_PER_RULE_PER_AREA_YEAR = 4


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, help="Synthetic force size: 160 = about 800,000 people (default).")
    parser.add_argument("--history", type=float, default=1.0, help="Five years' history multiplier (default 1).")
    parser.add_argument("--repeats", type=int, help="Timed renders of each page (default 20).")
    parser.add_argument("--small", action="store_true", help="Scale 1 and 10 repeats: a quick look.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--profile", action="store_true", help="Also print where one force-wide render spends its time."
    )
    parser.add_argument("--database-url", help="PostgreSQL admin URL; default: a temporary SQLite file.")
    parser.add_argument("--database-name", default=BENCH_DATABASE)
    args = parser.parse_args(argv)
    args.scale = args.scale if args.scale is not None else (1.0 if args.small else 160.0)
    args.repeats = args.repeats if args.repeats is not None else (10 if args.small else 20)
    return args


def _plant_alerts(scale: float, seed: int) -> int:
    """Five years of cleared alerts for every clock rule, by area: most late early on, fewer later."""
    from childsafe.core import clock, engine
    from childsafe.core.models import Alert, Area

    rng = random.Random(seed)
    now = clock.now()
    areas = list(Area.objects.values_list("pk", flat=True))
    rows = []
    per_year = max(1, round(ALERTS_PER_RULE_PER_AREA_YEAR * scale))
    for rule in engine.all_rules():
        if not rule.is_clock:
            continue
        for year in range(5):
            late_share = 0.8 - 0.15 * year  # five years ago 80% late; this year 20%
            for area in areas:
                for i in range(per_year):
                    raised = now - timedelta(days=365 * (5 - year) - rng.randint(0, 364), minutes=rng.randint(0, 1440))
                    due = raised + timedelta(hours=rng.choice([4, 24, 72]))
                    late = rng.random() < late_share
                    cleared = due + timedelta(hours=rng.expovariate(1 / 30)) if late else due - timedelta(hours=1)
                    rows.append(
                        Alert(
                            rule_id=rule.id,
                            subject_type="bench.subject",
                            subject_id=f"{rule.id}-{year}-{area}-{i}",
                            reason="Benchmark",
                            owner_area_id=area,
                            raised_at=raised,
                            last_seen_at=raised,
                            due_by=due,
                            cleared_at=min(cleared, now) if rng.random() > 0.01 else None,
                        )
                    )
    Alert.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def run(args: argparse.Namespace, synthetic: Force) -> None:
    from django.test import RequestFactory

    from childsafe.core import clock, engine
    from childsafe.core import services as core_services
    from childsafe.core.models import Alert, Area
    from childsafe.oversight import rollup
    from childsafe.oversight.models import ClockMonth

    vendor, report, started = synthetic.vendor, synthetic.report, synthetic.started
    planted = _plant_alerts(args.scale, args.seed)
    alerts = Alert.objects.count()
    print(
        f"dashboard.generate {vendor} scale={args.scale:g} history={args.history:g} people={report.people} "
        f"planted_alerts={planted} alerts={alerts} seconds={time.perf_counter() - started:.1f}",
        flush=True,
    )
    analyse()
    leader = core_services.user_create(
        actor=None, username="bench_leader", role="senior_leader", password=None, check_password=False
    )
    factory = RequestFactory()
    today = clock.today_london()
    area = Area.objects.order_by("code").first()
    # First as the force stands after loading (every alert read, no planner statistics on SQLite), then
    # after the worker's chores have run as they do when it starts (ADR 0062: the monthly roll-up; and on
    # SQLite the day's ANALYZE): the same pages, the same figures, side by side in one run.
    for rolled in (False, True):
        if rolled:
            for chore in engine.all_chores():
                started = time.perf_counter()
                outcome = chore.run()
                if isinstance(outcome, rollup.RollUpResult):
                    outcome = f"alerts={outcome.alerts} cells={ClockMonth.objects.count()}"
                print(
                    f"dashboard.chore {vendor} {chore.name} {outcome} seconds={time.perf_counter() - started:.1f} "
                    f"load={os.getloadavg()[0]:.1f}",
                    flush=True,
                )
        _time_pages(args, factory, leader, today, area, vendor, alerts, "yes" if rolled else "no")


def _time_pages(args, factory, leader, today, area, vendor: str, alerts: int, rolled_up: str) -> None:
    from childsafe.oversight import dashboard_views

    for scope in ("force", area.code if area else "force"):
        for days in (365, 5 * 365):
            start = today - timedelta(days=days - 1)
            params = {
                "start_0": start.day,
                "start_1": start.month,
                "start_2": start.year,
                "end_0": today.day,
                "end_1": today.month,
                "end_2": today.year,
            }
            if scope != "force":
                params["area"] = scope

            def render(p=params):
                request = factory.get("/oversight/dashboard/", p)
                request.user = leader
                response = dashboard_views.dashboard_page(request)
                assert response.status_code == 200, response.status_code
                return response

            render()  # warm up
            if args.profile and scope == "force":
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                profiler.runcall(render)
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
            samples, cpu = [], []
            for _ in range(args.repeats):
                t0, c0 = time.perf_counter(), time.process_time()
                render()
                samples.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)  # this process's CPU: less at the mercy of the load
            samples.sort()
            cpu.sort()
            p95 = samples[max(0, round(0.95 * len(samples)) - 1)]
            cpu_p95 = cpu[max(0, round(0.95 * len(cpu)) - 1)]
            print(
                f"dashboard.page {vendor} scope={scope} period={days}d rolled_up={rolled_up} alerts={alerts} "
                f"n={args.repeats} p50={statistics.median(samples) * 1000:.1f}ms p95={p95 * 1000:.1f}ms "
                f"max={samples[-1] * 1000:.1f}ms cpu_p50={statistics.median(cpu) * 1000:.1f}ms "
                f"cpu_p95={cpu_p95 * 1000:.1f}ms load={os.getloadavg()[0]:.1f}",
                flush=True,
            )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with force(args, seed=args.seed, history=args.history) as synthetic:
        run(args, synthetic)


if __name__ == "__main__":
    main()
