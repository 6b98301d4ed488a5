"""Forms for police protection. They only shape the input: every check is the service's, so the page, the API
and the replay refuse the same things with the same words."""

from __future__ import annotations

from typing import Any

from django import forms

from childsafe.core.forms import GovukDateField, combine, time_field
from childsafe.core.models import User
from childsafe.core.roles import RANK_ORDER, Rank
from childsafe.people.models import Person
from childsafe.protection.models import EndOutcome, Offences, PlaceOfSafety

# Where a service's error lands on the form (its field names are the service's arguments).
FIELD_FOR = {
    "removed_at": "removed_time",
    "la_informed_at": "la_informed_time",
    "ended_at": "ended_time",
    "children": "children",
}


def inspectors(*, exclude: list[int | None]) -> Any:
    """Serving officers of inspector rank or above, by name: the people a designated officer is chosen from."""
    ranks = [r for r, order in RANK_ORDER.items() if order >= RANK_ORDER[Rank.INSPECTOR]]
    return (
        User.objects.filter(is_active=True, rank__in=ranks, organisation__isnull=True)
        .exclude(pk__in=[pk for pk in exclude if pk])
        .order_by("last_name", "first_name", "username")
    )


class OfficerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name() or obj.username
        return f"{name} ({obj.get_rank_display()}{', ' + str(obj.area) if obj.area_id else ''})"


class StartForm(forms.Form):
    children = forms.MultipleChoiceField(label="Children taken into police protection", required=False)
    removed_on = GovukDateField(label="Date of removal", required=False, label_for_errors="date of removal")
    removed_time = time_field("Time of removal")
    reason = forms.CharField(
        label="The circumstances and why the children were removed", required=False, widget=forms.Textarea
    )
    place_kind = forms.ChoiceField(
        label="Place of safety", choices=PlaceOfSafety.choices, required=False, widget=forms.RadioSelect
    )
    place_name = forms.CharField(label="Name and address of the place of safety", required=False, max_length=300)
    place_rationale = forms.CharField(
        label="Why a police station is the only safe place (only if you chose a police station)",
        required=False,
        widget=forms.Textarea,
    )
    la_informed_on = GovukDateField(
        label="Date the local authority was told", required=False, label_for_errors="date the local authority was told"
    )
    la_informed_time = time_field("Time the local authority was told (leave blank if not yet)")
    parents_informed = forms.CharField(
        label="How the parents were told, or why not yet", required=False, widget=forms.Textarea
    )
    offences_against_child = forms.ChoiceField(
        label="Were offences committed against the child?",
        choices=Offences.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    investigation_reference = forms.CharField(label="Linked investigation reference", required=False, max_length=60)
    offences_reason = forms.CharField(
        label="If there is no investigation, why not", required=False, widget=forms.Textarea
    )

    def __init__(self, *args: Any, candidates: list[Person], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = candidates
        self.fields["children"].choices = [(str(p.pk), p.full_name) for p in candidates]
        self.fields["children"].initial = [str(p.pk) for p in candidates]
        for p in candidates:
            self.fields[f"wishes_{p.pk}"] = forms.CharField(
                label=f"{p.full_name}: wishes and feelings", required=False, widget=forms.Textarea
            )

    def wishes_fields(self) -> list[tuple[Person, forms.BoundField]]:
        return [(p, self[f"wishes_{p.pk}"]) for p in self.candidates]

    def chosen(self) -> list[Person]:
        picked = set(self.cleaned_data.get("children") or [])
        return [p for p in self.candidates if str(p.pk) in picked]

    def removed_at(self):
        return combine(self, "removed_on", "removed_time", "of removal")

    def la_informed_at(self):
        return combine(self, "la_informed_on", "la_informed_time", "the local authority was told")


class DesignateForm(forms.Form):
    officer = OfficerChoiceField(label="Designated officer", queryset=User.objects.none(), empty_label=None)
    rationale = forms.CharField(label="Notes for the record (optional)", required=False, widget=forms.Textarea)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, exclude: list[int | None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = inspectors(exclude=exclude)


class HandoverForm(forms.Form):
    to = OfficerChoiceField(label="Hand over to", queryset=User.objects.none(), empty_label=None)
    rationale = forms.CharField(
        label="Why, and what the next designated officer needs to know", required=False, widget=forms.Textarea
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, exclude: list[int | None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = inspectors(exclude=exclude)


class EndForm(forms.Form):
    outcome = forms.ChoiceField(
        label="How police protection ended", choices=EndOutcome.choices, required=False, widget=forms.RadioSelect
    )
    rationale = forms.CharField(
        label="Why the children are safe, and where they are going", required=False, widget=forms.Textarea
    )
    ended_on = GovukDateField(label="Date it ended (leave blank for now)", required=False, label_for_errors="date")
    ended_time = time_field("Time it ended (leave blank for now)")
    version = forms.IntegerField(widget=forms.HiddenInput)

    def ended_at(self):
        return combine(self, "ended_on", "ended_time", "protection ended")


class OffencesForm(forms.Form):
    investigation_reference = forms.CharField(label="Linked investigation reference", required=False, max_length=60)
    reason = forms.CharField(label="If there is no investigation, why not", required=False, widget=forms.Textarea)
    version = forms.IntegerField(widget=forms.HiddenInput)
