from __future__ import annotations

from django import forms

from childsafe.core.forms import GovukDateField


def _every_user() -> list[tuple[str, str]]:
    """Every account by name, partners and leavers too: the log is asked about anyone who used it."""
    from childsafe.core.models import User

    users = User.objects.order_by("last_name", "first_name", "username")
    return [("", "Choose a user")] + [(u.username, f"{u.display_name} ({u.get_role_display()})") for u in users]


class AuditQueryForm(forms.Form):
    person = forms.IntegerField(  # posted by the person picker: picked by name
        label="Person",
        required=False,
        min_value=1,
        error_messages={"invalid": "Choose the person: search by name and choose them"},
    )
    username = forms.ChoiceField(
        label="Or a user",
        required=False,
        choices=_every_user,
        error_messages={"invalid_choice": "Choose the user from the list"},
    )
    reason = forms.CharField(
        label="Why are you checking?",
        max_length=500,
        help_text="For example, a subject access request or a complaint reference.",
        error_messages={"required": "Enter why you are checking the log"},
    )

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("person") and not data.get("username"):
            raise forms.ValidationError("Choose a person or a user.")
        return data


class AcknowledgeForm(forms.Form):
    note = forms.CharField(label="Note (optional)", required=False, max_length=2000, widget=forms.Textarea)


class SettingForm(forms.Form):
    value = forms.CharField(label="New value", max_length=50, error_messages={"required": "Enter the new value"})


