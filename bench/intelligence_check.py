"""How long the intelligence check (CR-4) takes on a synthetic force. Prints figures; asserts nothing.

    .venv/bin/python bench/intelligence_check.py [--scale S] [--queries N] [--small] [--seed N]
                                                  [--database-url postgres://USER@HOST:PORT/postgres]

Builds its own throwaway database, so it never touches var/ or the force's data:
- SQLite (the default): a file in a temporary directory (CHILDSAFE_VAR_DIR), deleted at the end.
- PostgreSQL (--database-url, the server's admin database, usually .../postgres): a database named
  childsafe_bench is created on that server (dropped first if a crashed run left it) and dropped at the end.

Then: migrate; generate the demo force (childsafe.demo.generator.generate, scale S: about 5,000 x S
people, with planted duplicates); pick N children at random (seeded, so runs compare); type each
child's details as a handler might (realistic errors: a misspelt surname, a short form of the first
name, day and month swapped, only the year of birth, one half of a double-barrelled surname, or
none); and time, with time.perf_counter,
1. search: childsafe.people.search.find(...) on those details: the ranked candidates;
2. check: the whole intelligence check: search, then picture(top candidate), the full risk picture
   including linked and possible duplicates' markers; recall_top5 is the share of queries whose right
   child (the record or a planted duplicate of it) is in the top five;
3. duplicate_check: childsafe.people.search.possible_duplicates(...) on the same details (PL-2 at entry);
4. picture: childsafe.people.intelligence.picture(person), the read alone;
5. missing_report: childsafe.missing.services.missing_report(...) as a call handler, the whole
   server-side path of reporting a child missing (incident, episode, audit, the intelligence check and
   its stored copy, the language check), each inside a transaction that is rolled back so the data
   don't grow between calls. The rollback itself is outside the timing.
A few untimed calls warm the caches first. Each figure is one line:

    intelligence_check.picture sqlite scale=1 people=5100 n=1000 p50=3.1ms p95=5.2ms p99=8.0ms ...

--small is scale 0.2 and 100 queries (well under a minute); the default is scale 1 and 1,000 queries.
Force scale (about 1,000,000 people) is --scale 200; national-size tests --scale 2000 on PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections import Counter
from datetime import date, timedelta
from typing import Any

from lib.force import Force, analyse, force

BENCH_DATABASE = "childsafe_bench"
WARM_UP = 10
QUERY_COUNT_SAMPLE = 20


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, help="Synthetic force size: 1 = about 5,000 people (default 1).")
    parser.add_argument("--queries", type=int, help="How many children to time (default 1,000).")
    parser.add_argument("--small", action="store_true", help="Scale 0.2 and 100 queries: a quick look.")
    parser.add_argument("--seed", type=int, default=1, help="Seed for choosing the children (default 1).")
    parser.add_argument(
        "--history",
        type=float,
        default=1.0,
        help="Years of records as the generator makes them: 1 is a force's usual five years (default), 0 none.",
    )
    parser.add_argument(
        "--multiply",
        type=int,
        default=1,
        help="After generating, copy the force's people this many times over in SQL, each copy born a "
        "different number of days earlier (national size from a force: --scale 200 --multiply 10).",
    )
    parser.add_argument(
        "--database-url",
        help="PostgreSQL admin URL (e.g. postgres://postgres@127.0.0.1:5432/postgres): the benchmark creates "
        "and drops a database (--database-name) on that server. Default: a temporary SQLite file.",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="PostgreSQL only: keep the database at the end, and if a kept one is there, time it as it is instead "
        "of generating (10 million people take about 20 minutes to build). Drop it yourself when done.",
    )
    parser.add_argument(
        "--database-name", default=BENCH_DATABASE, help=f"The throwaway PostgreSQL database (default {BENCH_DATABASE})."
    )
    args = parser.parse_args(argv)
    small_scale, small_queries = (0.2, 100) if args.small else (1.0, 1000)
    args.scale = args.scale if args.scale is not None else small_scale
    args.queries = args.queries if args.queries is not None else small_queries
    if args.scale <= 0 or args.queries <= 0:
        parser.error("--scale and --queries must be more than 0.")
    return args


def percentiles(samples: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive") if len(samples) > 1 else samples * 99
    return {
        "p50": cuts[49],
        "p95": cuts[94],
        "p99": cuts[98],
        "mean": statistics.fmean(samples),
        "max": max(samples),
    }


def figure(name: str, vendor: str, scale: float, people: int, samples: list[float], **extra: object) -> str:
    stats = " ".join(f"{k}={v * 1000:.1f}ms" for k, v in percentiles(samples).items())
    more = "".join(f" {k}={v}" for k, v in extra.items())
    return f"intelligence_check.{name} {vendor} scale={scale:g} people={people} n={len(samples)} {stats}{more}"


ERRORS = ("none", "misspelt_surname", "short_first_name", "dob_swapped", "year_only", "one_surname_part")


def _misspell(rng: random.Random, word: str) -> str:
    """One slip of the keyboard, never on the first letter: a dropped, doubled or swapped letter."""
    if len(word) < 4:
        return word + word[-1]
    i = rng.randrange(1, len(word) - 1)
    slip = rng.choice(("drop", "double", "swap"))
    if slip == "drop":
        return word[:i] + word[i + 1 :]
    if slip == "double":
        return word[:i] + word[i] + word[i:]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :] if word[i] != word[i + 1] else word[:i] + word[i + 1 :]


def as_typed(
    rng: random.Random, person: object, nicknames: dict[str, tuple[str, ...]]
) -> tuple[dict[str, object], list[str]]:
    """The child's details as a handler types them from a caller: usually one error, sometimes two."""
    forenames: str = person.forenames.split()[0]  # type: ignore[attr-defined]
    surname: str = person.surname  # type: ignore[attr-defined]
    dob = person.date_of_birth  # type: ignore[attr-defined]
    details: dict[str, object] = {}
    wanted = [rng.choice(ERRORS)]
    if rng.random() < 0.2:
        wanted.append(rng.choice(ERRORS))
    done = []
    for error in wanted:
        if error == "misspelt_surname":
            surname = _misspell(rng, surname)
        elif error == "short_first_name" and forenames in nicknames:
            forenames = rng.choice(nicknames[forenames])
        elif (
            error == "dob_swapped"
            and dob is not None
            and dob.day <= 12
            and dob.day != dob.month
            and dob.replace(month=dob.day, day=dob.month) <= date.today()
        ):
            # Never a date in the future: the form refuses those, a handler would retype it.
            dob = dob.replace(month=dob.day, day=dob.month)
        elif error == "year_only" and dob is not None:
            details["year"] = dob.year
            dob = None
        elif error == "one_surname_part" and "-" in surname:
            surname = rng.choice(surname.split("-"))
        else:
            continue
        done.append(error)
    details["q"] = f"{forenames} {surname}"
    if dob is not None:
        details["dob"] = dob
    return details, done


