"""Bring MHET's three legacy spreadsheets into Childsafe, with a validation report (MP-13).

MP-13: "MHET works from one worklist ... no spreadsheets." Until now the Missing from Home and
Exploitation Team kept three logs. This importer reads them once (it is safe to run again) and puts
each row where Childsafe keeps that kind of information:

  missing children log        -> a closed, imported missing episode (missing.services.history_import),
                                 so the child's missing history counts for MP-5 (priority missing)
                                 and shows in the intelligence check (CR-4)
  exploitation risk log       -> a warning marker: cse, cce or county_lines (people.services.marker_add)
  other safeguarding concerns -> a warning marker where the concern has one in the marker vocabulary;
                                 otherwise the row is reported as "no Childsafe record type yet"

Files are CSV (UTF-8, or Windows-1252 as older Excel saves it; comma, semicolon or tab separated) or
XLSX (the first worksheet), told apart by the extension. The header row is the first row, or the first
of the top ten rows that names the required columns (a title row above the headers is fine). Headers
are matched ignoring case, spaces and punctuation, so "DOB", "D.O.B" and "Date of birth" are the same
column. Columns not listed here are ignored and named in the report. Entirely empty rows are skipped
and not counted. Row numbers are the spreadsheet's own (the header is usually row 1).

Columns (* required; the name is either one "Name" column or "Forename(s)" + "Surname"):

  every log       Name*            also: Child, Child's name, Full name, Young person
                                   ("Ella Hughes" or "HUGHES, Ella")
                  Forename(s)*     also: First name(s), Given name(s)    } instead of Name
                  Surname*         also: Last name, Family name          }
                  Date of birth*   also: DOB, D.O.B, Birth date, Born
                  Notes            also: Note, Comments, Details
  missing log     Reported*        also: Date reported, Reported missing, Reported at, Date/time
                                   reported, Date missing, Missing from
                  Time reported    (if the time is in a column of its own)
                  Found            also: Date found, Found on, Returned, Date returned, Located
                  Time found       (if the time is in a column of its own)
                  Found at         the place: also Where found, Place found, Found location
  exploitation    Risk*            CSE, CCE or county lines (also: Risk type, Exploitation type, Type);
                                   "CCE / county lines" gives both markers
                  Level            high, medium or low (also: Risk level, Rating, Grading)
  concerns log    Concern*         also: Concern type, Type, Issue, Category, Safeguarding concern

Dates are UK dates: dd/mm/yyyy, dd/mm/yy, yyyy-mm-dd, d Month yyyy, or a date cell in Excel; a time
may follow (21:30, 9.30pm). Times are UK local time. A two-digit year is this century unless that
would be in the future ("01/02/95" is 1995).

Each row is matched to a child with the duplicate matcher (people.search.possible_duplicates): an
exact name and date of birth match, or else the one record scoring 0.9 or more. Records already linked
as the same child (PL-2) count as one. Two or more equally good matches, or none, and the row is not
imported: the report says which records came close, so someone can check and correct it.

Every row ends in exactly one outcome, so the numbers add up:
  rows read = imported + already present + not matched + invalid + duplicate + no record type yet
- imported: written to Childsafe now.
- already present: the episode (same child, reported the same minute) or an active marker of the same
  type on the child is already there, from an earlier run or recorded since. Re-running imports nothing new.
- not matched: no child, or more than one, matches the name and date of birth.
- invalid: a blank name, a date that isn't a real date, a found time before the reported time, ...
- duplicate: the same values as an earlier row of the same file; counted once.
- no record type yet: a concern Childsafe has no marker for (radicalisation, neglect, ...). Never
  dropped silently: each is in the report, with the child it matched.

The import commits in batches of BATCH_ROWS rows (ADR 0044): every record view writes an access event at
the end of the audit chain, so one long transaction would hold every page that opens a record until it
committed. A file that can't be read, or lacks a required column, stops everything before any write. If a
run stops part way (the machine, the database), the rows committed so far stay, and running the same
command again finishes the job: those rows are "already present", nothing is imported twice. A dry run
does all the work in one transaction, reports, and rolls back (so its numbers are exactly a real run's).
One audit event (mhet.import) records the run and its counts; each episode and marker also writes its
own audit event, as every service does.
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction

from childsafe.core import audit, clock
from childsafe.core.clock import LONDON
from childsafe.core.errors import InvalidInput
from childsafe.core.models import AuditCategory
from childsafe.missing.models import MissingEpisode
from childsafe.missing.services import history_import
from childsafe.people import identity, search, selectors
from childsafe.people.models import Person
from childsafe.people.services import MAX_NAME, MAX_TEXT, marker_add
from childsafe.people.vocabulary import MarkerType

# A single record scoring this or more, with no rival, is taken as the child (the brief: >= 0.9).
STRONG_MATCH = 0.9
HEADER_SEARCH_ROWS = 10

MISSING, EXPLOITATION, CONCERNS = "missing", "exploitation", "concerns"
KINDS = (MISSING, EXPLOITATION, CONCERNS)
LABELS = {
    MISSING: "missing children log",
    EXPLOITATION: "exploitation risk log",
    CONCERNS: "other safeguarding concerns log",
}
SOURCES = {
    MISSING: "MHET missing children log row {row}",
    EXPLOITATION: "MHET exploitation log row {row}",
    CONCERNS: "MHET concerns log row {row}",
}

IMPORTED = "imported"
ALREADY_PRESENT = "already_present"
UNMATCHED = "unmatched"
INVALID = "invalid"
DUPLICATE = "duplicate"
NO_RECORD_TYPE = "no_record_type"
OUTCOMES = (IMPORTED, ALREADY_PRESENT, UNMATCHED, INVALID, DUPLICATE, NO_RECORD_TYPE)
OUTCOME_LABELS = {
    IMPORTED: "imported",
    ALREADY_PRESENT: "already present",
    UNMATCHED: "not matched",
    INVALID: "invalid",
    DUPLICATE: "duplicate",
    NO_RECORD_TYPE: "no record type yet",
}


def _norm_header(text: Any) -> str:
    # "D.O.B" -> "dob", "Date/time reported" -> "date time reported", "Child's name" -> "childs name"
    text = str(text or "").strip().lower().replace("'", "").replace("\u2019", "")
    text = re.sub(r"(?<=\b[a-z])\.(?=[a-z]\b)", "", text)  # D.O.B -> dob
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def _variants(*names: str) -> frozenset[str]:
    return frozenset(_norm_header(n) for n in names)


# Field -> the headers that mean it. Checked so that no header means two fields in one log.
COMMON_COLUMNS = {
    "name": _variants(
        "name", "child", "child name", "childs name", "name of child", "full name", "young person", "young persons name"
    ),
    "forenames": _variants("forename", "forenames", "forename(s)", "first name", "first names", "given name(s)",
                           "given names", "given name", "christian name"),
    "surname": _variants("surname", "last name", "family name"),
    "dob": _variants("dob", "d.o.b", "d.o.b.", "date of birth", "birth date", "birthdate", "born"),
    "notes": _variants("notes", "note", "comments", "comment", "details", "further information"),
}  # fmt: skip
KIND_COLUMNS = {
    MISSING: {
        "reported": _variants(
            "reported", "date reported", "reported missing", "date reported missing", "reported at", "reported on",
            "date/time reported", "date and time reported", "reported (date/time)", "reported date", "date missing",
            "missing from", "missing date", "date/time missing", "reported date/time",
        ),
        "reported_time": _variants("time reported", "reported time", "time reported missing", "time missing"),
        "found": _variants(
            "found", "date found", "found on", "found (date/time)", "date/time found", "found date", "found date/time",
            "returned", "date returned", "return date", "returned on", "located", "date located",
        ),
        "found_time": _variants("time found", "found time", "time returned", "time located"),
        "found_place": _variants(
            "found at", "where found", "place found", "found location", "location found", "found place",
            "found at (place)", "returned to", "located at",
        ),
        "last_seen": _variants(
            "last seen", "date last seen", "last seen on", "last seen date", "last seen (date/time)",
            "date/time last seen", "last seen date/time",
        ),
        "last_seen_time": _variants("time last seen", "last seen time"),
        "last_seen_place": _variants(
            "last seen at", "where last seen", "place last seen", "last seen place", "last seen location",
            "location last seen",
        ),
    },
    EXPLOITATION: {
        "risk": _variants("risk", "risk type", "exploitation", "exploitation type", "exploitation risk", "type",
                          "type of exploitation"),
        "level": _variants("level", "risk level", "rating", "risk rating", "grading", "grade"),
    },
    CONCERNS: {
        "concern": _variants("concern", "concerns", "concern type", "type", "issue", "category",
                             "safeguarding concern", "type of concern"),
    },
}  # fmt: skip
REQUIRED = {MISSING: ("dob", "reported"), EXPLOITATION: ("dob", "risk"), CONCERNS: ("dob", "concern")}
FIELD_LABELS = {
    "name": "Name",
    "forenames": "Forename(s)",
    "surname": "Surname",
    "dob": "Date of birth",
    "notes": "Notes",
    "reported": "Reported",
    "reported_time": "Time reported",
    "found": "Found",
    "found_time": "Time found",
    "found_place": "Found at",
    "last_seen": "Last seen",
    "last_seen_time": "Time last seen",
    "last_seen_place": "Last seen at",
    "risk": "Risk",
    "level": "Level",
    "concern": "Concern",
}

# Exploitation risks the log may name, and the marker each becomes (RULES.md EX; vocabulary.MarkerType).
EXPLOITATION_TERMS: dict[str, tuple[str, ...]] = {
    MarkerType.CSE: ("cse", "child sexual exploitation", "sexual exploitation"),
    MarkerType.CCE: ("cce", "child criminal exploitation", "criminal exploitation"),
    MarkerType.COUNTY_LINES: ("county lines", "county line", "countylines", "cl"),
}
# Other concerns that have a marker in the vocabulary. Anything else is "no Childsafe record type yet".
CONCERN_TERMS: dict[str, tuple[str, ...]] = {
    **EXPLOITATION_TERMS,
    MarkerType.TRAFFICKING: ("trafficking", "trafficked", "modern slavery", "slavery"),
    MarkerType.DEBT_BONDAGE: ("debt bondage", "drug debt", "debt"),
    MarkerType.SUICIDE: ("suicide", "suicidal", "self harm", "selfharm", "self harming", "suicide or self harm"),
    MarkerType.MENTAL_HEALTH: ("mental health", "mental ill health", "camhs"),
    MarkerType.DRUGS: ("drugs", "drug use", "substance misuse", "substance use", "substances"),
    MarkerType.DOMESTIC_ABUSE: ("domestic abuse", "domestic violence", "da", "dv"),
    MarkerType.KNIVES: ("knives", "knife", "knife crime", "bladed article", "blades"),
    MarkerType.FIREARMS: ("firearms", "firearm", "guns", "gun"),
    MarkerType.WEAPONS: ("weapons", "weapon"),
    MarkerType.VIOLENCE: ("violence", "violent"),
    MarkerType.MISSING: ("repeat missing", "frequently missing", "missing from home", "missing from care"),
    MarkerType.ESCAPE_RISK: ("escape risk", "absconder", "absconding"),
    MarkerType.ALLEGES: ("makes allegations", "allegations"),
    MarkerType.DISABILITY: ("disability", "disabled", "communication need", "communication needs"),
}
LEVELS = {"high": "high", "h": "high", "medium": "medium", "med": "medium", "m": "medium", "low": "low", "l": "low"}


class ImportFileError(ValueError):
    """A whole file can't be read (no such file, wrong type, required columns missing). Nothing is imported."""


