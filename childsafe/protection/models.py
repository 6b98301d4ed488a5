"""Police protection (s46 Children Act 1989): one record for the children removed together, its designated
officer, the local authority's notice, and the timeline of what happened and why (PP-1 to PP-4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from childsafe.core.models import Area
from childsafe.incidents.models import Incident
from childsafe.people.models import Organisation, Person


class PlaceOfSafety(models.TextChoices):
    FOSTER_CARE = "foster_care", "Foster care"
    LA_ACCOMMODATION = "la_accommodation", "Local authority accommodation"
    RELATIVE = "relative", "A relative"
    HOSPITAL = "hospital", "Hospital"
    # PP-1: only with an exceptional rationale.
    POLICE_STATION = "police_station", "Police station"


class Offences(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    UNKNOWN = "unknown", "Not known yet"


class EndOutcome(models.TextChoices):
    RETURNED_HOME = "returned_home", "Returned home"
    RELEASED_TO_RELATIVE = "released_to_relative", "Released to a relative"
    EMERGENCY_PROTECTION_ORDER = "emergency_protection_order", "Emergency protection order"
    LA_ACCOMMODATION = "la_accommodation", "Local authority accommodation (section 20)"


class PoliceProtection(models.Model):
    reference = models.CharField(max_length=30, unique=True)
    incident = models.ForeignKey(
        Incident, null=True, blank=True, on_delete=models.SET_NULL, related_name="police_protections"
    )
    initiated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    removed_at = models.DateTimeField()
    reason = models.TextField()  # the circumstances and why the children were removed
    place_kind = models.CharField(max_length=20, choices=PlaceOfSafety.choices)
    place_name = models.CharField(max_length=300)
    place_rationale = models.TextField(blank=True, default="")  # PP-1: required for a police station
    la_informed_at = models.DateTimeField(null=True, blank=True)
    parents_informed = models.TextField()
    offences_against_child = models.CharField(max_length=10, choices=Offences.choices)
    # PP-4: a linked investigation (its reference, until investigations has records to link) or a reason.
    investigation_reference = models.CharField(max_length=60, blank=True, default="")
    offences_reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()

    designated_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="designated_protections"
    )
    designated_at = models.DateTimeField(null=True, blank=True)

    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_outcome = models.CharField(max_length=30, choices=EndOutcome.choices, blank=True, default="")
    end_rationale = models.TextField(blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-removed_at"]
        indexes = [
            # PP-2's sweep: the open protections, by time of removal.
            models.Index(fields=["ended_at", "removed_at"], name="protection_open_by_removal"),
            # PP-4's sweep: only the protections with offences against the child still unanswered, so it
            # doesn't grow with years of answered ones.
            models.Index(
                fields=["offences_against_child"],
                condition=models.Q(investigation_reference="", offences_reason=""),
                name="protection_offences_open",
            ),
        ]

    def __str__(self) -> str:
        return f"Police protection {self.reference}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None

    @property
    def offences_prompt_open(self) -> bool:
        """PP-4: offences yes or unknown, and neither a linked investigation nor a reason yet."""
        return (
            self.offences_against_child in (Offences.YES, Offences.UNKNOWN)
            and not self.investigation_reference
            and not self.offences_reason
        )


class ProtectedChild(models.Model):
    protection = models.ForeignKey(PoliceProtection, on_delete=models.CASCADE, related_name="children")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="police_protections")
    wishes = models.TextField()  # the child's wishes and feelings, in their words where they can give them
    # True while the protection is open: the database, not only the service, keeps a child in one open
    # protection at a time, even when two officers start one at the same moment.
    open = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["protection", "person"], name="child_once_per_protection"),
            models.UniqueConstraint(fields=["person"], condition=Q(open=True), name="one_open_protection_per_child"),
        ]


class ProtectionNotice(models.Model):
    """PP-1: the local authority told in writing, with its acknowledgement (as a PPN share)."""

    protection = models.ForeignKey(PoliceProtection, on_delete=models.CASCADE, related_name="notices")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="protection_notices")
    sent_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["protection", "organisation"], name="protection_notice_once_per_la")
        ]


class EventKind(models.TextChoices):
    STARTED = "started", "Protection started"
    DESIGNATED = "designated", "Designated officer"
    HANDOVER = "handover", "Handover"
    OFFENCES = "offences", "Offences against the child"
    ACKNOWLEDGED = "acknowledged", "Local authority acknowledged"
    ENDED = "ended", "Protection ended"


class ProtectionEvent(models.Model):
    """One line of the protection's timeline, written by the service that did it (PP-3)."""

    protection = models.ForeignKey(PoliceProtection, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["at", "id"]
