"""School calendars and the start of the next school day, for Operation Encompass (RF-9).

A school's Key Adult must be told of a domestic abuse incident "before the start of the next school
day (08:30 by default) of that school's calendar". A school's calendar is stored as JSON on
`Organisation.calendar` (docs/school-calendars.md):

    {"base": "england_default",
     "closed": [["2023-10-30", "2023-11-03", "Half term"], ["2024-01-08", "2024-01-08"]],
     "open": [["2023-10-23", "2023-10-27"]],
     "start_time": "08:45"}

- `base` names a built-in set of closed days (`BASES`): `england_default` (typical English term
  holidays and the bank holidays) or `england_bank_holidays` (the bank holidays only, for a school
  that lists all its own holidays).
- `closed`: the school's own extra closed days (INSET days, a different half term), inclusive ranges.
- `open`: term-holiday days the base closes but this school opens (a half term it doesn't take).
  Bank holidays stay closed inside an `open` range.
- `start_time`: when the school day starts, "HH:MM" (08:30 if not given).

A day is a school day unless it is a Saturday or a Sunday, a bank holiday in England, in one of the
school's `closed` ranges, or one of the base's term holidays that no `open` range re-opens.

The term dates in `ENGLAND_DEFAULT` are typical English local-authority dates chosen for this
system, not any authority's official dates; every school can (and should) override them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any, NamedTuple

from childsafe.core.clock import LONDON

DEFAULT_START = time(8, 30)
# How far ahead next_school_day_start looks: more than a year, so that a long closure still finds a day.
MAX_SEARCH_DAYS = 400
# Dates outside these years are refused as typing mistakes ("2203-11-10").
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


class ClosedPeriod(NamedTuple):
    """Days a school is closed, first to last inclusive."""

    first: date
    last: date
    reason: str

    def includes(self, day: date) -> bool:
        return self.first <= day <= self.last


# ---------------------------------------------------------------------------------------------
# Bank holidays in England (and Wales)
# ---------------------------------------------------------------------------------------------


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous Meeus/Jones/Butcher algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


# A moveable bank holiday moved to another day by proclamation: (year, usual name) -> (day, name).
_MOVED = {
    (2012, "Spring bank holiday"): (date(2012, 6, 4), "Spring bank holiday (moved for the Diamond Jubilee)"),
    (2020, "Early May bank holiday"): (date(2020, 5, 8), "Early May bank holiday (moved for VE Day)"),
    (2022, "Spring bank holiday"): (date(2022, 6, 2), "Spring bank holiday (moved for the Platinum Jubilee)"),
}
# One-off bank holidays by proclamation. A new one (announced a year or so ahead) must be added here.
_ONE_OFF = {
    date(2011, 4, 29): "Royal wedding",
    date(2012, 6, 5): "Queen's Diamond Jubilee",
    date(2022, 6, 3): "Platinum Jubilee bank holiday",
    date(2022, 9, 19): "State funeral of Queen Elizabeth II",
    date(2023, 5, 8): "Coronation of King Charles III",
}


def _first_monday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=last.weekday())


@cache
def england_bank_holidays(year: int) -> dict[date, str]:
    """The bank holidays in England in `year`, with substitute days for those falling at a weekend."""
    easter = easter_sunday(year)
    holidays: dict[date, str] = {
        easter - timedelta(days=2): "Good Friday",
        easter + timedelta(days=1): "Easter Monday",
    }
    for day, name in (
        (_first_monday(year, 5), "Early May bank holiday"),
        (_last_monday(year, 5), "Spring bank holiday"),
        (_last_monday(year, 8), "Summer bank holiday"),
    ):
        day, name = _MOVED.get((year, name), (day, name))
        holidays[day] = name
    holidays.update({day: name for day, name in _ONE_OFF.items() if day.year == year})
    fixed = [
        (date(year, 1, 1), "New Year's Day"),
        (date(year, 12, 25), "Christmas Day"),
        (date(year, 12, 26), "Boxing Day"),
    ]
    # Weekday fixed holidays first, then each weekend one moves to the next weekday that isn't already
    # a holiday (Christmas on a Sunday: Boxing Day stays Monday 26th, Christmas moves to Tuesday 27th).
    for day, name in fixed:
        if day.weekday() < 5:
            holidays[day] = name
    for day, name in fixed:
        if day.weekday() >= 5:
            while day.weekday() >= 5 or day in holidays:
                day += timedelta(days=1)
            holidays[day] = f"{name} (substitute day)"
    return dict(sorted(holidays.items()))


# ---------------------------------------------------------------------------------------------
# Typical English term holidays, school years 2021/22 to 2032/33
# ---------------------------------------------------------------------------------------------


def _p(first: str, last: str, reason: str) -> ClosedPeriod:
    return ClosedPeriod(date.fromisoformat(first), date.fromisoformat(last), reason)


# Holidays between terms, Saturday to Sunday where a weekend touches them. Autumn term: early
# September to about 20 December with a late-October half term; spring term: early January to
# Easter with a mid-February half term; summer term: mid-April to about 20-23 July with a late-May
# half term (the week of the spring bank holiday). No INSET days: each school adds its own.
ENGLAND_TERM_HOLIDAYS: tuple[ClosedPeriod, ...] = (
    _p("2021-07-24", "2021-09-01", "Summer holiday"),
    # 2021/22
    _p("2021-10-23", "2021-10-31", "October half term"),
    _p("2021-12-18", "2022-01-04", "Christmas holiday"),
    _p("2022-02-19", "2022-02-27", "February half term"),
    _p("2022-04-09", "2022-04-24", "Easter holiday"),
    _p("2022-05-28", "2022-06-05", "May half term"),
    _p("2022-07-23", "2022-09-04", "Summer holiday"),
    # 2022/23
    _p("2022-10-22", "2022-10-30", "October half term"),
    _p("2022-12-21", "2023-01-03", "Christmas holiday"),
    _p("2023-02-11", "2023-02-19", "February half term"),
    _p("2023-04-01", "2023-04-16", "Easter holiday"),
    _p("2023-05-27", "2023-06-04", "May half term"),
    _p("2023-07-22", "2023-09-03", "Summer holiday"),
    # 2023/24
    _p("2023-10-21", "2023-10-29", "October half term"),
    _p("2023-12-21", "2024-01-03", "Christmas holiday"),
    _p("2024-02-10", "2024-02-18", "February half term"),
    _p("2024-03-23", "2024-04-07", "Easter holiday"),
    _p("2024-05-25", "2024-06-02", "May half term"),
    _p("2024-07-24", "2024-09-02", "Summer holiday"),
    # 2024/25
    _p("2024-10-26", "2024-11-03", "October half term"),
    _p("2024-12-21", "2025-01-05", "Christmas holiday"),
    _p("2025-02-15", "2025-02-23", "February half term"),
    _p("2025-04-05", "2025-04-21", "Easter holiday"),
    _p("2025-05-24", "2025-06-01", "May half term"),
    _p("2025-07-23", "2025-09-02", "Summer holiday"),
    # 2025/26
    _p("2025-10-25", "2025-11-02", "October half term"),
    _p("2025-12-20", "2026-01-04", "Christmas holiday"),
    _p("2026-02-14", "2026-02-22", "February half term"),
    _p("2026-03-28", "2026-04-12", "Easter holiday"),
    _p("2026-05-23", "2026-05-31", "May half term"),
    _p("2026-07-23", "2026-09-02", "Summer holiday"),
    # 2026/27
    _p("2026-10-24", "2026-11-01", "October half term"),
    _p("2026-12-19", "2027-01-03", "Christmas holiday"),
    _p("2027-02-13", "2027-02-21", "February half term"),
    _p("2027-03-26", "2027-04-11", "Easter holiday"),
    _p("2027-05-29", "2027-06-06", "May half term"),
    _p("2027-07-22", "2027-09-01", "Summer holiday"),
    # 2027/28
    _p("2027-10-23", "2027-10-31", "October half term"),
    _p("2027-12-18", "2028-01-03", "Christmas holiday"),
    _p("2028-02-12", "2028-02-20", "February half term"),
    _p("2028-04-08", "2028-04-23", "Easter holiday"),
    _p("2028-05-27", "2028-06-04", "May half term"),
    _p("2028-07-22", "2028-08-31", "Summer holiday"),
)


def _saturday_between(first: date, last: date) -> date:
    return next(
        first + timedelta(days=n) for n in range((last - first).days + 1) if (first + timedelta(days=n)).weekday() == 5
    )


def typical_year(autumn: int) -> tuple[ClosedPeriod, ...]:
    """The typical English term holidays of the school year starting in September of `autumn`, by the same
    pattern as the years listed above (half terms the week of the last Monday in October, the Monday of
    12-18 February and the spring bank holiday; Easter the week before and after Easter Sunday)."""
    spring = autumn + 1
    october = _last_monday(autumn, 10)
    february = next(date(spring, 2, d) for d in range(12, 19) if date(spring, 2, d).weekday() == 0)
    christmas_end = next(date(spring, 1, d) for d in range(2, 9) if date(spring, 1, d).weekday() == 6)
    easter = easter_sunday(spring)
    may = _last_monday(spring, 5)
    return (
        ClosedPeriod(october - timedelta(days=2), october + timedelta(days=6), "October half term"),
        ClosedPeriod(_saturday_between(date(autumn, 12, 15), date(autumn, 12, 21)), christmas_end, "Christmas holiday"),
        ClosedPeriod(february - timedelta(days=2), february + timedelta(days=6), "February half term"),
        ClosedPeriod(easter - timedelta(days=8), easter + timedelta(days=7), "Easter holiday"),
        ClosedPeriod(may - timedelta(days=2), may + timedelta(days=6), "May half term"),
        ClosedPeriod(
            _saturday_between(date(spring, 7, 19), date(spring, 7, 25)), date(spring, 8, 31), "Summer holiday"
        ),
    )


# School years 2028/29 to 2032/33 by the pattern; a school's own calendar overrides any of it.
ENGLAND_TERM_HOLIDAYS += tuple(p for autumn in range(2028, 2033) for p in typical_year(autumn))

# The school years the term holidays cover. Outside them england_default closes weekends and bank
# holidays only, so a deadline there comes earlier, never later: the settings page warns a year ahead.
ENGLAND_DEFAULT_COVERS = (date(2021, 9, 1), date(2033, 8, 31))
RUNS_OUT_WARNING = timedelta(days=365)


def default_term_dates_warning(today: date) -> str | None:
    """A notice for administrators from a year before the default term dates run out (None before then)."""
    end = ENGLAND_DEFAULT_COVERS[1]
    if today < end - RUNS_OUT_WARNING:
        return None
    when = "ran out" if today > end else "run out"
    return (
        f"The default school term dates {when} on {end:%-d %B %Y}. After that, schools without their own "
        "calendar close only at weekends and on bank holidays, so Operation Encompass deadlines come earlier. "
        "Add the next school years' term dates (people/calendars.py), or load each school's own calendar."
    )


ENGLAND_DEFAULT: tuple[ClosedPeriod, ...] = tuple(
    sorted(
        ENGLAND_TERM_HOLIDAYS
        + tuple(
            ClosedPeriod(day, day, name)
            for year in range(ENGLAND_DEFAULT_COVERS[0].year, ENGLAND_DEFAULT_COVERS[1].year + 1)
            for day, name in england_bank_holidays(year).items()
        )
    )
)


def _days(periods: Iterable[ClosedPeriod]) -> frozenset[date]:
    return frozenset(p.first + timedelta(days=n) for p in periods for n in range((p.last - p.first).days + 1))


_TERM_HOLIDAY_DAYS = _days(ENGLAND_TERM_HOLIDAYS)


def _no_term_holidays(day: date) -> bool:
    return False


# name -> (is this day one of the base's term holidays?, a description for messages and the docs).
# Every base also closes the bank holidays.
BASES = {
    "england_default": (_TERM_HOLIDAY_DAYS.__contains__, "typical English term holidays and the bank holidays"),
    "england_bank_holidays": (_no_term_holidays, "the bank holidays only"),
}
DEFAULT_BASE = "england_default"


# ---------------------------------------------------------------------------------------------
# A school's calendar
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Calendar:
    base: str = DEFAULT_BASE
    closed: tuple[ClosedPeriod, ...] = ()
    open: tuple[ClosedPeriod, ...] = ()
    # The school's own start of day, if it set one; otherwise the force's setting applies (08:30 by default).
    start_time: time | None = None
    _term_holiday: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.base not in BASES:
            raise ValueError(_unknown_base(self.base))
        object.__setattr__(self, "_term_holiday", BASES[self.base][0])

    def is_school_day(self, day: date) -> bool:
        if isinstance(day, datetime):
            raise TypeError("is_school_day takes a date; convert a datetime to a London date first.")
        if day.weekday() >= 5:
            return False
        if any(p.includes(day) for p in self.closed):
            return False
        if day in england_bank_holidays(day.year):
            return False
        return not self._term_holiday(day) or any(p.includes(day) for p in self.open)

    def why_closed(self, day: date) -> str | None:
        """Why `day` isn't a school day, in words (None on a school day): for pages and alerts."""
        if self.is_school_day(day):
            return None
        if day.weekday() >= 5:
            return "Weekend"
        for p in self.closed:
            if p.includes(day):
                return p.reason or "Closed (the school's calendar)"
        if day in england_bank_holidays(day.year):
            return england_bank_holidays(day.year)[day]
        for p in ENGLAND_TERM_HOLIDAYS:
            if p.includes(day):
                return p.reason
        return "Closed"


