"""PPN forms. They read what was typed; the services decide what is allowed (RF-1, RF-2 are the
service's refusals, shown on the form naming the child)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django import forms

from childsafe.core.forms import GovukDateField, require_text
from childsafe.missing.forms import AWARE_SECTIONS
from childsafe.people.picker import officer_choices
from childsafe.people.vocabulary import SelfDefinedEthnicity
from childsafe.referrals.models import ReviewQuality

TEXT_MAX = 10_000
ETHNICITY_CHOICES = [("", "Choose the child's self-defined ethnicity")] + list(SelfDefinedEthnicity.choices)
DECISIONS = [
    ("share", "Share with partners"),
    ("return", "Return to the officer with reasons"),
    ("no_further_action", "No further action"),
]


def _text(label: str, hint: str = "") -> forms.CharField:
    return forms.CharField(label=label, help_text=hint, required=False, max_length=TEXT_MAX, widget=forms.Textarea)


class ChildrenForm(forms.Form):
    """Step one without an incident: which children the PPN is about, picked by name (people/picker.py).

    The picker posts each chosen child as `child`; this form only carries its error to the summary."""

    child = forms.CharField(label="Which children is the PPN about?", required=False)


class PpnForm(forms.Form):
    concern = _text("What is the concern?", "What happened and why you are worried for the child or children.")
    other_children = _text(
        "Other children not known to police (RF-8)",
        "Children not on police records: others in the household, with access to the suspect, or linked "
        "friends. Refer each one or record why not.",
    )

    def __init__(self, *args: Any, children: list[Any] = (), proposed: list[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.children = list(children)
        # RF-8: the household's children on police records (people.selectors.HouseholdChild), each to be added
        # to this PPN or given the reason they are not referred.
        self.proposed = list(proposed)
        for h in self.proposed:
            name = h.person.full_name
            self.fields[self.name(h.person, "choice")] = forms.ChoiceField(
                label=f"{name} ({h.why})",
                choices=[("add", "Add to this PPN"), ("not", "Not referred on this PPN")],
                widget=forms.RadioSelect,
                required=False,
                error_messages={"invalid_choice": f"Choose whether to add {name} to this PPN or not"},
            )
            self.fields[self.other_name(h.person)] = _text(
                f"Why {name} is not referred", "For example: already referred today on another PPN."
            )
        for person in self.children:
            for key, label, hint in AWARE_SECTIONS:
                self.fields[self.name(person, key)] = _text(f"{label} ({person.full_name})", hint)
            self.fields[self.name(person, "voice")] = _text(
                f"Voice of the child ({person.full_name})",
                "Their words, or why they were not spoken to.",
            )
            self.fields[self.name(person, "ethnicity")] = forms.ChoiceField(
                label=f"Self-defined ethnicity ({person.full_name})",
                choices=ETHNICITY_CHOICES,
                required=False,
                help_text="As the child or their family define it, or NS if they chose not to say.",
                error_messages={
                    "invalid_choice": f"Choose {person.full_name}'s self-defined ethnicity from the list, "
                    "or NS if they chose not to say."
                },
            )

    @staticmethod
    def name(person: Any, key: str) -> str:
        return f"c{person.pk}_{key}" if key != "choice" else f"o{person.pk}_choice"

    @staticmethod
    def other_name(person: Any) -> str:
        """The reason's field: the name the service gives its refusal (referrals.services.other_child_field)."""
        return f"o{person.pk}_reason"

    def to_add(self) -> list[Any]:
        """The proposed children the officer chose to add to this PPN (read from what was posted)."""
        return [h.person for h in self.proposed if self.data.get(self.name(h.person, "choice")) == "add"]

    def other_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "person": h.person,
                "why": h.why,
                "choice": self[self.name(h.person, "choice")],
                "reason": self[self.other_name(h.person)],
            }
            for h in self.proposed
        ]

    def other_entries(self) -> list[dict[str, Any]]:
        """The proposed children marked "not referred", with the reason as typed (the service refuses a blank one)."""
        data = self.cleaned_data
        return [
            {"person": h.person, "reason": data.get(self.other_name(h.person), "")}
            for h in self.proposed
            if data.get(self.name(h.person, "choice")) == "not"
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.data.get("action") == "draft":
            return data  # a draft may be incomplete: the guards run when it is submitted
        # What RF-1 and RF-2 refuse, each on its own field, so that every gap is listed at once.
        messages = {"concern": "Enter what the concern is."}
        for p in self.children:
            name = p.full_name
            for key, label, _hint in AWARE_SECTIONS:
                messages[self.name(p, key)] = f"Enter the AWARE {label.lower()} section for {name} (RF-1)."
            messages[self.name(p, "voice")] = (
                f"Enter {name}'s voice: their words, or why they were not spoken to (RF-1)."
            )
            messages[self.name(p, "ethnicity")] = (
                f"Choose {name}'s self-defined ethnicity, or NS if they chose not to say (RF-2)."
            )
        require_text(self, messages)
        return data

    def child_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "person": p,
                "aware": [self[self.name(p, key)] for key, _label, _hint in AWARE_SECTIONS],
                "voice": self[self.name(p, "voice")],
                "ethnicity": self[self.name(p, "ethnicity")],
            }
            for p in self.children
        ]

    def child_entry(self, person: Any) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "aware": {key: data.get(self.name(person, key), "") for key, _label, _hint in AWARE_SECTIONS},
            "voice": data.get(self.name(person, "voice"), ""),
            "ethnicity": data.get(self.name(person, "ethnicity"), ""),
        }


