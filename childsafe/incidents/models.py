"""Control-room incidents, the people on them, THRIVE assessments."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from childsafe.core.models import Area, Team
from childsafe.people.models import Person


class IncidentType(models.TextChoices):
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    CHILD_CONCERN = "child_concern", "Child concern"
    ONLINE_ABUSE = "online_abuse", "Online abuse"
    CONCERN_FOR_SAFETY = "concern_for_safety", "Concern for safety"
    MISSING = "missing", "Missing person report"
    OTHER = "other", "Other"


# Incidents about a child's welfare: CR-1, CR-2, CR-3 apply when a child is on them.
CHILD_WELFARE_TYPES = frozenset(
    {
        IncidentType.DOMESTIC_ABUSE,
        IncidentType.CHILD_CONCERN,
        IncidentType.ONLINE_ABUSE,
        IncidentType.CONCERN_FOR_SAFETY,
        IncidentType.MISSING,
    }
)


class Grade(models.IntegerChoices):
    """Response grade: 1 emergency (immediate), 2 priority, 3 scheduled, 4 resolved without deployment."""

    EMERGENCY = 1, "1 Emergency"
    PRIORITY = 2, "2 Priority"
    SCHEDULED = 3, "3 Scheduled"
    NO_DEPLOYMENT = 4, "4 Resolved without deployment"


class Incident(models.Model):
    reference = models.CharField(max_length=30, unique=True)
    type = models.CharField(max_length=24, choices=IncidentType.choices)
    grade = models.PositiveSmallIntegerField(choices=Grade.choices)
    location_text = models.CharField(max_length=300)
    summary = models.TextField()
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()  # when it was recorded
    # When it happened: the time the caller or officer gives, or the time it was recorded. Recorded late
    # (RF-9) is measured from here.
    occurred_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    allocated_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    allocated_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    evidence_advice_given = models.BooleanField(null=True, blank=True)  # CR-5, online abuse
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.TextField(blank=True, default="")
    closure_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closure_reason = models.TextField(blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["closed_at", "created_at"], name="incidents_open_by_age"),
            models.Index(fields=["type", "created_at"], name="incidents_by_type_recorded"),  # RF-9's watch
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.get_type_display()}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class PersonRole(models.TextChoices):
    CHILD = "child", "Child"
    VICTIM = "victim", "Victim"
    SUSPECT = "suspect", "Suspect"
    REPORTING_PERSON = "reporting_person", "Reporting person"
    WITNESS = "witness", "Witness"
    OTHER = "other", "Other"


class IncidentPerson(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="people")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="incident_roles")
    role = models.CharField(max_length=20, choices=PersonRole.choices)
    present = models.BooleanField(null=True, blank=True)
    resident = models.BooleanField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "person", "role"], name="one_role_per_person")]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()})"


class ThriveAssessment(models.Model):
    """A THRIVE assessment. Each one is kept; a re-THRIVE is a new row, never an edit (CR-3).

    A missing report is an incident too, so a missing episode's THRIVE is its incident's.
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="thrives")
    threat = models.TextField()
    harm = models.TextField()
    risk = models.TextField()
    investigation = models.TextField()
    vulnerability = models.TextField()
    engagement = models.TextField()
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["at", "id"]


class IncidentUpdate(models.Model):
    """New information on an open incident (CR-3: prompts a re-THRIVE)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    text = models.TextField()
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")


class GradeChange(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="grade_changes")
    from_grade = models.PositiveSmallIntegerField()
    to_grade = models.PositiveSmallIntegerField()
    rationale = models.TextField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")


class CallReview(models.Model):
    """A manager's review of a call handler's child-protection call (CR-6, call monitoring)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="call_reviews")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    findings = models.TextField()
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["incident"], name="one_review_per_call")]
        indexes = [models.Index(fields=["handler", "at"], name="call_reviews_by_handler")]