def is_working_day(day: date) -> bool:
    """The force calendar: Monday to Friday, except the bank holidays in England."""
    return day.weekday() < 5 and day not in england_bank_holidays(day.year)


def add_working_days(moment: datetime, days: int) -> datetime:
    """The same London wall-clock time `days` working days after `moment`'s London date (RF-6, INV-5).

    A referral shared on a Friday afternoon is due back on Monday afternoon, not on Saturday; one shared
    at a weekend is counted from the next working day. Wall-clock London time, across clock changes.
    """
    london = moment.astimezone(LONDON)
    day = london.date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return datetime.combine(day, london.timetz().replace(tzinfo=None), tzinfo=LONDON).astimezone(moment.tzinfo)


def calendar_for(org_calendar_json: dict | str | None) -> Calendar:
    """The calendar of a school from its `Organisation.calendar` JSON (None: england_default)."""
    value = validate_calendar_json(org_calendar_json)
    return Calendar(
        base=value["base"],
        closed=tuple(_period(r) for r in value.get("closed", [])),
        open=tuple(_period(r) for r in value.get("open", [])),
        start_time=time.fromisoformat(value["start_time"]) if "start_time" in value else None,
    )


def _period(row: list[str]) -> ClosedPeriod:
    return ClosedPeriod(date.fromisoformat(row[0]), date.fromisoformat(row[1]), row[2] if len(row) > 2 else "")


