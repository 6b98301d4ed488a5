"""Offender management forms. They read what was typed; the services decide what is allowed, so text
the services check is not required here and the service's own message is shown on its field."""

from __future__ import annotations

from django import forms

from childsafe.core.forms import GovukDateField
from childsafe.core.forms import time_field as _time_field
from childsafe.offenders.models import (
    BreachDecision,
    BreachKind,
    DisclosureDecision,
    NotificationKind,
    NotificationPlace,
    OrderKind,
    RiskLevel,
    VisitKind,
)

PERIODS = [
    ("", "Choose the notification period"),
    ("indefinite", "Indefinite"),
    ("15", "15 years"),
    ("10", "10 years"),
    ("7", "7 years"),
    ("5", "5 years"),
    ("3", "3 years"),
    ("2", "2 years"),
]


def _text(label: str, hint: str = "") -> forms.CharField:
    return forms.CharField(label=label, help_text=hint, required=False, max_length=10_000, widget=forms.Textarea)


def _radios(label: str, choices, hint: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        help_text=hint,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": f"Choose {label[0].lower()}{label[1:]}."},
    )


class ConvictForm(forms.Form):
    offence = forms.CharField(label="Offence", max_length=300, required=False)
    notifiable = forms.BooleanField(
        label="Notifiable: the conviction puts them on the sex offenders register", required=False
    )
    court_result_date = GovukDateField(label="Date of the court result", label_for_errors="date of the court result")
    court_result_time = _time_field("Time of the court result")
    period = forms.ChoiceField(
        label="Notification period", choices=PERIODS, required=False, help_text="From the first notifiable conviction."
    )
    custody = forms.BooleanField(label="The sentence keeps them in custody", required=False)
    photo_reference = forms.CharField(
        label="Photograph reference (optional)",
        max_length=100,
        required=False,
        help_text="Where the custody or ViSOR photograph is held, for the shift briefing.",
    )


class ReleaseForm(forms.Form):
    released_date = GovukDateField(label="Date of release", label_for_errors="date of release")
    released_time = _time_field("Time of release")


class NotificationForm(forms.Form):
    kind = _radios("What is notified", NotificationKind.choices)
    where = _radios(
        "Where it was made",
        NotificationPlace.choices,
        hint="Only a notification in person at a designated station meets the law (RSO-1).",
    )
    event_date = GovukDateField(
        label="Date of the change or of travel",
        label_for_errors="date of the change or of travel",
        required=False,
        help_text="For foreign travel, the date they leave.",
    )
    detail = _text("Details", "The new name or address, the household, or the travel plans.")


class RiskForm(forms.Form):
    level = _radios("Risk level", RiskLevel.choices)
    plan = _text("Risk management plan", "What will be done to manage the risk, by whom and how often.")


class VisitForm(forms.Form):
    kind = _radios("Kind of visit", VisitKind.choices, hint="Only a home visit counts towards the visit schedule.")
    announced = forms.BooleanField(label="The visit was announced in advance", required=False)
    officers = forms.MultipleChoiceField(label="Officers who went", required=False, widget=forms.CheckboxSelectMultiple)
    devices_checked = forms.MultipleChoiceField(
        label="Devices checked", required=False, widget=forms.CheckboxSelectMultiple
    )
    notes = _text("Notes")

    def __init__(self, *args, officers=(), devices=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officers"].choices = [(str(u.pk), u.display_name) for u in officers]
        self.fields["devices_checked"].choices = [(str(d.pk), d.description) for d in devices]


class DeviceForm(forms.Form):
    description = forms.CharField(
        label="Device", max_length=200, required=False, help_text="For example, Samsung phone."
    )
    declared = forms.BooleanField(label="Declared by the offender", required=False)


class BreachForm(forms.Form):
    kind = _radios("Kind of breach", BreachKind.choices)
    detail = _text("What was found")


class BreachDecisionForm(forms.Form):
    decision = _radios(
        "Decision",
        BreachDecision.choices,
        hint="Anything but recording a crime is a supervisor's decision, with the reason (RSO-5).",
    )
    rationale = _text("Reason", "For a crime, the crime reference; otherwise why a crime is not recorded.")
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ChildContactForm(forms.Form):
    children = forms.MultipleChoiceField(label="Children", required=False, widget=forms.CheckboxSelectMultiple)
    detail = _text("What is known about the contact", "Declared or discovered, where, when, with whom.")

    def __init__(self, *args, people=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["children"].choices = [(str(p.pk), p.full_name) for p in people]


class WelfareForm(forms.Form):
    note = _text("How the child is", "Who saw the child, where, and what they found.")


class DisclosureForm(forms.Form):
    decision = _radios("Decision", DisclosureDecision.choices)
    to = forms.ChoiceField(label="Parent or carer told", required=False, widget=forms.RadioSelect)
    rationale = _text("Reason for the decision")

    def __init__(self, *args, people=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(str(p.pk), p.full_name) for p in people]


class SupervisionForm(forms.Form):
    note = _text(
        "Supervision entry", "What you reviewed, what you decided and why, and what happens next, with a date."
    )


class CourtResultsForm(forms.Form):
    file = forms.FileField(
        label="Court results file (CSV)",
        required=False,
        help_text="Columns: surname, forenames, date_of_birth, offence, notifiable, court_result_at, and "
        "optionally period (10y or indefinite) and custody.",
    )


class AbsenceForm(forms.Form):
    cover = forms.ChoiceField(label="Who covers for you", choices=(), help_text="A sergeant or above.")
    starts_on = GovukDateField(label="First day away", label_for_errors="first day away", required=False)
    ends_on = GovukDateField(label="Last day away", label_for_errors="last day away", required=False)
    reason = forms.CharField(label="Reason (optional)", max_length=200, required=False)

    def __init__(self, *args, covers=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cover"].choices = [("", "Choose a supervisor")] + [(str(u.pk), u.display_name) for u in covers]
        self.fields["cover"].error_messages["required"] = "Choose who covers for you."


class OrderForm(forms.Form):
    kind = forms.ChoiceField(label="Kind of order", choices=OrderKind.choices, required=False, widget=forms.RadioSelect)
    made_on = GovukDateField(label="Date made", label_for_errors="date the order was made", required=False)
    ends_on = GovukDateField(
        label="End date (optional)",
        label_for_errors="end date",
        required=False,
        help_text="Leave blank for an order until further order.",
    )
    prohibitions = _text("Prohibitions and requirements", "As the order words them.")
