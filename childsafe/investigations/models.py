"""Child-abuse investigations: allocation by accreditation, supervision, activity, digital forensics (DFU),
forensic submissions, suspects' access to children, bail, victim identification offers, closure."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from childsafe.core.models import Area
from childsafe.people.models import Person


class InvestigationType(models.TextChoices):
    CHILD_SEXUAL_ABUSE = "child_sexual_abuse", "Child sexual abuse"
    CSE = "cse", "Child sexual exploitation (CSE)"
    CCE = "cce", "Child criminal exploitation (CCE)"
    ONLINE_CHILD_ABUSE = "online_child_abuse", "Online child sexual abuse"
    COMPLEX_CHILD_ABUSE = "complex_child_abuse", "Complex child abuse"
    NEGLECT = "neglect", "Neglect"
    PHYSICAL_ABUSE = "physical_abuse", "Physical abuse"
    OTHER = "other", "Other"


# INV-1: these go only to an officer holding the matching accreditation in the skills registry.
ACCREDITATION = {
    InvestigationType.ONLINE_CHILD_ABUSE: "online_csa",
    InvestigationType.CSE: "cse_investigation",
    InvestigationType.COMPLEX_CHILD_ABUSE: "scaidp",
}


class InvestigationStatus(models.TextChoices):
    UNALLOCATED = "unallocated", "Waiting for allocation"
    ALLOCATED = "allocated", "Allocated"
    CLOSED = "closed", "Closed"


class InvestigationOutcome(models.TextChoices):
    CHARGED = "charged", "Charged"
    CAUTION = "caution", "Caution or out of court resolution"
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    EVIDENTIAL_DIFFICULTIES = "evidential_difficulties", "Evidential difficulties"
    VICTIM_DOES_NOT_SUPPORT = "victim_does_not_support", "Victim does not support a prosecution"
    TRANSFERRED = "transferred", "Transferred to another force"
    OTHER = "other", "Other"


class Investigation(models.Model):
    reference = models.CharField(max_length=30, unique=True)
    type = models.CharField(max_length=24, choices=InvestigationType.choices)
    summary = models.TextField()
    incident = models.ForeignKey(
        "incidents.Incident", null=True, blank=True, on_delete=models.SET_NULL, related_name="investigations"
    )
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(
        max_length=12, choices=InvestigationStatus.choices, default=InvestigationStatus.UNALLOCATED
    )
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    officer = models.ForeignKey(  # the officer in the case
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="investigations"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervised_investigations",
    )
    allocated_at = models.DateTimeField(null=True, blank=True)
    # INV-2: when the next supervision review is due (72 hours after allocation, then from each review).
    review_due_at = models.DateTimeField(null=True, blank=True)
    # INV-3: the last recorded work on it; drift is measured from here.
    last_activity_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=30, blank=True, default="", choices=InvestigationOutcome.choices)
    closure_rationale = models.TextField(blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["status", "review_due_at"], name="inv_reviews_due"),  # INV-2
            models.Index(fields=["status", "last_activity_at"], name="inv_drift"),  # INV-3
            models.Index(fields=["officer", "status"], name="inv_open_by_officer"),  # workload
            models.Index(fields=["status", "opened_at"], name="inv_list_by_age"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_type_display()}"

    @property
    def is_open(self) -> bool:
        return self.status != InvestigationStatus.CLOSED


class PersonRole(models.TextChoices):
    VICTIM = "victim", "Victim"
    SUSPECT = "suspect", "Suspect"


class InvestigationPerson(models.Model):
    investigation = models.ForeignKey(Investigation, on_delete=models.CASCADE, related_name="people")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="investigation_roles")
    role = models.CharField(max_length=10, choices=PersonRole.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["investigation", "person", "role"], name="inv_one_role_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"


class Allocation(models.Model):
    """Each allocation is kept: who gave it to whom, and the override rationale when INV-1 needed one."""

    investigation = models.ForeignKey(Investigation, on_delete=models.CASCADE, related_name="allocations")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    rationale = models.TextField(blank=True, default="")
    # INV-1's override, counted on the dashboard: the accreditation the type needed and the officer lacked.
    override_accreditation = models.CharField(max_length=40, blank=True, default="")
    other_area = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"Allocation of {self.investigation.reference}"


class SupervisionReview(models.Model):
    """INV-2's supervision template."""

    investigation = models.ForeignKey(Investigation, on_delete=models.CASCADE, related_name="reviews")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    lines_of_enquiry = models.TextField()
    safeguarding_actions = models.TextField()
    other_children = models.TextField()
    next_review_at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"Supervision review of {self.investigation.reference}"


