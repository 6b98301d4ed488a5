from __future__ import annotations

from django.core.management.base import BaseCommand

from childsafe.core.worker import Worker


class Command(BaseCommand):
    help = "Deliver outbound messages and run the rules sweep until stopped (SIGTERM or Ctrl+C)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run one round and exit.")
        parser.add_argument("--name", help="A name for this worker in logs and claims (default host-pid).")
        parser.add_argument("--poll", type=float, default=1.0, help="Seconds to wait when idle (default 1).")
        parser.add_argument(
            "--sweep-interval",
            type=int,
            default=None,
            help="Seconds between rules sweeps (default: the force setting, 60).",
        )

    def handle(self, *args, **options):
        worker = Worker(
            name=options["name"], poll_seconds=options["poll"], sweep_interval_seconds=options["sweep_interval"]
        )
        worker.install_signal_handlers()
        stats = worker.run(once=options["once"])
        self.stdout.write(
            f"Worker stopped: delivered {stats.delivered}, retried {stats.retried}, "
            f"dead {stats.dead}, sweeps {stats.sweeps}."
        )
