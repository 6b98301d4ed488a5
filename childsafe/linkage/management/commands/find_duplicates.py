"""Find probable duplicate person records across the whole force and write them as suggestions (PL-2)."""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand, CommandError

from childsafe.core.errors import InvalidInput
from childsafe.linkage import services
from childsafe.linkage.models import LinkageRun


class Command(BaseCommand):
    help = (
        "Compare every person record with its likely duplicates (Splink) and write the probable ones as "
        "suggestions for an analyst to confirm or reject. Nothing is linked until an analyst confirms it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--threshold",
            type=float,
            default=services.DEFAULT_THRESHOLD,
            help=f"Suggest pairs whose match probability is at least this (default {services.DEFAULT_THRESHOLD}).",
        )
        parser.add_argument(
            "--backend",
            choices=LinkageRun.Backend.values,
            default=LinkageRun.Backend.DUCKDB,
            help="duckdb (embedded, one machine: the default) or spark (needs PySpark and Java 17).",
        )
        parser.add_argument("--limit-people", type=int, help="Compare only the first N records (a trial run).")
        parser.add_argument(
            "--no-train", action="store_true", help="Use the fixed priors for u as well as m (quicker, less exact)."
        )
        parser.add_argument("--train-m", action="store_true", help="Also estimate m by EM (see the ADR first).")

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        logging.getLogger("splink").setLevel(logging.INFO if verbosity > 1 else logging.WARNING)
        started = time.perf_counter()

        def progress(line: str) -> None:
            if verbosity:
                self.stdout.write(f"{time.perf_counter() - started:7.1f}s  {line}")

        try:
            result = services.find_duplicates(
                threshold=options["threshold"],
                backend=options["backend"],
                limit_people=options["limit_people"],
                train=not options["no_train"],
                train_m=options["train_m"],
                progress=progress,
            )
        except InvalidInput as exc:
            raise CommandError(" ".join(exc.errors.values())) from None
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        run = result.run
        self.stdout.write(
            f"Linkage run {run.pk} ({run.backend}): {run.people:,} people, {run.pairs_compared:,} pairs compared, "
            f"{run.pairs_above_threshold:,} at or above {run.threshold}, {run.suggestions_created:,} new suggestions "
            f"({run.skipped_linked:,} already linked, {run.skipped_rejected:,} rejected before, "
            f"{run.skipped_open:,} already suggested) in {time.perf_counter() - started:.1f}s."
        )
