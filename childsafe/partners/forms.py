"""Partner portal forms. They read what was typed; the services decide what is allowed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms

from childsafe.core import clock
from childsafe.core.forms import GovukDateField, parse_time


class StrategyOutcomeForm(forms.Form):
    """RF-10: the outcome of a strategy meeting, sent back by the local authority that held it."""

    held_on = GovukDateField(
        label="Date of the meeting",
        label_for_errors="meeting date",
        error_messages={"required": "Enter the date of the meeting, for example 27 3 2025"},
    )
    held_time = forms.CharField(
        label="Time of the meeting",
        help_text="24-hour clock, for example 14:30",
        error_messages={"required": "Enter the time of the meeting, for example 14:30"},
    )
    attendees = forms.CharField(
        label="Who attended",
        help_text="One person a line, with their agency",
        required=False,
        max_length=10_000,
        widget=forms.Textarea,
    )
    decisions = forms.CharField(
        label="Outcome and decisions",
        help_text="What the meeting decided, including any section 47 enquiry and who does what",
        required=False,
        max_length=10_000,
        widget=forms.Textarea,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        day, raw = data.get("held_on"), data.get("held_time")
        if day is not None and raw:
            at = parse_time(raw)
            if at is None:
                self.add_error("held_time", "Enter the time of the meeting on the 24-hour clock, for example 14:30")
            else:
                data["held_at"] = datetime.combine(day, at, tzinfo=clock.LONDON)
        return data
