"""Missing episodes from report to closure, trigger plans, return home interviews, places and hotspots."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from childsafe.core.models import Area
from childsafe.incidents.models import Incident
from childsafe.people.models import Location, Person


class RiskGrade(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"
    VERY_LOW = "very_low", "Very low"
    NO_APPARENT_RISK = "no_apparent_risk", "No apparent risk"


# MP-1: force policy: a missing child is graded high or medium, never lower.
CHILD_GRADES = frozenset({RiskGrade.HIGH, RiskGrade.MEDIUM})


class MissingEpisode(models.Model):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="missing_episodes")
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="missing_episodes"
    )
    reported_at = models.DateTimeField()
    reported_by = models.CharField(max_length=200)  # who called: "Oak House staff", "mother"
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_seen_place = models.CharField(max_length=300, blank=True, default="")
    circumstances = models.TextField(blank=True, default="")
    questionnaire = models.JSONField(default=dict, blank=True)
    # A child who came back before the report was complete is still an episode (MP-7).
    returned_before_report = models.BooleanField(default=False)
    imported = models.BooleanField(default=False)  # history brought in from old records

    grade = models.CharField(max_length=20, choices=RiskGrade.choices, blank=True, default="")
    graded_at = models.DateTimeField(null=True, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rationale = models.TextField(blank=True, default="")
    markers_acknowledged = models.JSONField(default=dict, blank=True)
    # MP-4: what was written near-identically to other children's records ("rationale", "action:<id>").
    templated = models.JSONField(default=list, blank=True)
    # MP-2: high stays with the FIM; medium goes to the CII of the child's area.
    owner_role = models.CharField(max_length=32, blank=True, default="")
    owner_area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    officer_in_case = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="missing_cases"
    )

    found_at = models.DateTimeField(null=True, blank=True)
    found_location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    found_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    self_returned = models.BooleanField(null=True, blank=True)

    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-reported_at"]
        indexes = [
            models.Index(fields=["person", "reported_at"], name="missing_history_for_child"),
            models.Index(fields=["closed_at", "grade"], name="missing_open_by_grade"),
            models.Index(fields=["found_at", "closed_at"], name="missing_returned_open"),
            # MP-5's sweep counts every child's episodes in the last 90 days.
            models.Index(fields=["reported_at"], name="missing_reported_recently"),
        ]

    def __str__(self) -> str:
        return f"Missing episode {self.pk}: {self.person.full_name}"

    def get_documents_url(self) -> str:
        """The episode's Documents part, where a document attached to it is listed."""
        return reverse("missing:documents", args=[self.pk])

    @property
    def status(self) -> str:
        if self.closed_at:
            return "closed"
        if self.found_at:
            return "returned"
        return "missing"


class LineOfEnquiry(models.Model):
    """An action in the investigation plan (MP-6), with an owner, a due time and any reason for delay."""

    episode = models.ForeignKey(MissingEpisode, on_delete=models.CASCADE, related_name="lines_of_enquiry")
    action = models.CharField(max_length=500)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    due_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    delay_reason = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["created_at", "id"]
        # MP-6's sweep: actions not done, by due time (done ones, the history, are never read).
        indexes = [models.Index(fields=["done_at", "due_at"], name="missing_actions_due")]


class SupervisoryReview(models.Model):
    episode = models.ForeignKey(MissingEpisode, on_delete=models.CASCADE, related_name="reviews")
    note = models.TextField()
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["at", "id"]


class SafeAndWellCheck(models.Model):
    """The prevention interview on return (MP-8): electronic, not a scanned paper booklet."""

    episode = models.OneToOneField(MissingEpisode, on_delete=models.CASCADE, related_name="safe_and_well")
    where = models.TextField()
    with_whom = models.TextField()
    harm = models.TextField()
    disclosures = models.TextField()
    voice = models.TextField()  # the child's own words, or why they weren't spoken to
    aware = models.JSONField()  # appearance, words, activity, relationships, environment
    new_concerns = models.BooleanField()
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    def get_documents_url(self) -> str:
        """The episode's Safe and well part, where the check's body maps and documents are listed."""
        return reverse("missing:safe_and_well", args=[self.episode_id])

    class Meta:
        # RF-7's sweep reads the recent checks with new concerns.
        indexes = [models.Index(fields=["at"], name="safe_and_well_by_time")]


class ReturnHomeInterview(models.Model):
    """The local authority's return home interview findings, received back by police (MP-10)."""

    episode = models.ForeignKey(MissingEpisode, on_delete=models.CASCADE, related_name="return_interviews")
    summary = models.TextField()
    received_at = models.DateTimeField()
    received_from = models.CharField(max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")


class TriggerPlan(models.Model):
    """Prepared information to find a priority-missing child fast (Philomena Protocol, MP-5)."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="trigger_plans")
    description = models.TextField(blank=True, default="")
    photo_reference = models.CharField(max_length=200, blank=True, default="")
    places = models.TextField(blank=True, default="")
    associates = models.TextField(blank=True, default="")
    phone = models.CharField(max_length=60, blank=True, default="")
    transport = models.TextField(blank=True, default="")
    risks = models.TextField(blank=True, default="")
    notes = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    review_due = models.DateField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class EpisodeLocation(models.Model):
    """A place a missing child was found or believed to be (MP-12)."""

    episode = models.ForeignKey(MissingEpisode, on_delete=models.CASCADE, related_name="places")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="missing_episodes")
    kind = models.CharField(max_length=10, default="found")  # found, believed
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["location", "at"], name="hotspot_children_by_place"),
            # MP-12's sweep reads the places linked to episodes in the last 90 days.
            models.Index(fields=["at"], name="episode_places_recently"),
        ]


class LocationPlan(models.Model):
    """A hotspot's problem-solving plan with a named owner (MP-12)."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="plans")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    plan = models.TextField()
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