def multiply_people(times: int) -> None:
    """Copies of every generated person (not their records), each copy born a few weeks to a year
    earlier, so that each name is shared by `times` as many people: the search's work at national
    size. The copies have no markers or history; the children timed are the generated ones."""
    from django.db import connection, transaction

    from childsafe.people.models import Person

    fields = [f for f in Person._meta.concrete_fields if not f.primary_key]
    qn = connection.ops.quote_name
    table = qn(Person._meta.db_table)
    columns = ", ".join(qn(f.column) for f in fields)
    generated = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for copy in range(1, times):
        days = 29 + (copy * 37) % 330
        if connection.vendor == "postgresql":
            shifted = f"date_of_birth - {days}"
        else:
            shifted = f"date(date_of_birth, '-{days} days')"
        selected = ", ".join(
            shifted if f.column == "date_of_birth" else "NULL" if f.column == "synthetic_truth_id" else qn(f.column)
            for f in fields
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT {selected} FROM {table} WHERE id <= %s",  # noqa: S608
                [generated],
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")


def keep_force(built: dict[str, Any]) -> None:
    """What a kept database was built with, for the next run that reuses it: the database's comment."""
    from django.db import connection
    from psycopg import sql

    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        name = cursor.fetchone()[0]
        # A utility statement takes no parameters: the comment is quoted by psycopg.
        comment = sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(name), sql.Literal(json.dumps(built)))
        cursor.execute(comment.as_string(connection.connection))


def kept_force() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = current_database()"
        )
        comment = cursor.fetchone()[0]
    if not comment:
        sys.exit("The kept database holds people but no record of how they were built (a run stopped early?): drop it.")
    return dict(json.loads(comment))


