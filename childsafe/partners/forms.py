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


class PortalFilterForm(forms.Form):
    """Search and filters on the portal's list (read from the address, so a filtered page can be shared)."""

    name = forms.CharField(label="Child's name", required=False, max_length=100)
    kind = forms.ChoiceField(
        label="Kind of notice",
        required=False,
        choices=[("", "All kinds"), ("encompass", "Operation Encompass"), ("ppn", "Referral (PPN)"),
                 ("protection", "Police protection")],
    )  # fmt: skip
    acknowledged = forms.ChoiceField(
        label="Acknowledged",
        required=False,
        choices=[("", "Acknowledged or not"), ("no", "Not yet acknowledged"), ("yes", "Acknowledged")],
    )
    sent_from = GovukDateField(label="Sent on or after", label_for_errors="first date", required=False)
    sent_to = GovukDateField(label="Sent on or before", label_for_errors="last date", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("sent_from"), data.get("sent_to")
        if start and end and start > end:
            self.add_error("sent_to", "The last date must be the same as or after the first date")
        return data
