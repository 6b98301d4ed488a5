"""The opening most benchmarks share: a throwaway database holding a freshly generated synthetic force."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from lib.throwaway import bench_database, is_postgres


@dataclass(frozen=True)
class Force:
    """What the opening made: the generator's report, the database's vendor, and when generation began."""

    report: Any  # childsafe.demo.generator.GenerationReport (imported only once Django is set up)
    vendor: str  # "sqlite" or "postgresql"
    started: float  # time.perf_counter() just before generate(): the script's own timings may include it
    reused: bool = False  # a kept database (`args.keep`) already held a force: nothing was generated, report is None


@contextmanager
def force(args: argparse.Namespace, *, migrate_label: str | None = None, **options: Any) -> Iterator[Force]:
    """A throwaway database (args.database_url, args.database_name) holding a synthetic force of args.scale.

    Sets Django up, migrates, refuses a database that already holds people, then runs
    `childsafe.demo.generator.generate(scale=args.scale, progress=False, **options)` (seed, history,
    plant_duplicates: the generator's options) and yields a Force. `migrate_label` also prints how long
    the migration took, as `<label>.migrate <vendor> seconds=...`. The database is removed at the end, unless
    `args.keep` (PostgreSQL only): then it is kept, and a kept database that already holds people is used as it
    is, with nothing generated (`Force.reused`): the script checks it was built with the same options.
    """
    keep = bool(getattr(args, "keep", False))
    if keep and not (args.database_url and is_postgres(args.database_url)):
        sys.exit("--keep keeps a PostgreSQL database: give --database-url.")
    with bench_database(args.database_url, args.database_name, keep_database=keep):
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from childsafe.demo.generator import generate
        from childsafe.people.models import Person

        vendor = connection.vendor
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        if migrate_label:
            print(f"{migrate_label}.migrate {vendor} seconds={time.perf_counter() - started:.1f}", flush=True)
        if Person.objects.exists():
            if keep:
                yield Force(report=None, vendor=vendor, started=time.perf_counter(), reused=True)
                return
            sys.exit("The benchmark database already holds people: use an empty one.")
        started = time.perf_counter()
        report = generate(scale=args.scale, progress=False, **options)
        yield Force(report=report, vendor=vendor, started=started)


def analyse() -> None:
    """On PostgreSQL, VACUUM and ANALYZE every table, as autovacuum would have after a bulk load (left to
    autovacuum, it vacuums the freshly loaded tables during the first minutes of the run, on the same two
    cores as the benchmark); nothing on SQLite."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