def next_school_day_start(after: datetime, calendar: Calendar, *, start: time | None = None) -> datetime:
    """The start of the first school day that starts strictly after `after`, as an aware UTC datetime.

    `start` is the school day's start in London time; without it, the school's own start time if its
    calendar sets one, else 08:30. An incident at 07:00 on a school day is due at 08:30 that day;
    one at 08:30 or later is due at the start of the next school day. Wall-clock London time, so
    08:30 is 07:30 UTC in summer and 08:30 UTC in winter.
    """
    if after.tzinfo is None or after.utcoffset() is None:
        raise ValueError("next_school_day_start needs an aware datetime (with a time zone), not a naive one.")
    start = (calendar.start_time or DEFAULT_START) if start is None else start
    if start.tzinfo is not None:
        raise ValueError("The school day's start is a London wall-clock time; give it without a time zone.")
    after_utc = after.astimezone(UTC)
    day = after_utc.astimezone(LONDON).date()
    for _ in range(MAX_SEARCH_DAYS + 1):
        if calendar.is_school_day(day):
            # Compare in UTC: comparing two datetimes with the same tzinfo ignores their offsets.
            candidate = datetime.combine(day, start, tzinfo=LONDON).astimezone(UTC)
            if candidate > after_utc:
                return candidate
        day += timedelta(days=1)
    raise ValueError(
        f"The school's calendar has no school day in the {MAX_SEARCH_DAYS} days after "
        f"{after_utc.astimezone(LONDON):%d %B %Y}; check its closed dates."
    )


