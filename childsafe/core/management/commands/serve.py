from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Childsafe over HTTP with waitress (put a TLS-terminating proxy in front in production)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, **options):
        from waitress import serve  # type: ignore[import-untyped]

        from childsafe.config.wsgi import application

        self.stdout.write(f"Childsafe is running at http://{options['host']}:{options['port']}/ (Ctrl+C to stop)")
        serve(application, host=options["host"], port=options["port"], threads=options["threads"], ident="childsafe")
