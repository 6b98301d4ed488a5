from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from childsafe.core import services
from childsafe.core.errors import InvalidInput
from childsafe.core.models import User
from childsafe.core.roles import Role


class Command(BaseCommand):
    help = "Issue an API token for a service account (a system integration's). The token is printed once."

    def add_arguments(self, parser):
        parser.add_argument("username", help="The service account the integration acts as.")
        parser.add_argument("name", help="Which system uses the token, e.g. 'custody system'.")
        parser.add_argument("--as", dest="admin", required=True, help="The administrator issuing it.")

    def handle(self, *args, **options):
        admin = User.objects.filter(username=options["admin"], role=Role.ADMINISTRATOR).first()
        if admin is None:
            raise CommandError(f"{options['admin']!r} is not an administrator's username.")
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"There is no user called {options['username']!r}.")
        try:
            _, raw = services.api_token_create(actor=admin, user=user, name=options["name"])
        except InvalidInput as exc:
            raise CommandError(" ".join(exc.errors.values())) from None
        self.stdout.write(raw)
