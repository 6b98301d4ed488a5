"""Control-room forms. They only read what was typed: the services decide what is allowed.

Text the services check (location, summary, THRIVE sections, rationale, outcome) is not required
here, so the service's own message is the one the user sees, on the field it concerns. The incident
form also says, in the service's words, which of its text fields are blank, so that an empty form
lists every problem at once (core.forms.require_text).
"""

from __future__ import annotations

from typing import Any

from django import forms

from childsafe.core.forms import GovukDateField, combine, require_text, time_field
from childsafe.incidents.models import Grade, IncidentType
from childsafe.people.picker import officer_choices

CHILD_ROWS = 3
TEXT_MAX = 10_000


def _text(label: str, *, hint: str = "", max_length: int = TEXT_MAX) -> forms.CharField:
    return forms.CharField(label=label, help_text=hint, required=False, max_length=max_length, widget=forms.Textarea)


def _username(label: str, *, hint: str = "", required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        required=required,
        max_length=150,
        error_messages={"required": f"Enter the {label[0].lower()}{label[1:]}"},
    )


class IncidentForm(forms.Form):
    type = forms.ChoiceField(
        label="Type of incident",
        choices=[("", "Choose a type")] + list(IncidentType.choices),
        error_messages={"required": "Choose the type of incident"},
    )
    # CR-4: chosen only after the intelligence check is shown (the view asks for it on the second step).
    grade = forms.TypedChoiceField(
        label="Response grade",
        choices=Grade.choices,
        coerce=int,
        widget=forms.RadioSelect,
        required=False,
        empty_value=None,
    )
    # The reference numbers whose check was shown, so that a changed list is checked again before grading.
    checked = forms.CharField(required=False, widget=forms.HiddenInput, max_length=300)
    location = forms.CharField(label="Location", required=False, max_length=300)
    summary = _text("Summary of what was reported")
    occurred_at = GovukDateField(label="Date it happened", required=False, label_for_errors="date it happened")
    occurred_at_time = time_field("Time it happened")
    evidence_advice_given = forms.BooleanField(
        label="I told the caller how to keep the evidence on their devices (online abuse, CR-5)", required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # Blank: it is happening now (the time it is recorded). The service refuses a time in the future.
        data["occurred"] = combine(self, "occurred_at", "occurred_at_time", "it happened")
        require_text(self, {"location": "Enter the location.", "summary": "Enter the summary of what was reported."})
        return data

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, CHILD_ROWS + 1):
            self.fields[f"child_{n}"] = forms.IntegerField(  # posted by the person picker: picked by name
                label=f"Child {n}",
                required=False,
                min_value=1,
                error_messages={"invalid": f"Choose child {n} again: search by name and choose them"},
            )
            self.fields[f"present_{n}"] = forms.BooleanField(label="Present at the incident", required=False)
            self.fields[f"resident_{n}"] = forms.BooleanField(label="Normally lives at the address", required=False)

    def child_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [(self[f"child_{n}"], self[f"present_{n}"], self[f"resident_{n}"]) for n in range(1, CHILD_ROWS + 1)]

    def checked_references(self) -> list[int]:
        raw = str(self.data.get(self.add_prefix("checked"), "")) if self.is_bound else ""
        return sorted(int(p) for p in raw.split(",") if p.strip().isdigit())

    def references(self) -> list[int]:
        """The ids of the children picked, for the view to look up (before `is_valid` finishes)."""
        refs = []
        for n in range(1, CHILD_ROWS + 1):
            raw = str(self.data.get(self.add_prefix(f"child_{n}"), "")).strip()
            if raw.isdigit():
                refs.append(int(raw))
        return refs

    def children(self, people: dict[int, Any]) -> list[tuple[Any, bool, bool]]:
        """(person, present, resident) for each row filled in; an unknown id is a field error."""
        rows = []
        for n in range(1, CHILD_ROWS + 1):
            ref = self.cleaned_data.get(f"child_{n}")
            if ref is None:
                continue
            person = people.get(ref)
            if person is None:
                self.add_error(f"child_{n}", f"Choose child {n} again: search by name and choose them")
                continue
            rows.append((person, self.cleaned_data[f"present_{n}"], self.cleaned_data[f"resident_{n}"]))
        return rows


class ThriveForm(forms.Form):
    threat = _text("Threat")
    harm = _text("Harm")
    risk = _text("Risk")
    investigation = _text("Investigation")
    vulnerability = _text("Vulnerability")
    engagement = _text("Engagement")


class InformationForm(forms.Form):
    text = _text("New information", hint="What the caller or an officer has told you since the incident was recorded.")


class RegradeForm(forms.Form):
    grade = forms.TypedChoiceField(
        label="New grade",
        choices=Grade.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the new grade"},
    )
    rationale = _text("Rationale for the new grade")
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    approver_username = _username(
        "Supervisor's username (only if they are with you now)",
        hint="Downgrading an incident about a child needs a supervisor's approval. It goes to the supervisors' "
        "list, or a supervisor, FIM or CII beside you signs in here to approve it now.",
    )
    approver_password = forms.CharField(
        label="Supervisor's password", required=False, max_length=200, widget=forms.PasswordInput
    )


class AllocateForm(forms.Form):
    team = forms.ChoiceField(label="Team", required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    user = forms.ChoiceField(
        label="Or an officer",
        required=False,
        choices=lambda: officer_choices("No officer: allocate to the team"),
        error_messages={"invalid_choice": "Choose an officer from the list"},
    )

    def __init__(self, *args: Any, teams: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "No team: allocate to an officer")] + [(str(t.pk), t.name) for t in teams]


class CloseForm(forms.Form):
    outcome = _text("Outcome")
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = _text(
        "Why it should close despite a warning (only if a warning stops the closure)",
        hint="For example why a child reported as not where they should be is not a missing child (MP-7). "
        "A supervisor approves it from their list, or signs in below if they are with you.",
    )
    approver_username = _username("Supervisor's username (only if they are with you now)")
    approver_password = forms.CharField(
        label="Supervisor's password", required=False, max_length=200, widget=forms.PasswordInput
    )


class CallReviewForm(forms.Form):
    findings = _text(
        "Your review of the call",
        hint="How the call handler dealt with the call: the questions asked, THRIVE, the grade, advice given.",
    )