# ---------------------------------------------------------------------------------------------
# Validating the stored JSON, and importing a CSV
# ---------------------------------------------------------------------------------------------

_KEYS = ("base", "closed", "open", "start_time")
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _unknown_base(base: object) -> str:
    known = "; ".join(f"{name} ({description})" for name, (_, description) in BASES.items())
    return f"{base!r} is not a school calendar base. Use one of: {known}."


def _iso_date(value: object, where: str) -> date:
    if isinstance(value, datetime):
        raise ValueError(f"{where}: {value!r} is a date and time; give a date (yyyy-mm-dd).")
    if isinstance(value, date):
        day = value
    elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{where}: {value!r} is not a real date.") from None
    else:
        raise ValueError(f"{where}: {value!r} is not a date; write it as yyyy-mm-dd.")
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise ValueError(f"{where}: {day.isoformat()} is outside {EARLIEST_YEAR} to {LATEST_YEAR}; is the year a typo?")
    return day


def _ranges(value: object, key: str) -> list[list[str]]:
    if not isinstance(value, list | tuple):
        raise ValueError(
            f'\'{key}\' must be a list of date ranges, like [["2023-10-30", "2023-11-03"]], not {value!r}.'
        )
    out: list[list[str]] = []
    for n, item in enumerate(value, start=1):
        where = f"'{key}' range {n}"
        if isinstance(item, str | date):
            item = [item, item]  # one day
        if not isinstance(item, list | tuple) or len(item) not in (2, 3):
            raise ValueError(f"{where}: {item!r} must be [first, last] or [first, last, reason].")
        first, last = _iso_date(item[0], where), _iso_date(item[1], where)
        if last < first:
            raise ValueError(f"{where}: it ends ({last.isoformat()}) before it starts ({first.isoformat()}).")
        row = [first.isoformat(), last.isoformat()]
        if len(item) == 3:
            if not isinstance(item[2], str):
                raise ValueError(f"{where}: the reason must be text, not {item[2]!r}.")
            if item[2].strip():
                row.append(item[2].strip())
        out.append(row)
    return out