# ---------------------------------------------------------------------------------------------------------------
# The report


@dataclass
class RowResult:
    kind: str
    file: str
    row: int
    outcome: str
    reason: str
    values: dict[str, str]
    person_id: int | None = None
    warning: str = ""  # imported, but someone should look (a missing episode with no found time)


@dataclass
class FileReport:
    kind: str
    path: str
    columns: dict[str, str] = field(default_factory=dict)  # field -> the header used
    ignored_columns: list[str] = field(default_factory=list)
    rows: list[RowResult] = field(default_factory=list)

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(r.outcome for r in self.rows)
        return {"rows_read": len(self.rows), **{o: counted.get(o, 0) for o in OUTCOMES}}

    @property
    def warnings(self) -> list[RowResult]:
        return [r for r in self.rows if r.warning]


@dataclass
class ImportReport:
    dry_run: bool
    started_at: datetime
    files: list[FileReport] = field(default_factory=list)

    def file(self, kind: str) -> FileReport:
        return next(f for f in self.files if f.kind == kind)

    @property
    def rows(self) -> list[RowResult]:
        return [r for f in self.files for r in f.rows]

    @property
    def problems(self) -> list[RowResult]:
        """Rows not imported for a reason someone must act on (already-present rows need nothing)."""
        return [r for r in self.rows if r.outcome not in (IMPORTED, ALREADY_PRESENT)]

    def summary(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "files": {f.kind: {"file": Path(f.path).name, **f.counts} for f in self.files},
        }

    def lines(self) -> list[str]:
        head = "MHET spreadsheet import" + (" (dry run: nothing was changed)" if self.dry_run else "")
        out = [head]
        for f in self.files:
            c = f.counts
            out.append(f"{f.label.capitalize()} ({Path(f.path).name}):")
            out.append(
                f"  rows read {c['rows_read']:,} = imported {c[IMPORTED]:,} + already present {c[ALREADY_PRESENT]:,}"
                f" + not matched {c[UNMATCHED]:,} + invalid {c[INVALID]:,} + duplicate {c[DUPLICATE]:,}"
                + (f" + no record type yet {c[NO_RECORD_TYPE]:,}" if f.kind == CONCERNS else "")
            )
            if f.ignored_columns:
                out.append(f"  columns ignored: {', '.join(f.ignored_columns)}")
            if f.warnings:
                out.append(f"  {len(f.warnings):,} imported row(s) need a check: see the report")
        return out

    def write_csv(self, path: str | Path) -> None:
        """Every row and what happened to it, for MHET to work through (opens in Excel)."""
        with open(path, "w", newline="", encoding="utf-8-sig") as fh:
            writer = csv.writer(fh)
            writer.writerow(["file", "log", "row", "outcome", "reason", "check", "childsafe_record", "values"])
            for r in self.rows:
                writer.writerow(
                    [
                        _cell_safe(Path(r.file).name),
                        LABELS[r.kind],
                        r.row,
                        OUTCOME_LABELS[r.outcome],
                        _cell_safe(r.reason),
                        _cell_safe(r.warning),
                        r.person_id or "",
                        _cell_safe(format_values(r.values)),
                    ]
                )


