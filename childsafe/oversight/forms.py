from __future__ import annotations

from django import forms


class AuditQueryForm(forms.Form):
    person = forms.IntegerField(
        label="Person reference",
        required=False,
        min_value=1,
        error_messages={"invalid": "Enter the person reference as a number, like 1234"},
    )
    username = forms.CharField(label="Username", required=False, max_length=150)
    reason = forms.CharField(
        label="Why are you checking?",
        max_length=500,
        help_text="For example, a subject access request or a complaint reference.",
        error_messages={"required": "Enter why you are checking the log"},
    )

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("person") and not data.get("username"):
            raise forms.ValidationError("Enter a person reference or a username.")
        return data


class AcknowledgeForm(forms.Form):
    note = forms.CharField(label="Note (optional)", required=False, max_length=2000, widget=forms.Textarea)


class SettingForm(forms.Form):
    value = forms.CharField(label="New value", max_length=50, error_messages={"required": "Enter the new value"})
