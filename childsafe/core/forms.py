"""Form fields in GOV.UK Design System shapes (the date input is three boxes: day, month, year)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms


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