class UserForm(forms.Form):
    username = forms.CharField(label="Username", max_length=150, error_messages={"required": "Enter a username"})
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    email = forms.EmailField(
        label="Email address",
        required=False,
        error_messages={"invalid": "Enter an email address like name@example.org"},
    )
    role = forms.ChoiceField(label="Role")
    area = forms.ChoiceField(label="Command area", required=False)
    team = forms.ChoiceField(label="Team", required=False)
    organisation = forms.ChoiceField(
        label="Partner organisation", required=False, help_text="Only for school and local authority accounts."
    )
    service_account = forms.BooleanField(
        label="This is a service account for a system integration",
        required=False,
        help_text="It has no password and nobody signs in as it; only a service account can be given API tokens.",
    )
    password = forms.CharField(
        label="Temporary password",
        widget=forms.PasswordInput,
        max_length=200,
        required=False,
        help_text="12 characters or more. Give it to the user in person. Leave blank for a service account.",
    )

    def clean(self):
        data = super().clean()
        if not data.get("service_account") and not data.get("password") and "password" not in self.errors:
            self.add_error("password", "Enter a temporary password")
        return data

    def __init__(self, *args, roles, areas, teams, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles
        self.fields["area"].choices = [("", "No area (force-wide)")] + areas
        self.fields["team"].choices = [("", "No team")] + teams
        self.fields["organisation"].choices = [("", "Not a partner")] + organisations


class SkillAwardForm(forms.Form):
    username = forms.CharField(label="Username", max_length=150, error_messages={"required": "Enter a username"})
    skill = forms.ChoiceField(label="Accreditation or training")
    awarded_on = GovukDateField(
        label="Awarded on",
        label_for_errors="date awarded",
        error_messages={"required": "Enter the date it was awarded"},
    )
    expires_on = GovukDateField(label="Expires on", required=False, label_for_errors="expiry date")

    def __init__(self, *args, skills, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skill"].choices = skills


class LanguagePhraseForm(forms.Form):
    phrase = forms.CharField(
        label="Phrase to look for", max_length=120, error_messages={"required": "Enter the phrase to look for"}
    )
    suggestion = forms.CharField(
        label="Suggested wording",
        max_length=300,
        widget=forms.Textarea,
        error_messages={"required": "Enter the wording to suggest instead"},
    )
    active = forms.BooleanField(label="Check for this phrase", required=False, initial=True)


class ApprovalDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("approve", "Approve"), ("refuse", "Refuse")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether you approve or refuse the request"},
    )
    reason = forms.CharField(
        label="Your reason",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason for your decision"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class PeriodForm(forms.Form):
    """QG-3: the period the dashboard covers; both days are included."""

    start = GovukDateField(
        label="From", label_for_errors="start date", error_messages={"required": "Enter the first day of the period"}
    )
    end = GovukDateField(
        label="To", label_for_errors="end date", error_messages={"required": "Enter the last day of the period"}
    )
    area = forms.ChoiceField(label="Command area", required=False)

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", "The whole force")] + areas

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The last day of the period must be the same as or after the first day")
        return data


class CaseAuditForm(forms.Form):
    grade = forms.ChoiceField(
        label="Grade",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose good, requires improvement or inadequate"},
    )
    findings = forms.CharField(
        label="Findings for the officer and supervisor",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, grades, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grade"].choices = grades
        self.criteria = list(criteria)
        for c in self.criteria:
            self.fields[f"q{c.pk}"] = forms.ChoiceField(
                label=c.question,
                required=False,
                choices=[("yes", "Yes"), ("partly", "Partly"), ("no", "No")],
                widget=forms.RadioSelect,
            )


class AuditResponseForm(forms.Form):
    response = forms.CharField(
        label="What was done about the findings",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter what was done about the findings"},
    )


class ActionForm(forms.Form):
    description = forms.CharField(
        label="What will be done",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter what will be done"},
    )
    due_on = GovukDateField(
        label="Due on", label_for_errors="due date", error_messages={"required": "Enter the date the action is due"}
    )
    gold = forms.ChoiceField(label="Gold owner", error_messages={"required": "Choose the gold owner"})
    silver = forms.ChoiceField(label="Silver owner", error_messages={"required": "Choose the silver owner"})
    bronze = forms.ChoiceField(label="Bronze owner (optional)", required=False)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("gold", "silver", "bronze"):
            self.fields[name].choices = [("", "Choose a person")] + people


class EvidenceForm(forms.Form):
    description = forms.CharField(
        label="What the evidence shows", max_length=300, error_messages={"required": "Enter what the evidence shows"}
    )
    upload = forms.FileField(
        label="A file (PDF, PNG or JPEG image, CSV or Excel spreadsheet; up to 10 MB)", required=False
    )
    dashboard_link = forms.CharField(
        label="Or a link to a dashboard figure at a date",
        required=False,
        max_length=500,
        help_text="Copy the address of the dashboard page showing the figure for the period.",
    )


class CriterionForm(forms.Form):
    """A case audit question: its type of case (when adding) and its wording."""

    case_type = forms.ChoiceField(
        label="Type of case", required=False, error_messages={"invalid_choice": "Choose the type of case"}
    )
    question = forms.CharField(
        label="Question",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": "Enter the question",
            "max_length": "The question must be 300 characters or fewer",
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, adding: bool, **kwargs):
        from childsafe.oversight.models import CaseType

        super().__init__(*args, **kwargs)
        if adding:
            self.fields["case_type"].choices = [("", "Choose the type of case"), *CaseType.choices]
            self.fields["case_type"].required = True
            self.fields["case_type"].error_messages["required"] = "Choose the type of case"
        else:
            del self.fields["case_type"]


class CaseShareForm(forms.Form):
    person = forms.IntegerField(  # posted by the person picker: picked by name
        label="Child",
        required=False,
        min_value=1,
        error_messages={"invalid": "Choose the child: search by name and choose them"},
    )
    reason = forms.CharField(
        label="Why does the PFCC's scrutiny team need to see this case?",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class TokenIssueForm(forms.Form):
    account = forms.ChoiceField(
        label="Service account",
        help_text="Only service accounts hold API tokens. A person's account can't: create a service account first.",
        error_messages={
            "required": "Choose the service account the system signs in as",
            "invalid_choice": "Choose a service account: API tokens are only for service accounts, not a person's",
        },
    )
    name = forms.CharField(
        label="Which system uses it?",
        max_length=100,
        help_text="For example: custody system, CAD feed.",
        error_messages={"required": "Enter which system uses the token"},
    )

    def __init__(self, *args, accounts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [("", "Choose a service account")] + accounts
