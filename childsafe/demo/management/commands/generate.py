"""`childsafe generate`: build a synthetic force (the demo, or a force-sized one for benchmarks)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from childsafe.core.models import AuditEvent
from childsafe.demo.generator import DEFAULT_SEED, generate
from childsafe.people.models import Person


class Command(BaseCommand):
    help = (
        "Generate a synthetic force: made-up people, households, schools, children's homes, warning markers "
        "and planted duplicates in North Yorkshire towns. Scale 1 is about 5,000 people (the demo); "
        "scale 160 is about 800,000 (force-sized, for benchmarks). All data is fiction."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=float, default=1.0, help="1 = about 5,000 people (default 1).")
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"The same seed gives the same people (default {DEFAULT_SEED}).",
        )
        parser.add_argument("--no-progress", action="store_true", help="Don't show a progress bar.")
        parser.add_argument(
            "--plant-duplicates",
            type=float,
            default=0.02,
            help="Fraction of children recorded twice with realistic errors (default 0.02).",
        )
        parser.add_argument(
            "--history",
            type=float,
            default=0.0,
            help="Add five years of records (incidents, missing episodes, PPNs, Encompass, alerts) and today's "
            "open caseload: 1 is a force's usual volume, 5 or 25 multiply the closed records older than 120 days "
            "(default 0: people only).",
        )
        parser.add_argument(
            "--append",
            action="store_true",
            help="Add to a database that already holds people (use a seed not used before).",
        )

    def handle(self, *args, **options):
        scale, seed, fraction = options["scale"], options["seed"], options["plant_duplicates"]
        if scale <= 0:
            raise CommandError("--scale must be more than 0: 1 is the demo force of about 5,000 people.")
        if options["history"] < 0:
            raise CommandError("--history is a multiplier: 0 for none, 1 for five years of a force's usual records.")
        if not 0 <= fraction <= 0.5:
            raise CommandError("--plant-duplicates is a fraction between 0 and 0.5, for example 0.02 for 2%.")
        existing = Person.objects.count()
        if existing and not options["append"]:
            raise CommandError(
                f"This database already holds {existing:,} people, so nothing was generated: a synthetic force "
                "mixed into existing records can't be told apart from them. Use an empty database, or pass "
                "--append (with a --seed not used before) to add another synthetic force anyway."
            )
        if options["append"] and AuditEvent.objects.filter(event_type="demo.generate", subject_id=str(seed)).exists():
            raise CommandError(
                f"A synthetic force was already generated here with seed {seed}; appending it again would "
                "record the same people twice. Choose another --seed."
            )
        report = generate(
            scale=scale,
            seed=seed,
            progress=not options["no_progress"],
            plant_duplicates=fraction,
            history=options["history"],
        )
        for line in report.lines():
            self.stdout.write(line)
