"""`childsafe demo`: the embedded demo force on one machine, from nothing to a running system.

Migrates the database; if it has no people yet, generates the synthetic force with its five years of
history and today's open caseload (incidents, missing children, PPNs waiting for VAT, protections,
investigations, offenders), makes the demo logins, adds the exploitation records, runs the rules sweep
once (so the alerts are there on the first page) and the duplicate finder (so "Duplicates" has
suggestions). Then it starts the demo mail catcher (what partners would receive, read on the "Sent
email" page), the worker (outbox delivery to the catcher and the rules sweep) as a child process, and
serves the web app until Ctrl+C or SIGTERM, when it stops the worker and waits for it. Running it
again on the same database keeps what is there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from childsafe.core import engine
from childsafe.core.supervisor import Supervisor
from childsafe.demo.exploitation import seed_exploitation
from childsafe.demo.generator import generate
from childsafe.demo.logins import DEMO_PASSWORD, NotADemoDatabase, ensure_demo_users, logins_table
from childsafe.demo.mailcatcher import MailCatcher
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
        parser.add_argument(
            "--no-duplicates", action="store_true", help="Don't run the duplicate finder on a newly generated force."
        )

    def handle(self, *args, **options):
        if options["scale"] <= 0:
            raise CommandError("--scale must be more than 0: 1 is the demo force of about 5,000 people.")
        self.stdout.write("Preparing the database...")
        call_command("migrate", interactive=False, verbosity=0)
        try:
            fresh = not Person.objects.exists()
            # The duplicate finder (about 30 s at scale 1) runs beside the web server rather than before it,
            # so the first page is served sooner; its suggestions land in "Duplicates" a moment later.
            rows = load_demo(scale=options["scale"], write=self.stdout.write, duplicates=False)
        except NotADemoDatabase as exc:
            raise CommandError(str(exc)) from None

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

        catcher = self._start_mail_catcher()
        worker = None if options["no_worker"] else self._start_worker()
        finder = self._start_duplicate_finder() if fresh and not options["no_duplicates"] else None
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
            if finder is not None and finder.poll() is None:
                finder.terminate()
                finder.wait()
            if catcher is not None:
                catcher.stop()
        self.stdout.write("Childsafe demo stopped.")

    def _start_duplicate_finder(self) -> subprocess.Popen | None:
        command = [sys.executable, "-m", "childsafe.cli", "find_duplicates", "--verbosity", "0"]
        try:
            # Our own interpreter and a fixed argument list: no shell, no user input.
            finder = subprocess.Popen(command, env=os.environ.copy())  # noqa: S603
        except OSError as exc:
            self.stderr.write(f'The duplicate finder could not be started ({exc}); "Duplicates" starts empty.')
            return None
        self.stdout.write('Duplicate finder started: its suggestions appear in "Duplicates" in about half a minute.')
        return finder

    def _start_mail_catcher(self) -> MailCatcher | None:
        maildir = getattr(settings, "CHILDSAFE_DEMO_MAILDIR", None)
        if not maildir:
            self.stdout.write("Email goes to the SMTP server in the settings (these are not the demo settings).")
            return None
        # A free port of the system's choosing, so a second demo or another service on 1025 is no obstacle;
        # the worker (a child process) reads it from the environment.
        catcher = MailCatcher(Path(maildir)).start()
        os.environ["CHILDSAFE_SMTP_HOST"], os.environ["CHILDSAFE_SMTP_PORT"] = catcher.host, str(catcher.port)
        for name in ("CHILDSAFE_SMTP_STARTTLS", "CHILDSAFE_SMTP_SSL", "CHILDSAFE_SMTP_USER"):
            os.environ.pop(name, None)
        self.stdout.write(
            f"Mail catcher on {catcher.host}:{catcher.port}: email to schools and local authorities is kept, not "
            'sent. Sign in as admin and open "Sent email" to read it.'
        )
        return catcher

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


def load_demo(*, scale: float, write, duplicates: bool = True, progress: bool = True) -> list[tuple[str, str, str]]:
    """Everything but the serving: the force with its history and open caseload (on an empty database), the
    logins, the exploitation records, the sweep and the duplicate finder. Returns the logins' table rows."""
    fresh = not Person.objects.exists()
    if fresh:
        # History 1: five years of a force's usual closed work and today's open caseload, so every page
        # has something real on it the first time (investigations, protections, offenders included).
        report = generate(scale=scale, history=1, progress=progress)
        for line in report.lines():
            write(line)
    else:
        write("The database already holds people: keeping them (nothing is generated).")
    rows = ensure_demo_users()
    if fresh:
        _give_dc_west_a_caseload(write)
    exploitation = seed_exploitation()
    if exploitation:
        write("Exploitation: " + ", ".join(f"{n} {what}" for what, n in exploitation.items()))
    if fresh:
        prepare_live_work(write, duplicates=duplicates)
    return rows


def _give_dc_west_a_caseload(write) -> None:
    """The generated open investigations in the western area are the demo investigator's, so `dc_west` has
    a caseload to work (the generator allocated them to synthetic officers). Part of generating the force:
    the latest allocation of each names dc_west too, so the case's history agrees with its officer."""
    from django.db import transaction

    from childsafe.core.models import User
    from childsafe.investigations.models import Allocation, Investigation, InvestigationStatus

    officer = User.objects.filter(username="dc_west").first()
    if officer is None or officer.area_id is None:
        return
    with transaction.atomic():
        cases = list(
            Investigation.objects.filter(area_id=officer.area_id, officer__isnull=False).exclude(
                status=InvestigationStatus.CLOSED
            )
        )
        for case in cases:
            latest = Allocation.objects.filter(investigation=case).order_by("-at", "-pk").first()
            if latest is not None:
                Allocation.objects.filter(pk=latest.pk).update(officer=officer)
        Investigation.objects.filter(pk__in=[c.pk for c in cases]).update(officer=officer)
    if cases:
        write(f"Investigations: {len(cases)} open western-area cases are dc_west's.")


def prepare_live_work(write, *, duplicates: bool = True) -> None:
    """The sweep once (the alerts on the first page) and the duplicate finder (the "Duplicates" queue)."""
    started = time.monotonic()
    swept = engine.sweep(holder="demo")
    write(f"Rules sweep: {swept.raised:,} alerts raised in {time.monotonic() - started:.1f} s.")
    if not duplicates:
        return
    from childsafe.linkage import services as linkage

    started = time.monotonic()
    try:
        result = linkage.find_duplicates()
    except Exception as exc:  # noqa: BLE001 - the demo serves without suggestions rather than not at all
        write(f'The duplicate finder did not run ({exc}); "Duplicates" starts empty.')
        return
    write(
        f"Duplicate finder: {result.run.suggestions_created:,} suggested pairs for an analyst to confirm, "
        f"in {time.monotonic() - started:.1f} s."
    )


def _interrupt(signum, frame):
    raise KeyboardInterrupt
