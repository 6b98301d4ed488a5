"""The only source of the current time.

Everything that asks "what time is it?" calls `now()`. The scenario replay moves a simulated clock
with `travel_to`; in production it is the system clock. Times are aware UTC; pages show Europe/London.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

_state = threading.local()
_global_override: datetime | None = None


def now() -> datetime:
    override = getattr(_state, "override", None) or _global_override
    if override is not None:
        return override
    return datetime.now(UTC)


def today_london():
    return now().astimezone(LONDON).date()


def from_db(value: str | datetime | None) -> datetime | None:
    """An instant a raw statement read: aware as PostgreSQL gives it, or text (ISO 8601, UTC when it has no
    offset, as SQLite keeps it and as its JSON functions write it) made aware."""
    if value is None:
        return None
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def london_start(day: date) -> datetime:
    """The first moment of a London calendar day."""
    return datetime.combine(day, time.min, tzinfo=LONDON)


def month_of(when: datetime) -> date:
    """The first day of the London month an instant falls in."""
    return when.astimezone(LONDON).date().replace(day=1)


def next_month(month: date) -> date:
    """The first day of the month after the one `month` is in."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def set_now(when: datetime | None) -> None:
    """Fix the clock for the whole process (the replay, which also runs the worker in-process)."""
    global _global_override
    if when is not None and when.tzinfo is None:
        raise ValueError("The simulated clock needs an aware datetime.")
    _global_override = when.astimezone(UTC) if when else None


def advance(delta: timedelta) -> datetime:
    if _global_override is None:
        raise RuntimeError("advance() needs a simulated clock set with set_now().")
    set_now(_global_override + delta)
    return now()


@contextmanager
def travel_to(when: datetime) -> Iterator[None]:
    """Fix the clock for this thread only, inside the block."""
    previous = getattr(_state, "override", None)
    _state.override = when.astimezone(UTC)
    try:
        yield
    finally:
        _state.override = previous