def run(args: argparse.Namespace, synthetic: Force) -> None:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from childsafe.core import clock
    from childsafe.core import services as core_services
    from childsafe.core.models import User
    from childsafe.demo.generator import NICKNAMES
    from childsafe.missing.services import missing_report
    from childsafe.people import search
    from childsafe.people.intelligence import picture
    from childsafe.people.models import Person

    vendor, started = synthetic.vendor, synthetic.started
    built = {"scale": args.scale, "history": args.history, "multiply": args.multiply}
    if synthetic.reused:
        kept = kept_force()
        if {k: kept.get(k) for k in built} != built:
            sys.exit(f"The kept database {args.database_name} was built with {kept}, not {built}: drop it or match.")
        people = Person.objects.count()
        print(f"intelligence_check.reused {vendor} {kept} people={people}", flush=True)
    else:
        generated = synthetic.report
        people = Person.objects.count()
        print(
            f"intelligence_check.generate {vendor} scale={args.scale:g} history={args.history:g} people={people} "
            f"seconds={time.perf_counter() - started:.1f}",
            flush=True,
        )
        kept = {
            **built,
            "generated_up_to": Person.objects.order_by("-pk").values_list("pk", flat=True).first(),
            "markers": sum(generated.markers.values()),
            "duplicates": generated.duplicates,
        }
        if args.multiply > 1:
            started = time.perf_counter()
            multiply_people(args.multiply)
            people = Person.objects.count()
            print(
                f"intelligence_check.multiply {vendor} copies={args.multiply} people={people} "
                f"seconds={time.perf_counter() - started:.1f}",
                flush=True,
            )
        # On PostgreSQL, the statistics autovacuum would have gathered after a bulk load: without them the
        # planner guesses 200 distinct values a column and, for one, joined every resident's addresses to
        # find the offenders living with a child (158 ms a check at a million people).
        analyse()
        if args.keep:
            keep_force(kept)
    generated_up_to = kept["generated_up_to"]

    today = clock.today_london()
    eighteen_years_ago = today.replace(
        year=today.year - 18, day=28 if (today.month, today.day) == (2, 29) else today.day
    )
    children = list(
        Person.objects.filter(date_of_birth__gt=eighteen_years_ago, pk__lte=generated_up_to)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not children:
        sys.exit("The synthetic force has no children: try a larger --scale.")
    rng = random.Random(args.seed)
    chosen_ids = (
        rng.sample(children, args.queries) if args.queries <= len(children) else rng.choices(children, k=args.queries)
    )
    by_id = Person.objects.in_bulk(set(chosen_ids))
    chosen = [by_id[pk] for pk in chosen_ids]
    print(
        f"intelligence_check.sample {vendor} children={len(children)} n={len(chosen)} seed={args.seed} "
        f"(markers {kept['markers']}, planted duplicates {kept['duplicates']})",
        flush=True,
    )

    # What the handler types: the child's details with the errors people make.
    typed = [as_typed(rng, person, NICKNAMES) for person in chosen]
    truth = dict(
        Person.objects.filter(pk__in=set(chosen_ids), synthetic_truth_id__isnull=False).values_list(
            "pk", "synthetic_truth_id"
        )
    )
    same_child: dict[int, set[int]] = {pk: {pk} for pk in chosen_ids}
    for pk, truth_id in Person.objects.filter(synthetic_truth_id__in=set(truth.values())).values_list(
        "pk", "synthetic_truth_id"
    ):
        for chosen_pk, chosen_truth in truth.items():
            if chosen_truth == truth_id:
                same_child[chosen_pk].add(pk)

    def find(details: dict[str, object]) -> list[search.Hit]:
        return search.find(search.wanted_from(today=today, **details), limit=5)  # type: ignore[arg-type]

    def check(details: dict[str, object]) -> None:
        hits = find(details)
        if hits:
            picture(hits[0].person)

    def duplicates(details: dict[str, object]) -> None:
        name = str(details["q"]).split()
        search.possible_duplicates(
            forenames=" ".join(name[:-1]),
            surname=name[-1],
            date_of_birth=details.get("dob"),  # type: ignore[arg-type]
        )

    check_samples: list[float] = []
    timed_calls = [("search", find), ("check", check), ("duplicate_check", duplicates)]
    for name, call in timed_calls:
        for details, _errors in typed[:WARM_UP]:
            call(details)
        queries = []
        for details, _errors in typed[:QUERY_COUNT_SAMPLE]:
            with CaptureQueriesContext(connection) as captured:
                call(details)
            queries.append(len(captured))
        samples = []
        for details, _errors in typed:
            t0 = time.perf_counter()
            call(details)
            samples.append(time.perf_counter() - t0)
        print(figure(name, vendor, args.scale, people, samples, queries=int(statistics.median(queries))), flush=True)
        if name == "check":
            check_samples = samples

    # The bare index lookup the check rests on: the child's row by surname and date of birth
    # (person_search_surname_dob), one raw statement on the same connection, no ORM, no scoring. The check's
    # p95 over this one's, measured in the same run, says how much is ours and how much the database's.
    table = Person._meta.db_table
    bare_sql = (
        f'SELECT id, forenames, surname, date_of_birth FROM "{table}" WHERE surname_norm = %s AND date_of_birth = %s'
    )
    bare_keys = [(person.surname_norm, person.date_of_birth) for person in chosen]

    def bare(key: tuple[object, object]) -> None:
        with connection.cursor() as cursor:
            cursor.execute(bare_sql, key)
            cursor.fetchall()

    for key in bare_keys[:WARM_UP]:
        bare(key)
    bare_samples = []
    for key in bare_keys:
        t0 = time.perf_counter()
        bare(key)
        bare_samples.append(time.perf_counter() - t0)
    print(figure("bare_lookup", vendor, args.scale, people, bare_samples, queries=1), flush=True)

    # The check's own statements, replayed raw: each child's check is recorded once (SQL and parameters, untimed),
    # then the same statements are run on the same connection with no ORM, no Python scoring, no sections. What
    # this takes is the database's share of the check (round trips, planning, executing); the rest is ours.
    recorded: list[list[tuple[str, Any]]] = []

    def record(execute, sql, params, many, context):
        recorded[-1].append((sql, params))
        return execute(sql, params, many, context)

    for details, _errors in typed:
        recorded.append([])
        with connection.execute_wrapper(record):
            check(details)

    def replay(statements: list[tuple[str, Any]]) -> None:
        with connection.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                if cursor.description is not None:
                    cursor.fetchall()

    for statements in recorded[:WARM_UP]:
        replay(statements)
    sql_samples = []
    for statements in recorded:
        t0 = time.perf_counter()
        replay(statements)
        sql_samples.append(time.perf_counter() - t0)
    statements_per_check = int(statistics.median(len(r) for r in recorded))
    print(figure("check_sql", vendor, args.scale, people, sql_samples, queries=statements_per_check), flush=True)

    check_p95 = percentiles(check_samples)["p95"]
    bare_p95 = percentiles(bare_samples)["p95"]
    sql_p95 = percentiles(sql_samples)["p95"]
    print(
        f"intelligence_check.ratio {vendor} scale={args.scale:g} people={people} check_p95={check_p95 * 1000:.1f}ms "
        f"bare_p95={bare_p95 * 1000:.2f}ms ratio={check_p95 / bare_p95:.1f} target=3.0 "
        f"check_sql_p95={sql_p95 * 1000:.2f}ms sql_over_bare={sql_p95 / bare_p95:.1f} "
        f"check_over_sql={check_p95 / sql_p95:.1f} load={os.getloadavg()[0]:.2f}",
        flush=True,
    )

    found_in_top5 = 0
    missed: Counter[str] = Counter()
    for person, (details, errors) in zip(chosen, typed, strict=True):
        if same_child[person.pk] & {h.person.pk for h in find(details)}:
            found_in_top5 += 1
        else:
            missed.update(errors or ["none"])
    print(
        f"intelligence_check.recall_top5 {vendor} scale={args.scale:g} people={people} n={len(chosen)} "
        f"recall={found_in_top5 / len(chosen):.4f} missed_by_error={dict(missed)}",
        flush=True,
    )

    # The picture alone: the read behind the handler's screen once the child is chosen.
    for person in chosen[:WARM_UP]:
        picture(person)
    queries = []
    for person in chosen[:QUERY_COUNT_SAMPLE]:
        with CaptureQueriesContext(connection) as captured:
            picture(person)
        queries.append(len(captured))
    samples = []
    for person in chosen:
        t0 = time.perf_counter()
        picture(person)
        samples.append(time.perf_counter() - t0)
    print(figure("picture", vendor, args.scale, people, samples, queries=int(statistics.median(queries))), flush=True)

    # missing_report(): what the server does when a call handler reports the child missing.
    # (A kept database has the handler from the run that built it.)
    handler = User.objects.filter(username="bench_handler").first() or core_services.user_create(
        actor=None, username="bench_handler", role="call_handler", password=None, check_password=False
    )

    def report(person: Person) -> None:
        missing_report(
            actor=handler,
            child=person,
            reported_by="Bench: care home staff",
            last_seen_at=clock.now() - timedelta(hours=2),
            last_seen_place="Bus station",
            circumstances="Did not come back after school; phone switched off.",
        )

    def rolled_back(person: Person, timed: list[float] | None = None, counted: list[int] | None = None) -> None:
        with transaction.atomic():
            if counted is not None:
                with CaptureQueriesContext(connection) as captured:
                    report(person)
                counted.append(len(captured))
            else:
                t0 = time.perf_counter()
                report(person)
                if timed is not None:
                    timed.append(time.perf_counter() - t0)
            transaction.set_rollback(True)

    for person in chosen[:WARM_UP]:
        rolled_back(person)
    queries = []
    for person in chosen[:QUERY_COUNT_SAMPLE]:
        rolled_back(person, counted=queries)
    samples = []
    for person in chosen:
        rolled_back(person, timed=samples)
    print(
        figure("missing_report", vendor, args.scale, people, samples, queries=int(statistics.median(queries))),
        flush=True,
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with force(args, migrate_label="intelligence_check", history=args.history) as synthetic:
        run(args, synthetic)


if __name__ == "__main__":
    main()
