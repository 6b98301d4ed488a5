"""Investigation forms. They read what was typed; the services decide what is allowed (INV-1's refusal, the
superficial-entry check, the dates) and their refusals are shown on the form."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms

from childsafe.core import clock
from childsafe.core.forms import GovukDateField
from childsafe.investigations.models import BailOutcome, InvestigationOutcome, InvestigationType

TEXT_MAX = 10_000


def _text(label: str, hint: str = "", required: bool = True, message: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        required=required,
        max_length=TEXT_MAX,
        widget=forms.Textarea,
        error_messages={"required": message or f"Enter {label.lower()}"},
    )


def london_end_of(day) -> datetime:
    """A date typed on a form, as the end of that day in London (a review or bail 'by' that day)."""
    return datetime.combine(day, time(23, 59), tzinfo=clock.LONDON)


class AllocateForm(forms.Form):
    officer = forms.ChoiceField(label="Officer in the case", error_messages={"required": "Choose an officer"})
    rationale = _text(
        "Rationale",
        "Needed when the officer lacks the accreditation this type needs, or works in another area. Say why they "
        "should have it and what support they will get.",
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, candidates: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].choices = [(str(c.officer.pk), c.officer.display_name) for c in candidates]


class SuperviseForm(forms.Form):
    lines_of_enquiry = _text("Lines of enquiry", "What is to be done next, by whom, and why.")
    safeguarding_actions = _text("Safeguarding actions", "Who is at risk and what is being done to protect them.")
    other_children = _text(
        "Other children",
        "Children in the household, with access to the suspect, or linked friends: who they are and whether "
        "each has been referred.",
        message="Enter what is known about other children, or that none are known",
    )
    next_review_on = GovukDateField(label="Next review", label_for_errors="date of the next review")

    def clean_next_review_on(self):
        value = self.cleaned_data.get("next_review_on")
        if value is None:
            raise forms.ValidationError("Enter the date of the next review")
        return value


class ActivityForm(forms.Form):
    note = _text("What was done", "Anything that shows work on the investigation.", message="Enter what was done")


class AccessForm(forms.Form):
    suspect = forms.ChoiceField(
        label="Suspect", widget=forms.RadioSelect, error_messages={"required": "Choose the suspect"}
    )
    source = forms.CharField(
        label="Where this came from",
        help_text="For example: custody remark, household, own children, intelligence",
        max_length=120,
        error_messages={"required": "Enter where this came from"},
    )
    detail = _text("What is known", message="Enter what is known about the suspect's access to children")
    children = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, suspects: list, children: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["suspect"].choices = [(str(p.pk), p.full_name) for p in suspects]
        self.fields["children"].choices = [(str(p.pk), p.full_name) for p in children]


class BailForm(forms.Form):
    suspect = forms.ChoiceField(
        label="Suspect", widget=forms.RadioSelect, error_messages={"required": "Choose the suspect"}
    )
    conditions = _text("Conditions", message="Enter the bail conditions")
    ends_on = GovukDateField(label="Bail ends", label_for_errors="date bail ends")

    def __init__(self, *args: Any, suspects: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["suspect"].choices = [(str(p.pk), p.full_name) for p in suspects]

    def clean_ends_on(self):
        value = self.cleaned_data.get("ends_on")
        if value is None:
            raise forms.ValidationError("Enter the date bail ends")
        return value


class BailEndForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=BailOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome"},
    )
    ends_on = GovukDateField(label="New end date (if extended)", label_for_errors="new end date", required=False)


class DfuSubmitForm(forms.Form):
    devices = _text("Devices", "One device on each line.", message="List the devices")
    priority = forms.BooleanField(label="Ask for priority: a child is at risk", required=False)
    reason = _text("Why priority is needed", required=False)

    def device_list(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["devices"].splitlines() if line.strip()]


class DfuCompleteForm(forms.Form):
    summary = _text("Results", message="Enter a summary of the results")


class VioRespondForm(forms.Form):
    response = forms.ChoiceField(
        label="Your answer",
        choices=[("accepted", "Accept the offer"), ("declined", "Decline the offer")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose accept or decline"},
    )
    reason = _text("Reason", "Needed when you decline.", required=False)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=InvestigationOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome"},
    )
    rationale = _text("Your rationale as supervisor", message="Enter your rationale for closing the investigation")
    version = forms.IntegerField(widget=forms.HiddenInput)


class OpenForm(forms.Form):
    type = forms.ChoiceField(
        label="Type of investigation",
        choices=[("", "Choose the type")] + list(InvestigationType.choices),
        error_messages={"required": "Choose the type of investigation"},
    )
    summary = _text("Summary", "What is being investigated.", message="Enter a summary of what is being investigated")


class FindForm(forms.Form):
    q = forms.CharField(label="Find a person by name", max_length=200, required=False)


class VioOfferForm(forms.Form):
    message = _text("Offer of help", "What victim identification can do for this investigation.")
