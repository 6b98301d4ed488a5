"""Bulk linkage (PL-2) on a synthetic force with planted duplicates. Prints figures; asserts nothing.

    .venv/bin/python bench/linkage.py [--scale S] [--small] [--threshold P] [--no-train]
                                      [--keep DIR] [--database-url postgres://USER@HOST:PORT/postgres]

Builds its own throwaway database, so it never touches var/ or the force's data:
- SQLite (the default): a file in a temporary directory (CHILDSAFE_VAR_DIR), deleted at the end; or,
  with --keep DIR, a file in DIR that is kept, and reused by the next run with the same --keep DIR
  (so blocking and thresholds can be tuned without building a million people again).
- PostgreSQL (--database-url, the server's admin database, usually .../postgres): a database named
  childsafe_bench_link_pg is created on that server (dropped first if a crashed run left it) and dropped at the end.

Then: migrate; generate the demo force with planted duplicates (childsafe.demo.generator.generate,
scale S: about 5,000 x S people; the default 200 is about 1,000,000); run the DuckDB linkage
(childsafe.linkage.services.find_duplicates) over the whole person table; and score the suggestions
pairwise against the planted truth (records with the same synthetic_truth_id are one child).
One line per figure:

    linkage.run sqlite scale=2 people=10050 seconds=12.3 read=0.4 count=0.5 train=6.1 predict=1.2 write=0.1
    linkage.quality sqlite scale=2 threshold=0.9 compared=452 suggestions=44 true_pairs=44 precision=1.000 ...

--small is scale 2 (about 10,000 people, under a minute).
"""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter

from lib.throwaway import bench_database

BENCH_DATABASE = "childsafe_bench_link_pg"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, help="Synthetic force size: 1 = about 5,000 people (default 200).")
    parser.add_argument("--small", action="store_true", help="Scale 2 (about 10,000 people): a quick look.")
    parser.add_argument("--threshold", type=float, default=None, help="Match probability to suggest at (default 0.9).")
    parser.add_argument("--no-train", action="store_true", help="Use the fixed priors instead of training Splink.")
    parser.add_argument("--train-m", action="store_true", help="Also estimate m by EM (default: m fixed priors).")
    parser.add_argument("--keep", help="Keep the SQLite database in this directory and reuse it if already built.")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL admin URL (e.g. postgres://postgres@127.0.0.1:5432/postgres): the benchmark creates "
        f"and drops a database named {BENCH_DATABASE} on that server. Default: a temporary SQLite file.",
    )
    args = parser.parse_args(argv)
    args.scale = args.scale if args.scale is not None else (2.0 if args.small else 200.0)
    if args.scale <= 0:
        parser.error("--scale must be more than 0.")
    return args


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    import logging

    logging.getLogger("splink").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection

    from childsafe.demo.generator import generate
    from childsafe.linkage import services
    from childsafe.linkage.models import LinkSuggestion
    from childsafe.people.models import Person

    vendor = connection.vendor
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"linkage.migrate {vendor} seconds={time.perf_counter() - started:.1f}", flush=True)
    if not Person.objects.exists():
        started = time.perf_counter()
        generated = generate(scale=args.scale, progress=False)
        print(
            f"linkage.generate {vendor} scale={args.scale:g} people={Person.objects.count()} "
            f"duplicates={generated.duplicates} errors={dict(sorted(generated.duplicate_errors.items()))} "
            f"seconds={time.perf_counter() - started:.1f}",
            flush=True,
        )
    else:
        print(f"linkage.generate {vendor} reused people={Person.objects.count()}", flush=True)
    LinkSuggestion.objects.all().delete()  # a kept database: score this run's suggestions only

    threshold = args.threshold if args.threshold is not None else services.DEFAULT_THRESHOLD
    sweep = sorted({0.5, 0.7, 0.8, 0.9, 0.95, 0.99, threshold})
    started = time.perf_counter()
    result = services.find_duplicates(
        threshold=sweep[0],
        train=not args.no_train,
        train_m=args.train_m,
        progress=lambda line: print(f"  {time.perf_counter() - started:7.1f}s {line}", flush=True),
    )
    seconds = time.perf_counter() - started
    run_ = result.run
    steps = " ".join(f"{k}={v:.1f}" for k, v in result.seconds.items())
    print(f"linkage.run {vendor} scale={args.scale:g} people={run_.people} seconds={seconds:.1f} {steps}", flush=True)
    truth = services.planted_truth_pairs()
    # The run suggested every pair at or above the lowest threshold of the sweep; each line scores
    # the pairs at or above one threshold, as if the run had used it.
    for cut in sweep:
        if cut == threshold:
            continue
        at_cut = {(a, b) for a, b, p, *_ in result.pairs if p >= cut}
        precision, recall = services.pairwise_quality(at_cut, truth)
        print(
            f"linkage.sweep {vendor} scale={args.scale:g} threshold={cut:g} suggestions={len(at_cut)} "
            f"precision={precision:.3f} recall={recall:.3f}",
            flush=True,
        )
    found = {(a, b) for a, b, p, *_ in result.pairs if p >= threshold}
    precision, recall = services.pairwise_quality(found, truth)
    print(
        f"linkage.quality {vendor} scale={args.scale:g} threshold={threshold:g} compared={run_.pairs_compared} "
        f"suggestions={len(found)} true_pairs={len(truth)} precision={precision:.3f} "
        f"recall={recall:.3f} training={run_.training!r}",
        flush=True,
    )
    reasons = {(a, b): (p, why) for a, b, p, _w, why in result.pairs}
    # What the wrong and the missed pairs have in common: the comparison levels behind each, counted.
    for label, pairs in (("wrong", found - truth), ("missed", truth - found)):
        counted = Counter(
            reasons.get(pair, (0.0, "below the sweep's lowest threshold, or taken for twins"))[1] for pair in pairs
        )
        for why, count in counted.most_common(8):
            print(f"linkage.{label} {vendor} scale={args.scale:g} count={count} why={why!r}", flush=True)
    missed = sorted(truth - found)[:10]
    wrong = sorted(found - truth)[:10]
    if os.environ.get("LINKAGE_BENCH_DETAIL"):
        by_id = Person.objects.in_bulk({pid for pair in missed + wrong for pid in pair})
        for label, pairs in (("missed", missed), ("wrong", wrong)):
            for a, b in pairs:
                pa, pb = by_id[a], by_id[b]
                print(
                    f"  {label}: {pa.forenames} {pa.surname} {pa.date_of_birth} {pa.sex} | "
                    f"{pb.forenames} {pb.surname} {pb.date_of_birth} {pb.sex} {reasons.get((a, b), '')}"
                )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with bench_database(args.database_url, BENCH_DATABASE, keep=args.keep):
        run(args)


if __name__ == "__main__":
    main()
