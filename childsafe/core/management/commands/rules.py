from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from childsafe.core import rulebook


class Command(BaseCommand):
    help = "List every rule the engine knows: ID, kind, title, owner, changeable timings, app and source."

    def add_arguments(self, parser):
        parser.add_argument(
            "--markdown",
            nargs="?",
            const=str(rulebook.DOC_PATH),
            metavar="FILE",
            help=f"Write the list as markdown to FILE (default {rulebook.DOC_PATH.name} in docs/).",
        )

    def handle(self, *args, **options):
        if options["markdown"]:
            path = Path(options["markdown"])
            path.write_text(rulebook.as_markdown(), encoding="utf-8")
            self.stdout.write(f"Wrote {len(rulebook.rows())} rules to {path}.")
            return
        self.stdout.write(rulebook.as_text(), ending="")