def validate_calendar_json(value: object) -> dict:
    """Check a school's calendar and return it in its stored form; ValueError says what is wrong.

    Accepts None or a bare base name ("england_default") as well as the dict; dates may be `date`s
    or "yyyy-mm-dd" strings; a range may be a single date. Empty lists are left out, so
    `{"base": "england_default"}` stays as it is.
    """
    if value is None:
        return {"base": DEFAULT_BASE}
    if isinstance(value, str):
        value = {"base": value}
    if not isinstance(value, dict):
        raise ValueError(f'A school calendar must be a mapping like {{"base": "england_default"}}, not {value!r}.')
    unknown = sorted(str(k) for k in value if k not in _KEYS)
    if unknown:
        raise ValueError(f"A school calendar can't have {', '.join(unknown)}; it may have only: {', '.join(_KEYS)}.")
    base = value.get("base", DEFAULT_BASE)
    if base not in BASES:
        raise ValueError(_unknown_base(base))
    out: dict[str, Any] = {"base": base}
    for key in ("closed", "open"):
        rows = _ranges(value.get(key) or [], key)
        if rows:
            out[key] = rows
    if "closed" in out and "open" in out:
        for c in out["closed"]:
            for o in out["open"]:
                if c[0] <= o[1] and o[0] <= c[1]:
                    raise ValueError(
                        f"The closed range {c[0]} to {c[1]} overlaps the open range {o[0]} to {o[1]}; "
                        "a day can't be both closed and open."
                    )
    if value.get("start_time") is not None:
        start = value["start_time"]
        if isinstance(start, time):
            start = start.strftime("%H:%M")
        if not isinstance(start, str) or not _HHMM.match(start.strip()):
            raise ValueError(f"'start_time' must be a 24-hour time like \"08:30\", not {start!r}.")
        out["start_time"] = start.strip()
    return out


_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def _csv_date(text: str, row: int) -> date:
    text = text.strip()
    match = _DMY.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            parsed = date(year, month, day)
        except ValueError:
            raise ValueError(f"Row {row}: {text!r} is not a real date.") from None
        return _iso_date(parsed, f"Row {row}")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return _iso_date(text, f"Row {row}")
    raise ValueError(f"Row {row}: {text!r} is not a date; write it as dd/mm/yyyy or yyyy-mm-dd.")


def parse_calendar_csv(text: str, *, base: str = "england_bank_holidays", start_time: str | None = None) -> dict:
    """A school's calendar from its own list of closed days: a CSV of `from,to,reason` rows.

    Dates are dd/mm/yyyy or yyyy-mm-dd; `to` may be blank for a single day; the reason is optional.
    A first row of column names is skipped, and so are blank rows. The result replaces the school's
    stored calendar, on `base` (by default the bank holidays only, since the school lists its own
    holidays). Every bad row is named in one ValueError.
    """
    if base not in BASES:
        raise ValueError(_unknown_base(base))
    rows: list[list[str]] = []
    errors: list[str] = []
    for number, cells in enumerate(csv.reader(io.StringIO(text.lstrip("\ufeff"))), start=1):
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if number == 1 and cells[0].lower() in ("from", "first", "start", "date", "from date"):
            continue
        if len(cells) > 3:
            errors.append(f"Row {number}: has {len(cells)} columns; expected from, to, reason.")
            continue
        first_text, last_text, reason = (cells + ["", ""])[:3]
        try:
            if not first_text:
                raise ValueError(f"Row {number}: the 'from' date is missing.")
            first = _csv_date(first_text, number)
            last = _csv_date(last_text, number) if last_text else first
            if last < first:
                raise ValueError(f"Row {number}: it ends ({last:%d/%m/%Y}) before it starts ({first:%d/%m/%Y}).")
        except ValueError as exc:
            errors.append(str(exc))
            continue
        rows.append([first.isoformat(), last.isoformat(), *([reason] if reason else [])])
    if errors:
        raise ValueError("The calendar file has problems. " + " ".join(errors))
    if not rows:
        raise ValueError("The calendar file has no closed dates in it (expected rows of from, to, reason).")
    value: dict[str, Any] = {"base": base, "closed": rows}
    if start_time is not None:
        value["start_time"] = start_time
    return validate_calendar_json(value)
