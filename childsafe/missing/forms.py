"""Missing-children forms. They read what was typed; the services decide what is allowed.

Text the services check is not required here, so the service's own message is the one shown, on
the field it concerns. The grading form is the exception: it will not submit without a note
against every marker (MP-3 at the point of entry). The report, grading and safe and well forms also
say, in the service's words, which of its required text fields are blank, so that an empty form lists
every problem at once (core.forms.require_text).
"""

from __future__ import annotations

from typing import Any

from django import forms

from childsafe.core.forms import GovukDateField, combine, require_text
from childsafe.core.forms import time_field as _time_field
from childsafe.missing.models import RiskGrade
from childsafe.people.picker import officer_choices

TEXT_MAX = 10_000
# MP-1: only these are offered. Anything else posted still reaches the service, which refuses it.
GRADE_CHOICES = [(RiskGrade.HIGH.value, "High"), (RiskGrade.MEDIUM.value, "Medium")]
AWARE_SECTIONS = (
    ("appearance", "Appearance", "How the child looked: clothes, injuries, hygiene, signs of drink or drugs."),
    ("words", "Words", "What the child said, in their own words where you can."),
    ("activity", "Activity", "What the child was doing, and how they behaved with you."),
    ("relationships", "Relationships and dynamics", "Who they were with, who they mention, who has a hold on them."),
    ("environment", "Environment", "Where they were and what it was like: who else was there."),
)


def _text(label: str, *, hint: str = "", max_length: int = TEXT_MAX) -> forms.CharField:
    return forms.CharField(label=label, help_text=hint, required=False, max_length=max_length, widget=forms.Textarea)


def _line(label: str, *, hint: str = "", max_length: int = 300, required: bool = False) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        required=required,
        max_length=max_length,
        error_messages={"required": f"Enter the {label[0].lower()}{label[1:]}"},
    )


def _officer(label: str, required_message: str, hint: str = "") -> forms.ChoiceField:
    # Picked by name from serving police users (ADR 0030); the value is the username the services take.
    return forms.ChoiceField(
        label=label,
        help_text=hint,
        choices=officer_choices,
        error_messages={"required": required_message, "invalid_choice": required_message},
    )


class ReportForm(forms.Form):
    child = forms.IntegerField(  # posted by the person picker (people/picker.py): picked by name
        label="Which child is missing?",
        min_value=1,
        error_messages={
            "required": "Choose the missing child: search by name and choose them",
            "invalid": "Choose the missing child: search by name and choose them",
        },
    )
    reported_by = _line("Reported by", hint="Who called: for example 'Oak House staff' or 'mother'.", max_length=200)
    last_seen_at = GovukDateField(
        label="Date last seen", required=False, label_for_errors="date last seen", help_text="For example, 27 3 2025"
    )
    last_seen_at_time = _time_field("Time last seen")
    last_seen_place = _line("Where the child was last seen")
    circumstances = _text("Circumstances", hint="What happened before they went, and why the caller is worried.")
    returned_before_report = forms.BooleanField(
        label="The child has already come back (still recorded as a missing episode, MP-7)", required=False
    )
    incident = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["last_seen"] = combine(self, "last_seen_at", "last_seen_at_time", "last seen")
        require_text(self, {"reported_by": "Enter who reported the child missing."})
        return data