class Activity(models.Model):
    investigation = models.ForeignKey(Investigation, on_delete=models.CASCADE, related_name="activities")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.TextField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"Activity on {self.investigation.reference}"


class SuspectAccess(models.Model):
    """INV-6: a suspect's access to children, from any source. Starts RF-7's clock, children known or not."""

    investigation = models.ForeignKey(Investigation, on_delete=models.CASCADE, related_name="accesses")
    suspect = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="access_records")
    source = models.CharField(max_length=120)
    detail = models.TextField()
    children = models.ManyToManyField(Person, blank=True, related_name="accessed_by_suspects")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.suspect.full_name}'s access to children ({self.source})"


class BailOutcome(models.TextChoices):
    CHARGED = "charged", "Charged"
    RELEASED_UNDER_INVESTIGATION = "released_under_investigation", "Released under investigation"
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    EXTENDED = "extended", "Bail extended"


class Bail(models.Model):
    investigation = models.ForeignKey(Investigation, on_delete=models.CASCADE, related_name="bails")
    suspect = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="bails")
    conditions = models.TextField()
    set_at = models.DateTimeField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ends_at = models.DateTimeField()
    outcome = models.CharField(max_length=30, blank=True, default="", choices=BailOutcome.choices)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["ends_at", "id"]
        indexes = [models.Index(fields=["ended_at", "ends_at"], name="bail_ending")]  # INV-7

    def __str__(self) -> str:
        return f"Bail for {self.suspect.full_name}"

    @property
    def is_current(self) -> bool:
        return self.ended_at is None


class ForensicSubmission(models.Model):
    investigation = models.ForeignKey(Investigation, on_delete=models.CASCADE, related_name="forensic_submissions")
    item = models.CharField(max_length=300)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    returned_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True, default="")
    # INV-5: the returned item goes back within 2 working days of the force calendar.
    resubmit_due_at = models.DateTimeField(null=True, blank=True)
    resubmitted_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["submitted_at", "id"]
        indexes = [models.Index(fields=["resubmitted_at", "resubmit_due_at"], name="forensic_resubmit_due")]

    def __str__(self) -> str:
        return f"Forensic submission: {self.item}"


class DfuRequest(models.Model):
    """A digital forensic examination request (INV-4). The DFU queue is ordered by priority, then age."""

    investigation = models.ForeignKey(Investigation, on_delete=models.CASCADE, related_name="dfu_requests")
    devices = models.JSONField()  # list of device descriptions
    priority = models.BooleanField(default=False)
    priority_reason = models.TextField(blank=True, default="")
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    results = models.TextField(blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-priority", "submitted_at", "id"]
        indexes = [
            # The queue and INV-4: the requests not started, by priority then age.
            models.Index(fields=["started_at", "priority", "submitted_at"], name="dfu_queue"),
        ]

    def __str__(self) -> str:
        return f"DFU request for {self.investigation.reference}"

    @property
    def state(self) -> str:
        if self.completed_at:
            return "Completed"
        if self.started_at:
            return "In examination"
        return "Waiting"


class VioResponse(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class VioOffer(models.Model):
    """INV-8: a DFU victim identification officer's offer of help, and the officer in the case's answer."""

    investigation = models.ForeignKey(Investigation, on_delete=models.CASCADE, related_name="vio_offers")
    message = models.TextField()
    offered_at = models.DateTimeField()
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    response = models.CharField(max_length=10, blank=True, default="", choices=VioResponse.choices)
    reason = models.TextField(blank=True, default="")
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["offered_at", "id"]
        indexes = [models.Index(fields=["responded_at", "offered_at"], name="vio_unanswered")]

    def __str__(self) -> str:
        return f"Victim identification offer on {self.investigation.reference}"