def format_values(values: dict[str, str]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in values.items() if v != "")


def _cell_safe(text: str) -> str:
    # A value from someone's spreadsheet must not become a formula when MHET opens the report in Excel.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


# ---------------------------------------------------------------------------------------------------------------
# Reading files


def _read_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    """(spreadsheet row number, cell values) for every row, header included."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx" or suffix == ".xlsm":
        import openpyxl

        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises several kinds for a file that isn't a workbook
            raise ImportFileError(f"{path.name} can't be opened as an Excel workbook ({exc}).") from exc
        try:
            sheet = workbook.worksheets[0]
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield number, list(cells)
        finally:
            workbook.close()
    elif suffix in (".csv", ".txt"):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = raw.decode("cp1252")  # Excel on Windows saves "CSV" in Windows-1252
            except UnicodeDecodeError as exc:
                # Said, not replaced: a name silently changed to "?" is a wrong name on a child's record.
                line = raw[: exc.start].count(b"\n") + 1
                raise ImportFileError(
                    f"{path.name} has characters that can't be read on line {line} (byte "
                    f"{raw[exc.start]:#04x}). Open it in Excel and save it as 'CSV UTF-8', then import it again."
                ) from None
        # The separator is whichever of , ; or tab the first lines use most (csv.Sniffer is thrown by
        # semicolons or commas inside the notes).
        head = [line for line in text.splitlines() if line.strip()][:5]
        delimiter = max((",", ";", "\t"), key=lambda d: sum(line.count(d) for line in head))
        for number, cells in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
            yield number, cells
    elif suffix == ".xls":
        raise ImportFileError(f"{path.name} is an old-style .xls workbook: open it in Excel and save it as .xlsx.")
    else:
        raise ImportFileError(f"{path.name}: use a .csv or .xlsx file.")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _find_columns(kind: str, header: list[Any]) -> tuple[dict[str, int], list[str]]:
    wanted = {**COMMON_COLUMNS, **KIND_COLUMNS[kind]}
    columns: dict[str, int] = {}
    ignored = []
    for index, cell in enumerate(header):
        if _blank(cell):
            continue
        norm = _norm_header(cell)
        name = next((f for f, variants in wanted.items() if norm in variants), None)
        if name is None or name in columns:
            ignored.append(str(cell).strip())
        else:
            columns[name] = index
    return columns, ignored


def _has_required(kind: str, columns: dict[str, int]) -> bool:
    has_name = "name" in columns or ("forenames" in columns and "surname" in columns)
    return has_name and all(f in columns for f in REQUIRED[kind])


# ---------------------------------------------------------------------------------------------------------------
# Values


DATE_FORMATS = (
    "%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y", "%d-%m-%y", "%d.%m.%Y", "%d.%m.%y", "%Y/%m/%d",
    "%d %B %Y", "%d %b %Y", "%d-%b-%Y", "%d-%b-%y", "%d %b %y", "%d %B %y", "%d/%b/%Y",
)  # fmt: skip
TIME_FORMATS = ("%H:%M", "%H:%M:%S", "%H.%M", "%H%M", "%I:%M%p", "%I.%M%p", "%I%p")
DATE_HINT = "Use dd/mm/yyyy, for example 27/03/2009"
DATETIME_HINT = "Use dd/mm/yyyy hh:mm, for example 27/03/2023 21:30"


class BadValue(ValueError):
    pass


def _two_digit_year(value: date) -> date:
    # strptime puts 69-99 in the 1900s and 00-68 in the 2000s; this century unless that is in the future.
    value = value.replace(year=2000 + value.year % 100)
    if value > clock.today_london():
        value = value.replace(year=value.year - 100)
    return value


def parse_date(text: str) -> date:
    text = " ".join(text.replace(",", " ").split())
    text = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", text, flags=re.IGNORECASE)  # "3rd March 2020"
    for fmt in DATE_FORMATS:
        try:
            value = datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        return _two_digit_year(value) if fmt.endswith("%y") else value
    raise BadValue(text)


def parse_time(text: str) -> time:
    text = text.strip().lower().replace(" ", "").replace(".m.", "m").replace("a.m", "am").replace("p.m", "pm")
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).time()  # %p ignores case
        except ValueError:
            continue
    raise BadValue(text)


def _split_datetime(text: str) -> tuple[str, str]:
    text = " ".join(text.strip().split())
    match = re.match(r"^(\d{4}-\d{2}-\d{2})[T ](.+)$", text)
    if match:
        return match.group(1), match.group(2)
    match = re.match(r"^(.*?)(?:\s+at\s+|\s+|,\s*)(\d{1,2}(?:[:.]\d{2}){0,2}\s*(?:[ap]\.?m\.?)?)$", text, re.IGNORECASE)
    if match and re.search(r"\d", match.group(1)):
        return match.group(1), match.group(2)
    return text, ""


def _excel_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0))
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1 <= value < 2_958_466:
        # A date cell formatted as a number: Excel's day count.
        from openpyxl.utils.datetime import from_excel

        result = from_excel(value)
        return result if isinstance(result, datetime) else datetime.combine(result, time(0, 0))
    return None


def to_date(value: Any) -> date:
    when = _excel_datetime(value)
    if when is not None:
        return when.date()
    return parse_date(str(value))


def to_local_datetime(value: Any, time_value: Any = None) -> datetime:
    """A UK local date and time from the sheet, as aware UTC. No time given: midnight."""
    when = _excel_datetime(value)
    if when is None:
        try:
            when = datetime.combine(parse_date(str(value)), time(0, 0))
        except BadValue:
            day_text, time_text = _split_datetime(str(value))
            if not time_text:
                raise
            when = datetime.combine(parse_date(day_text), parse_time(time_text))
    if not _blank(time_value):
        if isinstance(time_value, time):
            at = time_value
        elif isinstance(time_value, datetime):
            at = time_value.time()
        elif isinstance(time_value, float) and 0 <= time_value < 1:  # a time cell as a fraction of a day
            at = (datetime.min + timedelta(days=time_value)).time().replace(microsecond=0)
        else:
            at = parse_time(str(time_value))
        when = datetime.combine(when.date(), at)
    # fold=0: in the October hour that happens twice, the first (BST) one.
    return when.replace(tzinfo=LONDON).astimezone(UTC)


def _display(value: Any) -> str:
    """A cell as the report shows it (dates the UK way)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M") if value.time() != time(0, 0) else value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def split_name(full: str) -> tuple[str, str]:
    """("HUGHES, Ella" or "Ella Hughes") -> ("Ella", "Hughes")."""
    full = " ".join(full.split())
    if "," in full:
        surname, _, forenames = full.partition(",")
        return forenames.strip(), surname.strip()
    words = full.split(" ")
    if len(words) == 1:
        return "", words[0]
    return " ".join(words[:-1]), words[-1]


