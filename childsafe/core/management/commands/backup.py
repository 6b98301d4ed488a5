from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from childsafe.core import backup


class Command(BaseCommand):
    help = "Back up the database to a new file (SQLite: online backup; PostgreSQL: pg_dump custom format)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="The backup file to write (it must not exist yet).")

    def handle(self, *args, **options):
        try:
            counts = backup.backup(options["path"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Backed up {counts.total():,} records to {options['path']}.")
