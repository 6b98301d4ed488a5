"""Form fields in GOV.UK Design System shapes (the date input is three boxes: day, month, year)."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from django import forms

from childsafe.core import clock

TIME_PATTERN = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


class GovukDateWidget(forms.MultiWidget):
    template_name = "govuk/date_widget.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        widgets = [forms.TextInput(attrs={"inputmode": "numeric"}) for _ in range(3)]
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovukDateField(forms.MultiValueField):
    """A date as day, month and year, with the error messages the Design System recommends."""

    def __init__(self, *, label_for_errors: str = "date", **kwargs: Any) -> None:
        self.label_for_errors = label_for_errors
        fields = (forms.CharField(), forms.CharField(), forms.CharField())
        super().__init__(fields, require_all_fields=False, **kwargs)
        self.widget = GovukDateWidget()

    def compress(self, data_list: list[Any]) -> date | None:
        if not data_list or not any(data_list):
            return None
        day, month, year = (str(v or "").strip() for v in data_list)
        missing = [n for n, v in (("day", day), ("month", month), ("year", year)) if not v]
        if missing:
            raise forms.ValidationError(f"The {self.label_for_errors} must include a {' and '.join(missing)}.")
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            raise forms.ValidationError(
                f"The {self.label_for_errors} must be a real date, with a 4-digit year, for example 27 3 2009."
            )
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            raise forms.ValidationError(f"The {self.label_for_errors} must be a real date.") from None


def time_field(label: str) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=5, help_text="24-hour clock, for example 21:30")


def parse_time(value: str) -> time | None:
    match = TIME_PATTERN.match(value or "")
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def combine(form: forms.Form, date_field: str, time_field: str, label: str) -> datetime | None:
    """A date (three boxes) and a time (HH:MM) typed in Europe/London, as an aware time.

    A time with no date is today's; a date with no time is an error (the clocks need the hour).
    """
    day: date | None = form.cleaned_data.get(date_field)
    raw_time = (form.cleaned_data.get(time_field) or "").strip()
    if date_field in form.errors:
        return None
    if not raw_time:
        if day is not None:
            form.add_error(time_field, f"Enter the time {label}, for example 21:30")
        return None
    at = parse_time(raw_time)
    if at is None:
        form.add_error(time_field, f"Enter the time {label} on the 24-hour clock, for example 21:30")
        return None
    return datetime.combine(day or clock.today_london(), at, tzinfo=clock.LONDON)


def require_text(form: forms.Form, messages: dict[str, str]) -> None:
    """Every blank text field among `messages` gets its message, so an empty form lists every problem at
    once instead of in rounds. The service checks the same again (for the API and the replay), with the
    same words; the form only makes sure the user hears all of it the first time."""
    for name, message in messages.items():
        if name in form.fields and name not in form.errors and not str(form.cleaned_data.get(name) or "").strip():
            form.add_error(name, message)
