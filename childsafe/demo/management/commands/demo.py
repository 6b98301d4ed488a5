"""`childsafe demo`: the embedded demo force on one machine, from nothing to a running system.

Migrates the database, generates the synthetic force if the database has no people yet, makes the
demo logins, starts the worker (outbox delivery and the rules sweep) as a child process, and serves
the web app until Ctrl+C or SIGTERM, when it stops the worker and waits for it. Running it again on
the same database keeps what is there.
"""

from __future__ import annotations

import os
import signal
import sys

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from childsafe.core.supervisor import Supervisor
from childsafe.demo.exploitation import seed_exploitation
from childsafe.demo.generator import generate
from childsafe.demo.logins import DEMO_PASSWORD, NotADemoDatabase, ensure_demo_users, logins_table
from childsafe.investigations.demo import generate_investigations
from childsafe.people.models import Person

WORKER_STOP_SECONDS = 15


class Command(BaseCommand):
    help = "Set up the embedded database with the synthetic demo force and run the worker and the web app."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address to serve on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8000, help="Port to serve on (default 8000).")
        parser.add_argument(
            "--scale", type=float, default=1.0, help="Size of the demo force if one is generated: 1 = about 5,000."
        )
        parser.add_argument("--no-worker", action="store_true", help="Don't start the worker.")

    def handle(self, *args, **options):
        if options["scale"] <= 0:
            raise CommandError("--scale must be more than 0: 1 is the demo force of about 5,000 people.")
        self.stdout.write("Preparing the database...")
        call_command("migrate", interactive=False, verbosity=0)
        if Person.objects.exists():
            self.stdout.write("The database already holds people: keeping them (nothing is generated).")
        else:
            report = generate(scale=options["scale"], progress=True)
            for line in report.lines():
                self.stdout.write(line)
            # The investigations caseload and DFU backlog (five years of it), so those pages look like a force's.
            made = generate_investigations(scale=options["scale"], history=1)
            self.stdout.write(
                f"Investigations: {made['open']} open, {made['closed']} closed, "
                f"{made['dfu_waiting']} DFU requests waiting."
            )
        try:
            rows = ensure_demo_users()
        except NotADemoDatabase as exc:
            raise CommandError(str(exc)) from None
        exploitation = seed_exploitation()
        if exploitation:
            self.stdout.write("Exploitation: " + ", ".join(f"{n} {what}" for what, n in exploitation.items()))

        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write("")
        self.stdout.write(f"Childsafe demo: {url}")
        self.stdout.write(
            f"Every demo login has the password {DEMO_PASSWORD!r}. All the people are synthetic; "
            "never use these logins or this password outside the demo."
        )
        for line in logins_table(rows):
            self.stdout.write(f"  {line}")
        self.stdout.write("")

        worker = None if options["no_worker"] else self._start_worker()
        # SIGTERM (a service manager, `kill`) stops the server as Ctrl+C does, so the worker is
        # always stopped and waited for below rather than left running on its own.
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            call_command("serve", host=options["host"], port=options["port"])
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            if worker is not None:
                self._stop_worker(worker)
        self.stdout.write("Childsafe demo stopped.")

    def _start_worker(self) -> Supervisor:
        command = [sys.executable, "-m", "childsafe.cli", "worker"]
        # Supervised: a worker that dies (a crash, a killed process) is started again.
        supervisor = Supervisor(command, env=os.environ.copy(), say=self.stderr.write)
        try:
            worker = supervisor.start()
        except OSError as exc:
            raise CommandError(
                f"The worker could not be started ({exc}). Run with --no-worker to serve without it."
            ) from exc
        self.stdout.write(
            f"Worker started (process {worker.pid}): it delivers messages and runs the rules sweep, "
            "and is started again if it stops."
        )
        return supervisor

    def _stop_worker(self, supervisor: Supervisor) -> None:
        code = supervisor.stop(timeout=WORKER_STOP_SECONDS)
        self.stdout.write(f"Worker stopped (exit code {code}).")


def _interrupt(signum, frame):
    raise KeyboardInterrupt
