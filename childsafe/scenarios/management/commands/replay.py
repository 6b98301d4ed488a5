from __future__ import annotations

import glob
import json
import os
import shutil
import sys
from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections

from childsafe.scenarios.loader import ScenarioError
from childsafe.scenarios.replay import Replay
from childsafe.scenarios.verbs import load_all


class Command(BaseCommand):
    help = "Replay assurance scenarios (YAML) on a fresh database and report what Childsafe did."

    def add_arguments(self, parser):
        parser.add_argument(
            "files",
            nargs="*",
            help="Scenario files, folders of them, or quoted globs (scenarios/, 'scenarios/missing-*.yaml').",
        )
        parser.add_argument("--json", action="store_true", help="Print the reports as JSON.")
        parser.add_argument("--verbs", action="store_true", help="List every verb a step can use, with its fields.")
        parser.add_argument(
            "--keep-database",
            action="store_true",
            help="Run against the configured database instead of a throwaway one.",
        )

    def handle(self, *args, **options):
        if options["verbs"]:
            self._verbs()
            return
        if not options["files"]:
            raise CommandError(
                "Name the scenario files, or a folder of them (for example: childsafe replay scenarios/)."
            )
        options["files"] = expand(options["files"])
        throwaway = os.environ.get("CHILDSAFE_REPLAY_DATABASE")
        template = None
        if throwaway and not options["keep_database"]:
            call_command("migrate", verbosity=0, interactive=False)
            connections.close_all()
            template = Path(throwaway).with_suffix(".template")
            shutil.copyfile(throwaway, template)
        reports, failed, broken = [], 0, 0
        for name in options["files"]:
            if template is not None:
                connections.close_all()
                shutil.copyfile(template, throwaway)
            try:
                report = Replay.from_file(name).run()
            except ScenarioError as exc:
                broken += 1
                self.stderr.write(f"Error: {exc}")
                reports.append({"path": name, "error": str(exc), "passed": False})
                continue
            failed += 0 if report.passed else 1
            reports.append({"path": name, **report.as_json()})
            if not options["json"]:
                self._print(name, report)
        if options["json"]:
            self.stdout.write(json.dumps(reports if len(reports) > 1 else reports[0], indent=2))
        else:
            total = len(options["files"])
            self.stdout.write(f"{total - failed - broken} passed, {failed + broken} failed")
        if broken:
            sys.exit(2)
        if failed:
            sys.exit(1)

    def _verbs(self):
        # The verbs come from the registry, so this list is never behind what the replay accepts.
        for name, v in sorted(load_all().verbs.items()):
            fields = [
                f if f in v.required else f"({f})" for f in sorted(v.fields, key=lambda f: (f not in v.required, f))
            ]
            line = f"{name}: {', '.join(fields)}"
            self.stdout.write(f"{line}  -- {v.description}" if v.description else line)
        self.stdout.write("Fields in brackets are optional.")

    def _print(self, name, report):
        mark = "PASS" if report.passed else "FAIL"
        self.stdout.write(f"{mark} {report.id}: {report.title} ({name})")
        for exp in report.expectations:
            shown = {k: v for k, v in exp.items() if k not in {"held", "note"}}
            note = f" ({exp['note']})" if exp.get("note") else ""
            self.stdout.write(f"  [{'x' if exp['held'] else ' '}] {shown}{note}")
        for refused in report.refused:
            self.stdout.write(f"  refused: {refused['step']} by {refused['rule']}: {refused['message']}")


def expand(names: list[str]) -> list[str]:
    """Files as given; a folder becomes its YAML files and a glob its matches, each in name order."""
    files: list[str] = []
    for name in names:
        path = Path(name)
        if path.is_dir():
            found = sorted(str(p) for p in path.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())
            if not found:
                raise CommandError(f"There are no scenario files (*.yaml) in {name}.")
            files += found
        elif not path.exists() and glob.has_magic(name):
            found = sorted(glob.glob(name))
            if not found:
                raise CommandError(f"No scenario file matches {name}.")
            files += found
        else:
            files.append(name)
    return files