_FILLER = re.compile(
    r"^(?:(?:at )?risk of|suspected|possible|potential|victim of|concerns? (?:about|over|re|regarding)|concerns?) "
)
_FILLER_END = re.compile(r" (?:risk|concerns?|concern)$")


def marker_types_named(text: str, vocabulary: dict[str, tuple[str, ...]]) -> tuple[list[str], list[str]]:
    """The marker types a risk or concern names, and the parts it couldn't place.

    Each part ("CCE / county lines", "self-harm and drugs") must be one of the vocabulary's terms, give or
    take "risk of", "suspected", ...: free text is never searched for a word, because "asked to send
    images" is not a disability and "missing education" is not a repeat-missing marker.
    """
    types: list[str] = []
    unknown: list[str] = []
    for raw in re.split(r"[/,&+;]|\band\b|\bor\b", text, flags=re.IGNORECASE):
        part = " ".join(identity.normalise(raw).split())
        if not part:
            continue
        for _ in range(2):
            part = _FILLER.sub("", part)
            part = _FILLER_END.sub("", part)
        marker = next((str(m) for m, terms in vocabulary.items() if part in terms), None)
        if marker is None:
            unknown.append(raw.strip())
        elif marker not in types:
            types.append(marker)
    return types, unknown


# ---------------------------------------------------------------------------------------------------------------
# Matching


