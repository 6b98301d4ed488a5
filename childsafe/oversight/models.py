"""Case audits (QG-2), the action plan with its evidence (QG-4) and the dashboard's monthly roll-up (QG-3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from childsafe.core.models import Area


class CaseType(models.TextChoices):
    MISSING = "missing", "Missing episode"
    REFERRAL = "referral", "Referral (PPN)"
    INVESTIGATION = "investigation", "Investigation"
    PROTECTION = "protection", "Police protection"
    OFFENDER = "offender", "Registered offender"


class Grade(models.TextChoices):
    GOOD = "good", "Good"
    REQUIRES_IMPROVEMENT = "requires_improvement", "Requires improvement"
    INADEQUATE = "inadequate", "Inadequate"


class AuditCriterion(models.Model):
    """One question an auditor answers for a type of case; data, so the force can change them."""

    case_type = models.CharField(max_length=20, choices=CaseType.choices)
    question = models.CharField(max_length=300)
    order = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)  # retired questions are kept: past audits answered them
    version = models.PositiveIntegerField(default=1)  # a stale edit is refused

    class Meta:
        ordering = ["case_type", "order", "id"]

    def __str__(self) -> str:
        return self.question


class CaseAudit(models.Model):
    """One sampled case for a month, and (once graded) its grade and findings."""

    case_type = models.CharField(max_length=20, choices=CaseType.choices)
    subject_type = models.CharField(max_length=80)
    subject_id = models.CharField(max_length=64)
    subject_label = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True, default="")
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    month = models.DateField()  # the first day of the month sampled
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sampled_at = models.DateTimeField()
    grade = models.CharField(max_length=24, choices=Grade.choices, blank=True, default="")
    answers = models.JSONField(default=dict, blank=True)  # criterion question -> yes / no / note
    findings = models.TextField(blank=True, default="")
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(blank=True, default="")
    responded_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-month", "case_type", "id"]
        constraints = [
            models.UniqueConstraint(fields=["subject_type", "subject_id", "month"], name="one_audit_per_case_month")
        ]
        indexes = [models.Index(fields=["month", "grade"], name="case_audits_by_month")]

    def __str__(self) -> str:
        return f"Audit of {self.subject_label}"


class RecommendationKind(models.TextChoices):
    RECOMMENDATION = "recommendation", "Recommendation"
    AREA_FOR_IMPROVEMENT = "afi", "Area for improvement"
    REVIEW_FINDING = "finding", "Post-inspection review finding"


class Recommendation(models.Model):
    """A recommendation or area for improvement from the inspectorate's report, pre-loaded as data."""

    reference = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=20, choices=RecommendationKind.choices)
    text = models.TextField()
    source = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["reference"]

    def __str__(self) -> str:
        return self.reference


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETE = "complete", "Complete"


class Action(models.Model):
    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    gold = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    silver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    bronze = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField()
    status = models.CharField(max_length=20, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["recommendation__reference", "due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"], name="actions_overdue")]

    def __str__(self) -> str:
        return f"{self.recommendation.reference}: {self.description[:60]}"

    def owners(self) -> list:
        return [u for u in (self.silver, self.gold, self.bronze) if u is not None]


class Evidence(models.Model):
    """A file (stored outside the web root, under the var dir) or a dashboard figure at a date."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="evidence")
    description = models.CharField(max_length=300)
    file_path = models.CharField(max_length=300, blank=True, default="")  # relative to the evidence dir
    file_name = models.CharField(max_length=200, blank=True, default="")
    content_type = models.CharField(max_length=100, blank=True, default="")
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True, default="")
    dashboard_link = models.CharField(max_length=500, blank=True, default="")
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return self.description


class CaseShare(models.Model):
    """A named child's case shared with the PFCC's scrutiny team by a senior leader, with the reason.

    The team otherwise sees no personal data of children; each time one of them reads the case it is
    logged as a disclosure (DPA 2018 s62). A share can be withdrawn; reading then is refused."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    shared_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-shared_at", "-id"]
        indexes = [models.Index(fields=["person", "withdrawn_at"], name="case_shares_by_person")]

    def __str__(self) -> str:
        return f"Case shared with the PFCC ({self.shared_at:%d %b %Y})"


class ClockMonth(models.Model):
    """One clock rule's cleared alerts raised in one London month in one area, counted once (ADR 0062).

    The dashboard reads these for the whole months of its period and the alerts themselves for the rest:
    the part-months at its ends and every alert not rolled up yet (open, or cleared since the roll-up
    last ran). A cleared alert never changes again, so a month's figures only ever grow."""

    rule_id = models.CharField(max_length=16)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    month = models.DateField()  # the first day of the month (London) the alerts were raised in
    raised = models.PositiveIntegerField(default=0)
    met = models.PositiveIntegerField(default=0)  # cleared before their due time
    acknowledged = models.PositiveIntegerField(default=0)
    escalated = models.PositiveIntegerField(default=0)
    # The breaches' lateness in whole minutes, sorted, as little-endian 32-bit integers: the percentiles
    # need every value, and a month of one rule in one area holds a few dozen at force scale.
    late_minutes = models.BinaryField(default=b"")

    class Meta:
        ordering = ["month", "rule_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule_id", "area", "month"], condition=Q(area__isnull=False), name="one_clock_month_per_area"
            ),
            models.UniqueConstraint(
                fields=["rule_id", "month"], condition=Q(area__isnull=True), name="one_clock_month_without_area"
            ),
        ]
        indexes = [models.Index(fields=["month", "rule_id"], name="clock_months_in_period")]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.month:%b %Y}"
