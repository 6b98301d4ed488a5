from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from childsafe.core import audit


class Command(BaseCommand):
    help = "Check the audit log: `childsafe audit verify` walks the hash chain and names the first broken event."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"], help="verify: check every event's hash and link.")

    def handle(self, *args, **options):
        verdict = audit.verify()
        if not verdict.intact:
            raise CommandError(
                f"The audit log has been tampered with. {verdict.problem} "
                f"({verdict.checked:,} events before it are intact.)"
            )
        self.stdout.write(f"The audit log is intact: {verdict.checked:,} events, each chained to the one before.")
