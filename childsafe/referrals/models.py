"""PPNs, their triage and sharing, and Operation Encompass notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from childsafe.incidents.models import Incident
from childsafe.people.models import Organisation, Person


class PpnStatus(models.TextChoices):
    SUBMITTED = "submitted", "Waiting for VAT"
    SHARED = "shared", "Shared with partners"
    RETURNED = "returned", "Returned to the officer"
    NO_FURTHER_ACTION = "no_further_action", "No further action"


class Ppn(models.Model):
    """A Public Protection Notice: the referral an officer submits about one or more children."""

    reference = models.CharField(max_length=30, unique=True)
    concern = models.TextField()
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="ppns")
    # RF-8: others not known to police (friends, children with access to the suspect...), in words; the
    # household's children on police records are PpnChild (referred) or PpnOtherChild (why not).
    other_children = models.TextField(blank=True, default="")
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ppns")
    status = models.CharField(max_length=20, choices=PpnStatus.choices, default=PpnStatus.SUBMITTED)
    triaged_at = models.DateTimeField(null=True, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_reason = models.TextField(blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="vat_queue_by_age")]

    def __str__(self) -> str:
        return f"PPN {self.reference}"


class PpnChild(models.Model):
    ppn = models.ForeignKey(Ppn, on_delete=models.CASCADE, related_name="children")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="ppns")
    aware = models.JSONField()  # appearance, words, activity, relationships, environment (RF-1)
    voice = models.TextField()  # the child's words, or why they were not spoken to (RF-1)
    ethnicity = models.CharField(max_length=2)  # self-defined 18+1 code or NS (RF-2)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ppn", "person"], name="child_once_per_ppn")]


class PpnOtherChild(models.Model):
    """RF-8: a child of the household (same address, sibling, household member) who is not referred on this PPN,
    and why not. A child who is referred is a PpnChild instead; never both."""

    ppn = models.ForeignKey(Ppn, on_delete=models.CASCADE, related_name="other_people")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="ppns_not_referred")
    reason = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ppn", "person"], name="other_child_once_per_ppn")]


class PpnShare(models.Model):
    """A PPN sent to one partner (RF-6), with the partner's acknowledgement."""

    ppn = models.ForeignKey(Ppn, on_delete=models.CASCADE, related_name="shares")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="ppn_shares")
    shared_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ppn", "organisation"], name="share_once_per_partner")]
        # RF-6's sweep: shares not yet acknowledged, by age.
        indexes = [models.Index(fields=["acknowledged_at", "shared_at"], name="shares_unacknowledged")]


class EncompassNotification(models.Model):
    """Operation Encompass (RF-9): a school (or the local authority) told of domestic abuse a child was in."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="encompass_notifications")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="encompass_notifications")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="encompass_notifications"
    )
    to_local_authority = models.BooleanField(default=False)  # home-educated or no known school
    present = models.BooleanField(null=True)
    created_at = models.DateTimeField()
    due_by = models.DateTimeField(null=True, blank=True)
    problem = models.CharField(max_length=300, blank=True, default="")  # e.g. no Key Adult contact
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "person"], name="encompass_once_per_child")]
        indexes = [
            models.Index(fields=["due_by"], name="encompass_by_deadline"),
            # RF-9's sweep reads the last 30 days' notifications.
            models.Index(fields=["created_at"], name="encompass_recent"),
        ]


class StrategyMeeting(models.Model):
    """A multi-agency child protection strategy meeting, recorded on the child's record (RF-10)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="strategy_meetings")
    held_at = models.DateTimeField()
    attendees = models.TextField()  # names and agencies, one per line
    decisions = models.TextField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Set when a local authority returned the outcome through the partner portal: the organisation as it was
    # then (recorded_by is its portal user). None: recorded by the police.
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="strategy_meetings_returned"
    )

    class Meta:
        ordering = ["-held_at"]

    def __str__(self) -> str:
        return f"Strategy meeting for {self.person} on {self.held_at:%d %b %Y}"


class StrategyAction(models.Model):
    """An action agreed at a strategy meeting: an owner and a due date, followed up as a clock (RF-10)."""

    meeting = models.ForeignKey(StrategyMeeting, on_delete=models.CASCADE, related_name="actions")
    action = models.CharField(max_length=500)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="strategy_actions")
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["done_at", "due_at"], name="strategy_actions_due")]


