"""Upload and withdrawal forms. They read what was sent; the services decide what is kept."""

from __future__ import annotations

from django import forms

from childsafe.core.forms import GovukDateField, combine, time_field
from childsafe.files.models import DOCUMENT_KINDS, PhotoSource


class AttachForm(forms.Form):
    kind = forms.ChoiceField(label="What is it?", choices=[("", "Choose")] + DOCUMENT_KINDS, required=False)
    file = forms.FileField(label="File", required=False)
    notes = forms.CharField(label="Notes (optional)", required=False, widget=forms.Textarea, max_length=2000)


class PhotoForm(forms.Form):
    file = forms.FileField(label="Photograph", required=False)
    taken_on = GovukDateField(label="Date taken", label_for_errors="date taken", required=False)
    taken_time = time_field("Time taken (optional)")
    source = forms.ChoiceField(
        label="Where it came from", choices=PhotoSource.choices, widget=forms.RadioSelect, required=False
    )
    description = forms.CharField(label="Description (optional)", required=False, max_length=300)

    def taken_at(self):  # type: ignore[no-untyped-def]
        if not (self.cleaned_data.get("taken_time") or "").strip() and self.cleaned_data.get("taken_on"):
            self.cleaned_data["taken_time"] = "12:00"  # a date alone is enough for a photograph
        return combine(self, "taken_on", "taken_time", "the photograph was taken")


class WithdrawForm(forms.Form):
    reason = forms.CharField(label="Why is it being withdrawn?", widget=forms.Textarea, required=False, max_length=2000)


class PublicityForm(forms.Form):
    release = forms.TypedChoiceField(
        label="May the sheet be released to the public for an appeal?",
        choices=[("yes", "Yes, release it for a public appeal"), ("no", "No, police use only")],
        coerce=lambda v: v == "yes",
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,
    )
    carer_view = forms.CharField(
        label="What the parent or carer said", widget=forms.Textarea, required=False, max_length=5000
    )
    rationale = forms.CharField(label="Reason for the decision", widget=forms.Textarea, required=False, max_length=5000)


class BodyMapForm(forms.Form):
    regions = forms.MultipleChoiceField(label="Where on the body", choices=[], required=False)
    notes = forms.CharField(
        label="Describe each injury or mark",
        help_text="Where, its size, colour and shape, and what the child said about it.",
        widget=forms.Textarea,
        required=False,
        max_length=2000,
    )

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        from childsafe.files.bodymap import REGIONS

        super().__init__(*args, **kwargs)
        self.fields["regions"].choices = [(key, label) for key, label, *_ in REGIONS]