class GradeForm(forms.Form):
    """One required note per active marker type; grade high or medium; rationale; the version seen."""

    grade = forms.CharField(
        label="Risk grade",
        widget=forms.RadioSelect(choices=GRADE_CHOICES),
        help_text="A missing child is high or medium risk, never low (MP-1).",
        error_messages={"required": "Choose high or medium risk"},
    )
    rationale = _text("Rationale for the grade", hint="Why this grade, for this child, from what you know now.")
    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        require_text(self, {"rationale": "Enter the rationale for the grade."})
        return data

    def __init__(
        self,
        *args: Any,
        markers: list[Any] = (),
        duplicates: list[Any] = (),
        labels: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.markers = list(markers)
        # Records that may be this child (not linked, not ruled out): (person, [marker types]).
        self.duplicates = list(duplicates)
        for m in self.markers:
            self.fields[self.note_name(m.type)] = forms.CharField(
                label=f"{m.label}: how does your grade address this marker?",
                widget=forms.Textarea,
                max_length=TEXT_MAX,
                error_messages={"required": f"Enter a note against the {m.label} marker (MP-3)"},
            )
        self.labels = labels or {}
        own = {m.type for m in self.markers}
        self.duplicate_only = sorted({t for _, types in self.duplicates for t in types} - own)
        for t in self.duplicate_only:
            label = (labels or {}).get(t, t)
            self.fields[self.note_name(t)] = forms.CharField(
                label=f"{label} (on a record that may be this child): how does your grade address it?",
                help_text="Not needed if you link the record or rule it out below.",
                widget=forms.Textarea,
                max_length=TEXT_MAX,
                required=False,
            )
        for person, _ in self.duplicates:
            self.fields[f"duplicate_{person.pk}_action"] = forms.ChoiceField(
                label=f"Is {person.full_name} the same child?",
                choices=[
                    ("address", "Not sure: I address its markers in my grading"),
                    ("link", "Yes, the same child: link the records"),
                    ("not_same", "No, not the same child"),
                ],
                widget=forms.RadioSelect,
                required=False,
                initial="address",
            )
            self.fields[f"duplicate_{person.pk}"] = forms.CharField(
                label="Why",
                help_text="Needed to link the records or to rule this one out.",
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=TEXT_MAX,
                required=False,
            )

    @staticmethod
    def note_name(marker_type: str) -> str:
        return f"note_{marker_type}"

    def marker_rows(self) -> list[tuple[Any, forms.BoundField]]:
        return [(m, self[self.note_name(m.type)]) for m in self.markers]

    def duplicate_rows(self) -> list[tuple[Any, list[str], forms.BoundField, forms.BoundField]]:
        return [
            (p, [self.labels.get(t, t) for t in types], self[f"duplicate_{p.pk}_action"], self[f"duplicate_{p.pk}"])
            for p, types in self.duplicates
        ]

    def duplicate_note_rows(self) -> list[forms.BoundField]:
        return [self[self.note_name(t)] for t in self.duplicate_only]

    def markers_acknowledged(self) -> dict[str, str]:
        notes = {m.type: self.cleaned_data[self.note_name(m.type)] for m in self.markers}
        notes.update(
            {
                t: self.cleaned_data[self.note_name(t)]
                for t in self.duplicate_only
                if self.cleaned_data.get(self.note_name(t))
            }
        )
        return notes

    def duplicate_decisions(self) -> dict[int, Any]:
        from childsafe.missing.services import DuplicateDecision

        return {
            p.pk: DuplicateDecision(
                self.cleaned_data[f"duplicate_{p.pk}_action"], self.cleaned_data[f"duplicate_{p.pk}"]
            )
            for p, _ in self.duplicates
            if self.cleaned_data.get(f"duplicate_{p.pk}_action") in ("link", "not_same")
        }


class AssignForm(forms.Form):
    to = _officer("Officer in the case", "Choose the officer in the case")


class ActionForm(forms.Form):
    action = _line(
        "Line of enquiry", hint="For example: search the child's bedroom; check their phone.", max_length=500
    )
    owner = _officer("Owner", "Choose who owns this action")
    due_at = GovukDateField(
        label="Due date", required=False, label_for_errors="due date", help_text="Leave blank for today."
    )
    due_at_time = _time_field("Due time")
    done = forms.BooleanField(label="Already done", required=False)
    delay_reason = _text("Reason for any delay", hint="Needed when an action is overdue (MP-6).")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["due"] = combine(self, "due_at", "due_at_time", "it is due")
        return data


class ActionUpdateForm(forms.Form):
    """Mark an existing line of enquiry done, or say why it is late. Prefixed with the line's id."""

    done = forms.BooleanField(label="Done", required=False)
    delay_reason = _text("Reason for the delay")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not data.get("done") and not (data.get("delay_reason") or "").strip():
            self.add_error("done", "Mark the action done, or give a reason for the delay")
        return data


class ReviewForm(forms.Form):
    note = _text("Review", hint="What has been done, what is outstanding, and the risk now (MP-6).")


class BelievedForm(forms.Form):
    place = _line(
        "Where the child is believed to be",
        hint="An address or a named place someone says the child goes to, for example 'Former Royal Hotel, Whitby'.",
    )


class FoundForm(forms.Form):
    place = _line(
        "Where the child was found", hint="An address or a named place, for example 'Former Royal Hotel, Whitby'."
    )
    found_at = GovukDateField(
        label="Date found",
        required=False,
        label_for_errors="date found",
        help_text="Leave the date and time blank for now.",
    )
    found_at_time = _time_field("Time found")
    self_returned = forms.BooleanField(label="The child came back by themselves", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["when"] = combine(self, "found_at", "found_at_time", "found")
        return data


class SafeAndWellForm(forms.Form):
    where = _text("Where the child was", hint="Or that they would not say.")
    with_whom = _text("Who the child was with")
    harm = _text("Any harm", hint="Or 'none seen'.")
    disclosures = _text("Any disclosures", hint="Or 'none'.")
    voice = _text("The child's voice", hint="Their own words, views and demeanour, or why they weren't spoken to.")
    new_concerns = forms.ChoiceField(
        label="Did the check find new concerns?",
        choices=[("yes", "Yes: a PPN is needed before the episode can close"), ("no", "No")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether the check found new concerns"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        new_concerns = self.fields.pop("new_concerns")
        for key, label, hint in AWARE_SECTIONS:
            self.fields[f"aware_{key}"] = _text(f"AWARE: {label}", hint=hint)
        self.fields["new_concerns"] = new_concerns

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        require_text(
            self,
            {
                "where": "Enter where the child was (or that they would not say).",
                "with_whom": "Enter who the child was with.",
                "harm": "Enter any harm (or 'none seen').",
                "disclosures": "Enter any disclosures (or 'none').",
                "voice": "Enter the child's own words, or why they weren't spoken to.",
                **{f"aware_{key}": f"Enter the AWARE {label.lower()} section." for key, label, _ in AWARE_SECTIONS},
            },
        )
        return data

    def aware_fields(self) -> list[forms.BoundField]:
        return [self[f"aware_{key}"] for key, _, _ in AWARE_SECTIONS]

    def aware(self) -> dict[str, str]:
        return {key: self.cleaned_data[f"aware_{key}"] for key, _, _ in AWARE_SECTIONS}


class FilterForm(forms.Form):
    area = forms.ChoiceField(label="Area", required=False)
    risk = forms.ChoiceField(label="Risk", required=False)
    view = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, areas: Any = (), risks: dict[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", "All areas")] + [(a.code, a.name) for a in areas]
        self.fields["risk"].choices = [("", "Any risk")] + list((risks or {}).items())

    def value(self, name: str) -> str:
        return self.cleaned_data.get(name, "") if self.is_valid() else ""


class CloseForm(forms.Form):
    """Nothing to type: the sign-off is the supervisor pressing the button (MP-11)."""


class TriggerPlanForm(forms.Form):
    description = _text("Description", hint="What the child looks like and usually wears.")
    photo_reference = _line("Photo reference", hint="Where the current photo is held.", max_length=200)
    places = _text("Places they go")
    associates = _text("Associates", hint="Names, and how they know the child.")
    phone = _line("Phone number", max_length=60)
    transport = _text("Transport", hint="How they travel: bus routes, taxis, lifts.")
    risks = _text("Risks")
    notes = _text("Other notes")


class RhiForm(forms.Form):
    summary = _text("What the return home interview found")
    received_from = _line(
        "Received from",
        hint="The local authority worker or team who did the interview. Leave blank if you are that team.",
        max_length=200,
    )


class LocationPlanForm(forms.Form):
    owner = _officer(
        "Owner", "Choose the named officer who owns the plan", hint="The named officer who owns the plan (MP-12)."
    )
    plan = _text("Problem-solving plan", hint="What will be done about this place, by whom, and by when.")