class PpnRequirement(models.Model):
    """RF-7: a record that shows a child at risk (a suspect's access to children, an offender's contact with a
    child, custody, police protection...) must lead to a PPN within 24 hours.

    Opened by the app that holds the record through `referrals.services.ppn_requirement_open`; the record
    itself is named by type and id so that referrals never imports the apps that build on it. Satisfied
    when every named child has a PPN submitted at or after `started_at`, or, for any requirement (and the
    only way for one with no children named yet, "children known or not"), by a PPN submitted from it.
    """

    subject_type = models.CharField(max_length=100)  # the originating record's app_label.model
    subject_id = models.CharField(max_length=40)
    subject_label = models.CharField(max_length=300, blank=True, default="")
    url = models.CharField(max_length=300, blank=True, default="")
    children = models.ManyToManyField(Person, blank=True, related_name="ppn_requirements")
    reason = models.TextField()
    started_at = models.DateTimeField()
    due_from = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    satisfied_at = models.DateTimeField(null=True, blank=True)
    satisfied_by = models.ForeignKey(Ppn, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_id"], name="one_ppn_requirement_per_record")
        ]
        # RF-7's sweep reads the open ones only: their number is today's open work, not the force's history.
        indexes = [models.Index(fields=["satisfied_at", "started_at"], name="ppn_requirements_open")]

    def __str__(self) -> str:
        return self.subject_label or f"{self.subject_type} {self.subject_id}"


class PpnDelay(models.Model):
    """RF-7: an approved delay before a PPN, with its rationale and who approved it, until when.

    About a safe and well check with new concerns, or about any other record's PPN requirement."""

    safe_and_well = models.ForeignKey(
        "missing.SafeAndWellCheck", null=True, blank=True, on_delete=models.CASCADE, related_name="ppn_delays"
    )
    requirement = models.ForeignKey(
        PpnRequirement, null=True, blank=True, on_delete=models.CASCADE, related_name="delays"
    )
    rationale = models.TextField()
    until = models.DateTimeField()
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-until"]
        constraints = [
            models.CheckConstraint(
                name="ppn_delay_about_one_record",
                condition=models.Q(safe_and_well__isnull=False, requirement__isnull=True)
                | models.Q(safe_and_well__isnull=True, requirement__isnull=False),
            )
        ]


class PpnDraft(models.Model):
    """A PPN its author is still writing. Only the author sees it; VAT never does; no clock runs.
    The RF-1, RF-2 and RF-8 guards apply when it is submitted (through `ppn_submit`), which makes the PPN
    and leaves this row pointing at it, so a second submit or save is refused."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ppn_drafts")
    incident = models.ForeignKey(Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    concern = models.TextField(blank=True, default="")
    other_children = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    submitted_ppn = models.OneToOneField(Ppn, null=True, blank=True, on_delete=models.PROTECT, related_name="draft")

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["author", "submitted_ppn"], name="ppn_drafts_by_author")]

    def __str__(self) -> str:
        return f"Draft PPN {self.pk}"


class PpnDraftChild(models.Model):
    """What the author has written so far about one child: any of it may still be blank."""

    draft = models.ForeignKey(PpnDraft, on_delete=models.CASCADE, related_name="children")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    aware = models.JSONField(default=dict)
    voice = models.TextField(blank=True, default="")
    ethnicity = models.CharField(max_length=2, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["draft", "person"], name="child_once_per_draft")]


class PpnDraftOtherChild(models.Model):
    """RF-8 in a draft: another child of the household and the reason so far (it may still be blank)."""

    draft = models.ForeignKey(PpnDraft, on_delete=models.CASCADE, related_name="other_people")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["draft", "person"], name="other_child_once_per_draft")]


class ReviewQuality(models.TextChoices):
    GOOD = "good", "Good"
    NEEDS_IMPROVEMENT = "needs_improvement", "Needs improvement"
    NOT_ACCEPTABLE = "not_acceptable", "Not acceptable"


class PpnReview(models.Model):
    """RF-5: a line manager's findings on one PPN from their monthly sample of their officers' PPNs."""

    ppn = models.ForeignKey(Ppn, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="ppn_reviews")
    month = models.DateField()  # the first day of the month (London) the PPN was submitted in
    quality = models.CharField(max_length=20, choices=ReviewQuality.choices)
    note = models.TextField()
    reviewed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ppn", "reviewer"], name="ppn_reviewed_once")]
        indexes = [models.Index(fields=["reviewer", "month"], name="ppn_reviews_by_month")]
