"""Registered sex offenders (RSO-1 to RSO-8): the offender management unit's system of record.

An Offender is a person on the register with their convictions; the notification clock (RSO-1, RSO-2)
starts at the court result of a notifiable conviction, or at release when the sentence keeps them in
custody. Notifications, risk assessments with their plans, visits with the devices checked, breaches,
contact with children, disclosures and supervision entries hang off the offender.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models

from childsafe.core.models import Area
from childsafe.people.models import Person


class Offender(models.Model):
    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="offender")
    # The notification period, from the first notifiable conviction (SOA 2003 s.82): a number of years,
    # or None for an indefinite period.
    period_years = models.PositiveSmallIntegerField(null=True, blank=True)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="offenders_managed"
    )
    # Where the custody or ViSOR photograph is held, for the shift briefing: a reference, not the image.
    photo_reference = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["person__surname", "person__forenames"]

    def __str__(self) -> str:
        return f"{self.person.full_name} (registered sex offender)"

    @property
    def indefinite(self) -> bool:
        return self.period_years is None


class Conviction(models.Model):
    offender = models.ForeignKey(Offender, on_delete=models.CASCADE, related_name="convictions")
    offence = models.CharField(max_length=300)
    notifiable = models.BooleanField()
    court_result_at = models.DateTimeField()
    custody = models.BooleanField(default=False)  # the sentence keeps them in custody until release
    released_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["court_result_at"]
        # The daily list of new notifiable court results (RSO-2).
        indexes = [models.Index(fields=["notifiable", "recorded_at"], name="notifiable_results_by_day")]

    def __str__(self) -> str:
        return self.offence

    @property
    def in_custody(self) -> bool:
        return self.custody and self.released_at is None

    @property
    def clock_start(self) -> datetime | None:
        """When the initial notification clock starts: the court result, or release from custody."""
        if not self.notifiable:
            return None
        if self.custody:
            return self.released_at
        return self.court_result_at


class NotificationKind(models.TextChoices):
    INITIAL = "initial", "Initial notification"
    CHANGE_OF_NAME = "change_of_name", "Change of name"
    CHANGE_OF_ADDRESS = "change_of_address", "Change of address"
    OTHER_ADDRESS_7_DAYS = "other_address_7_days", "Seven days at another address"
    HOUSEHOLD_WITH_CHILD = "household_with_child", "Staying in a household with a child"
    ANNUAL = "annual", "Annual notification"
    WEEKLY_NO_FIXED_ABODE = "weekly_no_fixed_abode", "Weekly notification (no fixed abode)"
    FOREIGN_TRAVEL = "foreign_travel", "Foreign travel"


# Changes the offender must notify within 3 days of the change (SOA 2003 s.84).
CHANGE_KINDS = frozenset(
    {
        NotificationKind.CHANGE_OF_NAME,
        NotificationKind.CHANGE_OF_ADDRESS,
        NotificationKind.OTHER_ADDRESS_7_DAYS,
        NotificationKind.HOUSEHOLD_WITH_CHILD,
    }
)


class NotificationPlace(models.TextChoices):
    DESIGNATED_STATION = "designated_station", "In person at a designated police station"
    HOME = "home", "At home"
    PHONE = "phone", "By phone"


class Notification(models.Model):
    offender = models.ForeignKey(Offender, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=24, choices=NotificationKind.choices)
    where = models.CharField(max_length=20, choices=NotificationPlace.choices)
    # RSO-1: only one made in person at a designated station satisfies the law; others are kept, marked invalid.
    valid = models.BooleanField()
    at = models.DateTimeField()
    # The change notified (a move, a new name) or the travel date; the clock counts from it when given.
    event_at = models.DateTimeField(null=True, blank=True)
    detail = models.TextField(blank=True, default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({'valid' if self.valid else 'not valid'})"


class RiskLevel(models.TextChoices):
    VERY_HIGH = "very_high", "Very high"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


class RiskAssessment(models.Model):
    offender = models.ForeignKey(Offender, on_delete=models.CASCADE, related_name="assessments")
    level = models.CharField(max_length=10, choices=RiskLevel.choices)
    plan = models.TextField()
    assessed_at = models.DateTimeField()
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-assessed_at"]

    def __str__(self) -> str:
        return f"{self.get_level_display()} risk"


class Device(models.Model):
    offender = models.ForeignKey(Offender, on_delete=models.CASCADE, related_name="devices")
    description = models.CharField(max_length=200)
    declared = models.BooleanField(default=True)  # False: found by officers, not declared by the offender
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["added_at"]

    def __str__(self) -> str:
        return self.description


class VisitKind(models.TextChoices):
    HOME = "home", "Home visit"
    OFFICE = "office", "Office interview"


class Visit(models.Model):
    offender = models.ForeignKey(Offender, on_delete=models.CASCADE, related_name="visits")
    kind = models.CharField(max_length=8, choices=VisitKind.choices)
    announced = models.BooleanField()
    at = models.DateTimeField()
    officers = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="offender_visits")
    devices_checked = models.ManyToManyField(Device, blank=True, related_name="visits")
    notes = models.TextField(blank=True, default="")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-at"]
        # Bad input: two officers saving the same visit twice. The database holds the line under a race.
        constraints = [models.UniqueConstraint(fields=["offender", "at"], name="one_visit_per_moment")]

    def __str__(self) -> str:
        return self.get_kind_display()


class BreachKind(models.TextChoices):
    LATE_NOTIFICATION = "late_notification", "Late notification"
    UNDECLARED_DEVICE = "undeclared_device", "Undeclared device"
    ORDER_BREACH = "order_breach", "Breach of an order"
    OTHER = "other", "Other"


class BreachDecision(models.TextChoices):
    CRIME_RECORDED = "crime_recorded", "Recorded as a crime"
    WARNING = "warning", "Warning given"
    NO_ACTION = "no_action", "No further action"


class Breach(models.Model):
    offender = models.ForeignKey(Offender, on_delete=models.CASCADE, related_name="breaches")
    kind = models.CharField(max_length=20, choices=BreachKind.choices)
    detail = models.TextField()
    found_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=16, choices=BreachDecision.choices, blank=True, default="")
    rationale = models.TextField(blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-found_at"]
        # RSO-5's sweep: undecided breaches by age.
        indexes = [models.Index(fields=["decided_at", "found_at"], name="breaches_undecided")]

    def __str__(self) -> str:
        return self.get_kind_display()


class ChildContact(models.Model):
    offender = models.ForeignKey(Offender, on_delete=models.CASCADE, related_name="child_contacts")
    detail = models.TextField()
    at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["at"], name="child_contacts_by_time")]

    def __str__(self) -> str:
        return "Contact with children"


class ContactChild(models.Model):
    contact = models.ForeignKey(ChildContact, on_delete=models.CASCADE, related_name="children")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    welfare_checked_at = models.DateTimeField(null=True, blank=True)
    welfare_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    welfare_note = models.TextField(blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contact", "person"], name="child_once_per_contact")]


class DisclosureDecision(models.TextChoices):
    DISCLOSE = "disclose", "Disclose"
    NOT_DISCLOSE = "not_disclose", "Do not disclose"


class Disclosure(models.Model):
    offender = models.ForeignKey(Offender, on_delete=models.CASCADE, related_name="disclosures")
    decision = models.CharField(max_length=12, choices=DisclosureDecision.choices)
    to = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    rationale = models.TextField()
    decided_at = models.DateTimeField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-decided_at"]

    def __str__(self) -> str:
        return self.get_decision_display()


class SupervisionEntry(models.Model):
    offender = models.ForeignKey(Offender, on_delete=models.CASCADE, related_name="supervision")
    note = models.TextField()
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-at"]


class SupervisorAbsence(models.Model):
    """RSO-7: an absent supervisor has a named cover; work routed to them goes to the cover meanwhile."""

    supervisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="absences")
    cover = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="covering")
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=200, blank=True, default="")
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-starts_on"]
        indexes = [models.Index(fields=["supervisor", "ends_on"], name="absences_by_supervisor")]


class OrderKind(models.TextChoices):
    SHPO = "shpo", "Sexual harm prevention order"
    NOTIFICATION_ORDER = "notification_order", "Notification order"
    SRO = "sro", "Sexual risk order"


class Order(models.Model):
    """A court order with its prohibitions: what a breach of order (RSO-5) is measured against."""

    offender = models.ForeignKey(Offender, on_delete=models.CASCADE, related_name="orders")
    kind = models.CharField(max_length=20, choices=OrderKind.choices)
    made_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)  # None: until further order
    prohibitions = models.TextField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-made_on"]

    def __str__(self) -> str:
        return self.get_kind_display()