@dataclass
class Matched:
    person: Person | None
    reason: str


def _born(person: Person) -> str:
    return person.date_of_birth.strftime("%d/%m/%Y") if person.date_of_birth else "date of birth not known"


def _describe(person: Person) -> str:
    return f"record {person.pk} ({person.full_name}, born {_born(person)})"


def _local_date(when: datetime) -> date:
    return when.astimezone(LONDON).date()


def match_child(forenames: str, surname: str, dob: date) -> Matched:
    """The one child this row is about, or why not. Exact name and date of birth first, then one strong match."""
    candidates = search.possible_duplicates(forenames=forenames, surname=surname, date_of_birth=dob)
    if not candidates:
        return Matched(
            None,
            "No record in Childsafe matches this name and date of birth. Check the spelling and the date of "
            "birth, or record the child in Childsafe first, then import again.",
        )

    def same(a: str, b: str) -> bool:
        return identity.normalise(a) == identity.normalise(b)

    def one_per_child(people: list[tuple[Person, identity.Match]]) -> list[tuple[Person, identity.Match]]:
        # Records already linked as the same child (PL-2) are one child: keep the best-scoring record of each.
        kept: dict[int, tuple[Person, identity.Match]] = {}
        for person, m in people:
            root = min(selectors.identity_cluster(person.pk))
            if root not in kept or m.score > kept[root][1].score:
                kept[root] = (person, m)
        return list(kept.values())

    exact = one_per_child(
        [
            (p, m)
            for p, m in candidates
            if p.date_of_birth == dob and same(p.forenames, forenames) and same(p.surname, surname)
        ]
    )
    if len(exact) == 1:
        return Matched(exact[0][0], "exact name and date of birth")
    strong = exact or one_per_child([(p, m) for p, m in candidates if m.score >= STRONG_MATCH])
    if len(strong) == 1:
        person, m = strong[0]
        return Matched(person, f"matched with score {m.score:.2f}: {', '.join(m.reasons)}")
    if len(strong) > 1:
        names = "; ".join(_describe(p) for p, _ in strong[:5])
        return Matched(
            None,
            f"More than one record matches equally well: {names}. If they are the same child, link the records "
            "(PL-2); otherwise correct the name or date of birth on this row. Then import again.",
        )
    best, m = candidates[0]
    return Matched(
        None,
        f"No record matches closely enough to be sure. The nearest is {_describe(best)}, score {m.score:.2f} "
        f"({', '.join(m.reasons)}); {STRONG_MATCH} is needed. Check the row, correct it and import again.",
    )


