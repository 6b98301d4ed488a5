"""`childsafe import_mhet`: bring MHET's three legacy spreadsheets into Childsafe (MP-13).

The work is in childsafe.missing.importer (its docstring is the full specification); this only reads
the options, prints the summary and writes the report.
"""

from __future__ import annotations

import argparse

from django.core.management.base import BaseCommand, CommandError

from childsafe.missing import importer

EPILOG = """\
Columns (headers are matched ignoring case and punctuation; other columns are ignored; * = required):
  every log      Name* ("Ella Hughes" or "HUGHES, Ella"), or Forename(s)* and Surname*;
                 Date of birth* (also DOB, D.O.B); Notes
  missing log    Reported* (date and time reported missing; also Date reported, Date missing);
                 Time reported (if the time is a separate column); Found (date and time; also Date
                 found, Returned); Time found; Found at (the place; also Where found)
  exploitation   Risk* (CSE, CCE or county lines; "CCE / county lines" gives both); Level (high,
                 medium or low)
  concerns log   Concern* (becomes a warning marker where one exists, e.g. self-harm, trafficking,
                 drugs, domestic abuse, knives; otherwise reported as "no Childsafe record type yet")

Dates: dd/mm/yyyy, dd/mm/yy, yyyy-mm-dd, "3 March 2023" or an Excel date cell, with an optional
UK local time (21:30, 9.30pm). Files: .csv (UTF-8 or Windows-1252) or .xlsx (first worksheet).

Each row is matched to a child by name and date of birth (an exact match, or one record scoring 0.9
or more). Missing rows become closed, imported missing episodes; exploitation and concern rows become
warning markers (source "MHET ... log row N"). Running it again imports nothing twice. Every row not
imported is reported with its file, row number, values and the reason, and per file:
  rows read = imported + already present + not matched + invalid + duplicate (+ no record type yet)

Examples:
  childsafe import_mhet --missing missing.xlsx --exploitation exploitation.csv --dry-run --report check.csv
  childsafe import_mhet --concerns concerns.csv --report concerns-report.csv
"""


class Command(BaseCommand):
    help = (
        "Import MHET's legacy spreadsheets (missing children log, exploitation risk log, other safeguarding "
        "concerns log) into Childsafe, with a validation report. Give any of the three files."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = argparse.RawDescriptionHelpFormatter
        parser.epilog = EPILOG
        return parser

    def add_arguments(self, parser):
        parser.add_argument("--missing", metavar="FILE", help="The missing children log (.csv or .xlsx).")
        parser.add_argument("--exploitation", metavar="FILE", help="The exploitation risk log (.csv or .xlsx).")
        parser.add_argument("--concerns", metavar="FILE", help="The other safeguarding concerns log (.csv or .xlsx).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report everything, then roll back: nothing is changed."
        )
        parser.add_argument(
            "--report", metavar="OUT.csv", help="Write every row and what happened to it to this CSV file."
        )

    def _progress(self, kind: str, done: int, total: int) -> None:
        # On stderr, so the summary on stdout stays the same whatever the size of the files.
        self.stderr.write(f"{importer.LABELS[kind]}: {done:,} of {total:,} rows")

    def handle(self, *args, **options):
        files = {kind: options[kind] for kind in importer.KINDS if options.get(kind)}
        if not files:
            raise CommandError("Give at least one file: --missing FILE, --exploitation FILE or --concerns FILE.")
        try:
            report = importer.import_mhet(files=files, dry_run=options["dry_run"], progress=self._progress)
        except importer.ImportFileError as exc:
            raise CommandError(f"{exc} Nothing was imported.") from exc
        for line in report.lines():
            self.stdout.write(line)
        problems = report.problems
        if options["report"]:
            report.write_csv(options["report"])
            self.stdout.write(f"Report of every row ({len(problems):,} not imported): {options['report']}")
        elif problems or any(r.warning for r in report.rows):
            self.stdout.write("Rows to look at (use --report FILE for all of them as a spreadsheet):")
            for r in report.rows:
                if r.outcome in (importer.IMPORTED, importer.ALREADY_PRESENT) and not r.warning:
                    continue
                label = importer.OUTCOME_LABELS[r.outcome]
                ok = r.outcome in (importer.IMPORTED, importer.ALREADY_PRESENT)
                detail = r.warning if ok else r.reason
                self.stdout.write(f"  {importer.LABELS[r.kind]} row {r.row}: {label}: {detail}")
                self.stdout.write(f"      {importer.format_values(r.values)}")
