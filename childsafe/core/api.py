from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpResponse
from pydantic import BeforeValidator, StrictBool

PROBLEM_BASE = "https://childsafe.example/problems/"


def problem(status: int, title: str, detail: str, *, type_: str | None = None, **extra: Any) -> HttpResponse:
    """An RFC 9457 problem details response."""
    body = {"type": PROBLEM_BASE + (type_ or str(status)), "title": title, "status": status, "detail": detail, **extra}
    return HttpResponse(json.dumps(body), status=status, content_type="application/problem+json")


# Dates and times in the API are ISO 8601 text, as the schema says. Pydantic would also take a number (or a
# string of digits) as seconds since 1970, so `dob=0` was a date; a client sending one has made a mistake.
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _iso_date(value: Any) -> Any:
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise ValueError("Give a date as YYYY-MM-DD, for example 2014-05-20.")


def _iso_datetime(value: Any) -> Any:
    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_DATETIME.match(value)):
        return value
    raise ValueError("Give a date and time as YYYY-MM-DDTHH:MM with its offset, for example 2026-11-29T14:30:00Z.")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
IsoDateTime = Annotated[datetime, BeforeValidator(_iso_datetime)]
# true or false only: not 0, 1 or "yes", which pydantic would otherwise take.
Flag = StrictBool