# ---------------------------------------------------------------------------------------------------------------
# Rows


@dataclass
class _Row:
    number: int
    values: dict[str, str]  # header -> value as shown
    cells: dict[str, Any]  # field -> raw cell


class _FileImporter:
    def __init__(self, kind: str, path: Path, report: FileReport) -> None:
        self.kind = kind
        self.path = path
        self.report = report
        self.seen: dict[tuple, int] = {}

    def load(self) -> list[_Row]:
        """Read the whole file first, so that a file that can't be read stops the import before any write."""
        if not self.path.exists():
            raise ImportFileError(f"The {LABELS[self.kind]} file {self.path} doesn't exist.")
        rows = iter(_read_rows(self.path))
        header: list[Any] | None = None
        skipped = []
        for _number, cells in rows:
            if all(_blank(c) for c in cells):
                continue
            columns, ignored = _find_columns(self.kind, cells)
            if _has_required(self.kind, columns):
                header = cells
                break
            skipped.append(cells)
            if len(skipped) >= HEADER_SEARCH_ROWS:
                break
        if header is None:
            seen = ", ".join(repr(str(c).strip()) for c in (skipped[0] if skipped else []) if not _blank(c))
            need = ["Name (or Forename(s) and Surname)"] + [FIELD_LABELS[f] for f in REQUIRED[self.kind]]
            raise ImportFileError(
                f"{self.path.name} doesn't look like the {LABELS[self.kind]}: no header row with the columns "
                f"{', '.join(need)}. The first row has: {seen or 'nothing'}. Run `childsafe import_mhet --help` "
                "for the column names it understands."
            )
        headers = [_display(h) for h in header]
        self.report.columns = {f: headers[i] for f, i in columns.items()}
        self.report.ignored_columns = ignored
        loaded = []
        for number, cells in rows:
            if all(_blank(c) for c in cells):
                continue
            values: dict[str, str] = {}
            for i, cell in enumerate(cells):
                if i >= len(headers) and _blank(cell):
                    continue
                name = headers[i] if i < len(headers) and headers[i] else f"column {i + 1}"
                while name in values:  # two columns with one heading: keep both
                    name += " (again)"
                values[name] = _display(cell)
            fields = {f: (cells[i] if i < len(cells) else None) for f, i in columns.items()}
            loaded.append(_Row(number, values, fields))
        return loaded

    def result(self, row: _Row, outcome: str, reason: str, person: Person | None = None, warning: str = "") -> None:
        self.report.rows.append(
            RowResult(
                kind=self.kind,
                file=str(self.path),
                row=row.number,
                outcome=outcome,
                reason=reason,
                values=row.values,
                person_id=person.pk if person else None,
                warning=warning,
            )
        )

    # -- validation common to every log -------------------------------------------------------------------------
    def _text(self, row: _Row, name: str) -> str:
        value = row.cells.get(name)
        return "" if _blank(value) else _display(value)

    def _person_fields(self, row: _Row, errors: list[str]) -> tuple[str, str, date | None]:
        if "forenames" in row.cells and "surname" in row.cells:
            forenames, surname = self._text(row, "forenames"), self._text(row, "surname")
        else:
            forenames, surname = split_name(self._text(row, "name"))
        if not forenames and not surname:
            errors.append("The name is blank, so the row can't be matched to a child.")
        elif not forenames or not surname:
            errors.append(
                f"The name {(forenames or surname)!r} has only one part: a first name and a surname are both "
                "needed to match the row to a child."
            )
        dob = None
        label = self.report.columns.get("dob", "Date of birth")
        raw = row.cells.get("dob")
        if _blank(raw):
            errors.append(f"The date of birth ({label}) is blank: without it the row can't be matched safely.")
        else:
            try:
                dob = to_date(raw)
            except ValueError:
                errors.append(f"{_display(raw)!r} in {label!r} is not a real date. {DATE_HINT}.")
            else:
                if dob > clock.today_london():
                    errors.append(f"The date of birth {_display(raw)!r} is in the future.")
                    dob = None
        if len(forenames) > MAX_NAME or len(surname) > MAX_NAME:
            errors.append(f"The name is longer than {MAX_NAME} characters: is it in the right column?")
        if len(self._text(row, "notes")) > MAX_TEXT:
            errors.append(f"The notes are longer than {MAX_TEXT:,} characters.")
        return forenames, surname, dob

    def _datetime(self, row: _Row, name: str, time_name: str, errors: list[str]) -> datetime | None:
        raw, raw_time = row.cells.get(name), row.cells.get(time_name)
        if _blank(raw):
            return None
        label = self.report.columns.get(name, FIELD_LABELS[name])
        try:
            return to_local_datetime(raw, raw_time)
        except ValueError:
            shown = _display(raw) + (f" {_display(raw_time)}" if not _blank(raw_time) else "")
            errors.append(f"{shown!r} in {label!r} is not a date and time Childsafe can read. {DATETIME_HINT}.")
            return None

    def _duplicate(self, row: _Row, key: tuple) -> bool:
        first = self.seen.get(key)
        if first is not None:
            self.result(row, DUPLICATE, f"The same as row {first} of this file, so it is counted once.")
            return True
        self.seen[key] = row.number
        return False

    # -- each log ----------------------------------------------------------------------------------------------
    def run(self, rows: Iterable[_Row]) -> None:
        handle = {MISSING: self.missing_row, EXPLOITATION: self.exploitation_row, CONCERNS: self.concern_row}[self.kind]
        for row in rows:
            handle(row)

    def missing_row(self, row: _Row) -> None:
        errors: list[str] = []
        forenames, surname, dob = self._person_fields(row, errors)
        reported = self._datetime(row, "reported", "reported_time", errors)
        found = self._datetime(row, "found", "found_time", errors)
        place = self._text(row, "found_place")
        notes = self._text(row, "notes")
        last_seen = self._datetime(row, "last_seen", "last_seen_time", errors)
        last_seen_place = self._text(row, "last_seen_place")
        now = clock.now()
        if reported is None and _blank(row.cells.get("reported")):
            errors.append("The time the child was reported missing is blank.")
        if reported and reported > now:
            errors.append("The reported time is in the future.")
        if found and found > now:
            errors.append("The found time is in the future.")
        if reported and found and found < reported:
            errors.append("The found time is before the reported time: check both dates (dd/mm/yyyy).")
        if reported and dob and _local_date(reported) < dob:
            errors.append(
                "The reported date is before the child's date of birth: check both dates (dd/mm/yyyy); "
                "a 2-digit year may have been read in the wrong century."
            )
        if len(place) > 200:
            errors.append("The place found is longer than 200 characters: shorten it to the place's name.")
        if last_seen and reported and last_seen > reported:
            errors.append("The last-seen time is after the reported time: check both dates (dd/mm/yyyy).")
        if len(last_seen_place) > 300:
            errors.append("The place last seen is longer than 300 characters: shorten it to the place's name.")
        if errors:
            self.result(row, INVALID, " ".join(errors))
            return
        assert reported is not None and dob is not None
        key = (_norm(forenames), _norm(surname), dob, reported, found, place.casefold(), notes.casefold())
        if self._duplicate(row, key):
            return
        matched = match_child(forenames, surname, dob)
        if matched.person is None:
            self.result(row, UNMATCHED, matched.reason)
            return
        person = matched.person
        # Idempotent: the same child reported the same minute is the same episode, imported or recorded live.
        minute = reported.replace(second=0, microsecond=0)
        existing = MissingEpisode.objects.filter(
            person_id__in=selectors.identity_cluster(person.pk),
            reported_at__gte=minute,
            reported_at__lt=minute + timedelta(minutes=1),
        ).first()
        if existing is not None:
            self.result(
                row,
                ALREADY_PRESENT,
                f"{_describe(person)} already has a missing episode reported at {_local(existing.reported_at)} "
                f"(episode {existing.pk}{', imported' if existing.imported else ''}).",
                person,
            )
            return
        episode = history_import(
            person=person,
            reported_at=reported,
            found_at=found,
            found_place=place,
            source=SOURCES[MISSING].format(row=row.number),
            notes=notes,
            last_seen_at=last_seen,
            last_seen_place=last_seen_place,
        )
        warnings = []
        if found is None:
            warnings.append(
                "No found time: imported as closed history. If this child is still missing, report them missing "
                "in Childsafe now."
            )
        self.result(
            row,
            IMPORTED,
            f"Imported as a closed missing episode (reported {_local(episode.reported_at)}) for {_describe(person)} "
            f"({matched.reason}).",
            person,
            warning=" ".join(warnings),
        )

    def _add_markers(self, row: _Row, types: list[str], matched: Matched, notes: str, warning: str = "") -> None:
        """A marker of each type the row names, unless the child already has that marker in force (on any of
        their linked records, PL-2): so a second run, or a marker recorded since, adds nothing."""
        person = matched.person
        assert person is not None
        active: dict[str, Any] = {}
        for marker in selectors.active_markers(selectors.identity_cluster(person.pk)):
            active.setdefault(marker.type, marker)
        present = [t for t in types if t in active]
        new = [t for t in types if t not in active]
        for marker_type in new:
            marker_add(
                actor=None,
                person=person,
                type=marker_type,
                source=SOURCES[self.kind].format(row=row.number),
                notes=notes,
                channel="cli",
            )
        already = " ".join(
            f"{MarkerType(t).label} is already in force (since {active[t].start_date:%d/%m/%Y}, "
            f"source: {active[t].source})."
            for t in present
        )
        if new:
            added = ", ".join(MarkerType(t).label for t in new)
            reason = f"Added the warning marker {added} to {_describe(person)} ({matched.reason})."
            self.result(row, IMPORTED, f"{reason} {already}".strip(), person, warning=warning)
        else:
            self.result(row, ALREADY_PRESENT, f"{_describe(person)}: {already}", person, warning=warning)

    def exploitation_row(self, row: _Row) -> None:
        errors: list[str] = []
        forenames, surname, dob = self._person_fields(row, errors)
        risk = self._text(row, "risk")
        level_text = self._text(row, "level")
        notes = self._text(row, "notes")
        types, unknown = marker_types_named(risk, EXPLOITATION_TERMS)
        if not risk:
            errors.append("The risk is blank: enter CSE, CCE or county lines.")
        elif unknown:
            errors.append(
                f"The risk {', '.join(map(repr, unknown))} is not one this log records: enter CSE, CCE or county "
                "lines (other concerns go in the concerns log)."
            )
        level = LEVELS.get(identity.normalise(level_text)) if level_text else ""
        if level is None:
            errors.append(f"The level {level_text!r} is not high, medium or low.")
        if errors:
            self.result(row, INVALID, " ".join(errors))
            return
        assert dob is not None
        if self._duplicate(row, (_norm(forenames), _norm(surname), dob, tuple(sorted(types)), level, notes.casefold())):
            return
        matched = match_child(forenames, surname, dob)
        if matched.person is None:
            self.result(row, UNMATCHED, matched.reason)
            return
        text = (
            f"MHET exploitation log: {risk}" + (f", level {level}." if level else ".") + (f" {notes}" if notes else "")
        )
        self._add_markers(row, types, matched, text)

    def concern_row(self, row: _Row) -> None:
        errors: list[str] = []
        forenames, surname, dob = self._person_fields(row, errors)
        concern = self._text(row, "concern")
        notes = self._text(row, "notes")
        if not concern:
            errors.append("The concern is blank: say what the concern is.")
        if errors:
            self.result(row, INVALID, " ".join(errors))
            return
        assert dob is not None
        if self._duplicate(row, (_norm(forenames), _norm(surname), dob, _norm(concern), notes.casefold())):
            return
        types, unknown = marker_types_named(concern, CONCERN_TERMS)
        matched = match_child(forenames, surname, dob)
        not_recorded = (
            f"Childsafe has no record type yet for {', '.join(map(repr, unknown))} (it isn't a warning marker), "
            "so that was not imported: keep it on the log or add it to the child's record by hand."
        )
        if not types:
            who = f" The row matched {_describe(matched.person)}." if matched.person else f" {matched.reason}"
            self.result(row, NO_RECORD_TYPE, not_recorded + who, matched.person)
            return
        if matched.person is None:
            self.result(row, UNMATCHED, matched.reason)
            return
        text = f"MHET concerns log: {concern}." + (f" {notes}" if notes else "")
        self._add_markers(row, types, matched, text, warning=not_recorded if unknown else "")