def draft_initial(draft: Any, children: list[Any], others: list[Any] = ()) -> dict[str, str]:
    """A saved draft's values, to fill the PPN form in again."""
    data = {"concern": draft.concern, "other_children": draft.other_children}
    for other in others:
        data[PpnForm.name(other.person, "choice")] = "not"
        data[PpnForm.other_name(other.person)] = other.reason
    for child in children:
        for key, _label, _hint in AWARE_SECTIONS:
            data[PpnForm.name(child.person, key)] = child.aware.get(key, "")
        data[PpnForm.name(child.person, "voice")] = child.voice
        data[PpnForm.name(child.person, "ethnicity")] = child.ethnicity
    return data


def known_initial(people: list[Any], check: Any = None) -> dict[str, str]:
    """What Childsafe already knows, so the officer doesn't type it twice (issue 16): each child's recorded
    self-defined ethnicity, and from a safe and well check its AWARE and the child's voice."""
    data = {PpnForm.name(p, "ethnicity"): p.ethnicity_self_defined for p in people if p.ethnicity_self_defined}
    if check is not None:
        child = check.episode.person
        for key, _label, _hint in AWARE_SECTIONS:
            data[PpnForm.name(child, key)] = (check.aware or {}).get(key, "")
        data[PpnForm.name(child, "voice")] = check.voice
    return data


class MonthForm(forms.Form):
    """Which month a PPN sample (RF-5) is for, as 2022-10."""

    month = forms.CharField(label="Month", help_text="For example 2022-10", max_length=7, required=False)

    def clean_month(self) -> date | None:
        raw = self.cleaned_data["month"].strip()
        if not raw:
            return None
        try:
            return datetime.strptime(raw, "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError("Enter the month as year and month, for example 2022-10.") from None


class ReviewForm(forms.Form):
    """RF-5: the line manager's findings on one PPN of their sample."""

    quality = forms.ChoiceField(
        label="How good is this PPN?",
        choices=ReviewQuality.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose good, needs improvement or not acceptable"},
    )
    note = forms.CharField(
        label="Your findings",
        help_text="What was done well, and what the officer should do differently.",
        max_length=TEXT_MAX,
        widget=forms.Textarea,
        error_messages={"required": "Write what you found"},
    )


class DelayForm(forms.Form):
    """RF-7: an inspector's approved delay before a PPN: why, and until when (London time)."""

    rationale = forms.CharField(
        label="Why must the PPN wait?",
        help_text="For example, telling the family now would put the child at risk before the warrant is executed.",
        max_length=TEXT_MAX,
        widget=forms.Textarea,
        error_messages={"required": "Enter why the PPN must wait"},
    )
    until_on = GovukDateField(label="Delay until (date)", label_for_errors="date the delay ends")
    until_time = forms.CharField(label="Delay until (time)", help_text="For example 14:30", max_length=5)

    def clean_until_time(self) -> time:
        raw = self.cleaned_data["until_time"].strip()
        try:
            return datetime.strptime(raw, "%H:%M").time()
        except ValueError:
            raise forms.ValidationError("Enter the time as hours and minutes, for example 14:30.") from None


class TriageForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=DECISIONS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose share, return or no further action"},
    )
    partners = forms.TypedMultipleChoiceField(label="Partners to share with", required=False, coerce=int)
    reason = _text("Reason", "Why you are returning the PPN or taking no further action; optional when sharing.")

    def __init__(self, *args: Any, organisations: list[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Any organisation's id is accepted here: the service says which ones PPNs are not shared with.
        self.fields["partners"].choices = [(o.pk, o.name) for o in organisations]
        self.fields["partners"].valid_value = lambda value: True

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        # The service would still create the shares for a return or no further action: ask instead.
        if data.get("partners") and data.get("decision") in {"return", "no_further_action"}:
            self.add_error("partners", "Untick the partners, or choose to share the PPN with them")
        return data


class StrategyMeetingForm(forms.Form):
    """RF-10: a strategy meeting's date and time, who came, what was decided, and up to three actions."""

    ACTIONS = 3

    held_on = GovukDateField(label="Date of the meeting", label_for_errors="meeting date")
    held_time = forms.CharField(label="Time of the meeting", help_text="For example 14:30", max_length=5)
    attendees = _text("Who attended", "One person a line, with their agency")
    decisions = _text("What the meeting decided")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, self.ACTIONS + 1):
            self.fields[f"actions.{n}"] = forms.CharField(label=f"Action {n}", required=False, max_length=500)
            self.fields[f"owner_{n}"] = forms.ChoiceField(  # a police owner, chosen by name (ADR 0030)
                label=f"Action {n} owner",
                required=False,
                choices=officer_choices,
                error_messages={"invalid_choice": f"Action {n} needs a named police owner: choose them from the list"},
            )
            self.fields[f"due_{n}"] = GovukDateField(
                label=f"Action {n} due by", label_for_errors=f"action {n} due date", required=False
            )

    def clean_held_time(self) -> time:
        raw = self.cleaned_data["held_time"].strip()
        try:
            return datetime.strptime(raw, "%H:%M").time()
        except ValueError:
            raise forms.ValidationError("Enter the time as hours and minutes, for example 14:30.") from None

    def action_rows(self) -> list[tuple[Any, Any, Any]]:
        return [(self[f"actions.{n}"], self[f"owner_{n}"], self[f"due_{n}"]) for n in range(1, self.ACTIONS + 1)]
