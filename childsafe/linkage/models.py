"""Bulk identity resolution: each run of the duplicate finder, and the pairs it suggests (PL-2).

A suggestion is only a suggestion: nothing is linked until an analyst confirms it, through the same
reversible, audited `people.services.identity_link` as a link made by hand. A pair an analyst has
rejected, or one already linked, is never suggested again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from childsafe.people.models import IdentityLink, Person


class LinkageRun(models.Model):
    """One run of `childsafe find_duplicates`: what it compared and what it suggested."""

    class Backend(models.TextChoices):
        DUCKDB = "duckdb", "DuckDB (embedded)"
        SPARK = "spark", "Spark"

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    backend = models.CharField(max_length=10, choices=Backend.choices, default=Backend.DUCKDB)
    threshold = models.FloatField()
    people = models.PositiveIntegerField(default=0)
    pairs_compared = models.BigIntegerField(default=0)
    pairs_above_threshold = models.PositiveIntegerField(default=0)
    suggestions_created = models.PositiveIntegerField(default=0)
    skipped_linked = models.PositiveIntegerField(default=0)
    skipped_rejected = models.PositiveIntegerField(default=0)
    skipped_open = models.PositiveIntegerField(default=0)
    training = models.CharField(max_length=200, blank=True, default="")
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Linkage run {self.pk} ({self.backend}) at {self.started_at:%Y-%m-%d %H:%M}"


class SuggestionStatus(models.TextChoices):
    OPEN = "open", "Open"
    CONFIRMED = "confirmed", "Confirmed: same person"
    REJECTED = "rejected", "Rejected: not the same person"


class LinkSuggestion(models.Model):
    """Two records the linkage thinks are one child. The pair is ordered: person_a has the lower id."""

    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    match_probability = models.FloatField()
    match_weight = models.FloatField()
    why = models.CharField(max_length=400)
    run = models.ForeignKey(LinkageRun, on_delete=models.CASCADE, related_name="suggestions")
    status = models.CharField(max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN)
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rejection_reason = models.TextField(blank=True, default="")
    link = models.ForeignKey(IdentityLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-match_probability", "pk"]
        constraints = [
            # One suggestion per pair, ever: a rejected pair stays rejected, a confirmed one stays decided.
            models.UniqueConstraint(fields=["person_a", "person_b"], name="one_suggestion_per_pair"),
            models.CheckConstraint(name="suggestion_ordered_pair", condition=Q(person_a__lt=models.F("person_b"))),
        ]
        indexes = [models.Index(fields=["status", "-match_probability"], name="suggestion_review_queue")]

    def __str__(self) -> str:
        return f"Records {self.person_a_id} and {self.person_b_id} may be the same person ({self.status})"