def _norm(text: str) -> str:
    return identity.normalise(text)


def _local(when: datetime) -> str:
    return when.astimezone(LONDON).strftime("%d/%m/%Y %H:%M")


BATCH_ROWS = 200


def import_mhet(
    *,
    files: dict[str, str | Path],
    dry_run: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportReport:
    """Import any of the three MHET logs ({"missing": path, "exploitation": path, "concerns": path}).

    Raises ImportFileError, before writing anything, if a file can't be read or lacks a required column.
    `progress(kind, rows done, rows in the file)` is called after each batch.
    """
    unknown = set(files) - set(KINDS)
    if unknown:
        raise ValueError(f"Unknown log(s) {sorted(unknown)}; use {', '.join(KINDS)}.")
    if not files:
        raise ImportFileError("Give at least one file: --missing, --exploitation or --concerns.")
    report = ImportReport(dry_run=dry_run, started_at=clock.now())
    loaded = []
    for kind in KINDS:  # always the same order: missing history before markers
        if kind in files:
            path = Path(files[kind])
            file_report = FileReport(kind=kind, path=str(path))
            importer = _FileImporter(kind, path, file_report)
            loaded.append((importer, importer.load()))
            report.files.append(file_report)
    # A dry run is one transaction, rolled back at the end; a real run commits batch by batch (ADR 0044).
    with transaction.atomic() if dry_run else contextlib.nullcontext():
        for importer, rows in loaded:
            for start in range(0, len(rows), BATCH_ROWS):
                with transaction.atomic():
                    try:
                        importer.run(rows[start : start + BATCH_ROWS])
                    except InvalidInput as exc:  # a service refused what the checks above let through: a bug
                        raise RuntimeError(f"Import stopped by a refusal the importer didn't expect: {exc}") from exc
                if progress is not None:
                    progress(importer.kind, min(start + BATCH_ROWS, len(rows)), len(rows))
        with transaction.atomic():
            audit.record(
                actor=None,
                category=AuditCategory.COLLECTION,
                event_type="mhet.import",
                subject_type="import",
                subject_id=report.started_at.strftime("%Y%m%dT%H%M%S.%fZ"),
                new=report.summary(),
                channel="cli",
            )
        if dry_run:
            transaction.set_rollback(True)
    return report
