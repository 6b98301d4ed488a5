"""Load a school's closed days from its own CSV (`from,to,reason` rows) as its calendar (RF-9)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from childsafe.core.errors import InvalidInput
from childsafe.people import calendars, services
from childsafe.people.models import Organisation, OrganisationType


class Command(BaseCommand):
    help = (
        "Replace a school's calendar with the closed days in a CSV of from,to,reason rows "
        "(dates dd/mm/yyyy or yyyy-mm-dd; 'to' blank for a single day)."
    )

    def add_arguments(self, parser):
        parser.add_argument("urn", help="The school's unique reference number (URN).")
        parser.add_argument("file", help="The CSV file of closed days.")
        parser.add_argument(
            "--base",
            default="england_bank_holidays",
            choices=sorted(calendars.BASES),
            help="The built-in closed days the CSV adds to (default: the bank holidays only).",
        )

    def handle(self, *args, **options):
        urn = options["urn"].strip()
        school = Organisation.objects.filter(urn=urn).first() if urn else None
        if school is None:
            raise CommandError(f"There is no school with the URN {urn!r}.")
        if school.type != OrganisationType.SCHOOL:
            raise CommandError(f"{school.name} (URN {urn}) is not a school, so it has no calendar.")
        path = Path(options["file"])
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise CommandError(f"There is no file called {path}.") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path} can't be read as a UTF-8 CSV file: {exc}") from None
        try:
            calendar = calendars.parse_calendar_csv(text, base=options["base"])
        except ValueError as exc:
            raise CommandError(f"{path} has mistakes, so {school.name}'s calendar is unchanged.\n{exc}") from None
        try:
            services.school_calendar_set(actor=None, school=school, calendar=calendar)
        except InvalidInput as exc:
            raise CommandError(" ".join(exc.errors.values())) from None
        closed = len(calendar.get("closed", []))
        self.stdout.write(f"{school.name} (URN {urn}): calendar saved on {options['base']}, {closed} closed range(s).")
