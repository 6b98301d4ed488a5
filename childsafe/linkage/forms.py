from django import forms


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Why are these not the same person?",
        help_text="For example: different mothers on the birth records, or both seen at once in different places.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter why these records are not the same person"},
    )
