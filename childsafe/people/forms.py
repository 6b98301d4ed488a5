from __future__ import annotations

from django import forms

from childsafe.core.forms import GovukDateField
from childsafe.people.vocabulary import MarkerType, ObservedEthnicity, SelfDefinedEthnicity, Sex


class SearchForm(forms.Form):
    """Any mix of name, date of birth (or a year, or an age range), address or postcode, and school.

    The checks that need more than one field live in people.search.wanted_from, shared with the API.
    """

    q = forms.CharField(
        label="Name",
        required=False,
        max_length=200,
        help_text="First name and last name, or either. Spelling need not be exact; short forms are found.",
    )
    dob = GovukDateField(label="Date of birth", required=False, label_for_errors="date of birth")
    year = forms.IntegerField(
        label="Year of birth",
        required=False,
        help_text="If you don't know the full date. For example, 2011",
        error_messages={"invalid": "Enter the year of birth as four digits, for example 2011"},
    )
    age_from = forms.IntegerField(
        label="Youngest age", required=False, error_messages={"invalid": "Enter the youngest age in whole years"}
    )
    age_to = forms.IntegerField(
        label="Oldest age", required=False, error_messages={"invalid": "Enter the oldest age in whole years"}
    )
    address = forms.CharField(
        label="Address or postcode",
        required=False,
        max_length=200,
        help_text="A full postcode, the first half of one (YO1), or words from the address",
    )
    school = forms.CharField(label="School", required=False, max_length=200, help_text="Part of the school's name")


class PersonForm(forms.Form):
    forenames = forms.CharField(
        label="First name(s)", max_length=120, error_messages={"required": "Enter the person's first name"}
    )
    surname = forms.CharField(
        label="Last name", max_length=120, error_messages={"required": "Enter the person's last name"}
    )
    date_of_birth = GovukDateField(label="Date of birth", required=False, label_for_errors="date of birth")
    dob_is_approximate = forms.BooleanField(label="The date of birth is an estimate", required=False)
    sex = forms.ChoiceField(label="Sex", choices=Sex.choices, initial=Sex.UNKNOWN)
    ethnicity_self_defined = forms.ChoiceField(
        label="Self-defined ethnicity",
        required=False,
        choices=[("", "Not yet asked")] + list(SelfDefinedEthnicity.choices),
        help_text="As the person describes it. Choose 'NS Not stated' if they chose not to say.",
    )
    ethnicity_observed = forms.ChoiceField(
        label="Officer-observed ethnicity",
        required=False,
        choices=[("", "Not recorded")] + list(ObservedEthnicity.choices),
    )
    line1 = forms.CharField(label="Address line 1", required=False, max_length=200)
    town = forms.CharField(label="Town or city", required=False, max_length=100)
    postcode = forms.CharField(label="Postcode", required=False, max_length=10)
    looked_after = forms.BooleanField(label="Looked-after child", required=False)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea, max_length=10000)
    duplicates_reviewed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class JustificationForm(forms.Form):
    purpose = forms.ChoiceField(
        label="What is it for?",
        widget=forms.RadioSelect,
        choices=[],
        error_messages={"required": "Choose what you need the record for"},
    )
    reason = forms.CharField(
        label="Why do you need to open this record?",
        widget=forms.Textarea,
        max_length=2000,
        help_text="This child is outside your area or your current work. Your reason is recorded with your "
        "name and may be checked by the information manager.",
        error_messages={"required": "Enter why you need to open this record"},
    )

    def __init__(self, *args, **kwargs):
        from childsafe.people.access import READ_PURPOSES

        super().__init__(*args, **kwargs)
        self.fields["purpose"].choices = READ_PURPOSES

    def clean_reason(self) -> str:
        from childsafe.people.access import REASON_TOO_THIN, reason_says_something

        reason = self.cleaned_data["reason"]
        if not reason_says_something(reason):
            raise forms.ValidationError(REASON_TOO_THIN)
        return reason


class MarkerForm(forms.Form):
    type = forms.ChoiceField(label="Warning marker", choices=MarkerType.choices)
    source = forms.CharField(
        label="Source",
        max_length=200,
        help_text="Where this information came from, for example an intelligence log reference.",
        error_messages={"required": "Enter where this information came from"},
    )
    start_date = GovukDateField(label="Start date", required=False, label_for_errors="start date")
    review_date = GovukDateField(
        label="Review date",
        required=False,
        label_for_errors="review date",
        help_text="Leave blank to review in 12 months.",
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea, max_length=10000)


class EndMarkerForm(forms.Form):
    reason = forms.CharField(
        label="Why does this marker no longer apply?",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Enter why the marker no longer applies"},
    )


class LinkForm(forms.Form):
    other = forms.IntegerField(  # posted by the person picker: the other record is picked by name
        label="Which record is the same person?",
        min_value=1,
        error_messages={
            "required": "Choose the other record: search by name and choose it",
            "invalid": "Choose the other record: search by name and choose it",
        },
    )
    rationale = forms.CharField(
        label="Why are these the same person?",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Enter why these records are the same person"},
    )


class UnlinkForm(forms.Form):
    rationale = forms.CharField(
        label="Why are these different people?",
        widget=forms.Textarea,
        max_length=2000,
        error_messages={"required": "Enter why these records are different people"},
    )
