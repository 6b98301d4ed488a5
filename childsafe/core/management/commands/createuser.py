from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError

from childsafe.core import services
from childsafe.core.errors import InvalidInput
from childsafe.core.models import Area
from childsafe.core.roles import Role


class Command(BaseCommand):
    help = "Create an account with a role (the first administrator, or any user from the command line)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--area", help="Command area code: city, west or east.")
        parser.add_argument("--organisation", type=int, help="Organisation id, for partner accounts.")
        parser.add_argument("--first-name", default="")
        parser.add_argument("--last-name", default="")
        parser.add_argument(
            "--service",
            action="store_true",
            help="A system integration's account: no password, API tokens only (childsafe token).",
        )

    def handle(self, *args, **options):
        area = None
        if options["area"]:
            area = Area.objects.filter(code=options["area"]).first()
            if area is None:
                codes = ", ".join(Area.objects.values_list("code", flat=True))
                raise CommandError(f"There is no area {options['area']!r}. Use one of: {codes}.")
        password = None if options["service"] else getpass.getpass("Password (12 characters or more): ")
        try:
            user = services.user_create(
                actor=None,
                username=options["username"],
                role=options["role"],
                password=password,
                area=area,
                organisation_id=options["organisation"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                channel="cli",
                service_account=options["service"],
            )
        except InvalidInput as exc:
            raise CommandError("; ".join(f"{k}: {v}" for k, v in exc.errors.items())) from None
        kind = "service account, " if user.is_service_account else ""
        self.stdout.write(f"Created {user.username} ({kind}{user.get_role_display()}).")
