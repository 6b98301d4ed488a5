from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from childsafe.core import backup


class Command(BaseCommand):
    help = "Restore the database from a backup file, replacing everything in it, then verify the audit log."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The backup file written by `childsafe backup`.")
        parser.add_argument("--yes", action="store_true", help="Confirm: everything now in the database is replaced.")

    def handle(self, *args, **options):
        if not options["yes"]:
            raise CommandError("A restore replaces everything in the database. Run it again with --yes to go ahead.")
        try:
            counts, verdict = backup.restore(options["path"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Restored {counts.total():,} records from {options['path']}.")
        if not verdict.intact:
            raise CommandError(f"The restored audit log is broken: {verdict.problem}")
        self.stdout.write(f"The audit log is intact: {verdict.checked:,} events.")
