"""Core records: accounts and teams, the audit log, settings, alerts and the outbox."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from childsafe.core import clock
from childsafe.core.roles import PARTNER_ROLES, Rank, Role, rank_at_least


class Area(models.Model):
    """A command area. The force has three by default (city, west, east); administrators may add more."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="teams")
    # The initial inquiry team and diary appointments are teams too; CR-2 keeps child welfare off them.
    kind = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    role = models.CharField(max_length=32, choices=Role.choices)
    # Beside the role: a rule that names a rank reads this (blank: not recorded, counts as no rank).
    rank = models.CharField(max_length=24, choices=Rank.choices, blank=True, default="")
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    # Partner users belong to one organisation (a school or a local authority) and see only its work.
    organisation = models.ForeignKey(
        "people.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    line_manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    collar_number = models.CharField(max_length=20, blank=True, default="")
    # A password an administrator set is temporary: its holder must choose their own at first sign-in.
    must_change_password = models.BooleanField(default=False)
    # A system integration's own account, not a person's: only such an account holds API tokens, and it has
    # no password, so nobody signs in to the pages as it (issue 10, item 4).
    is_service_account = models.BooleanField(
        "service account", default=False, help_text="A system integration's account: API tokens only, no sign-in."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="partner_user_has_organisation",
                # A list in a fixed order: a set's order changes between runs and would churn migrations.
                condition=~Q(role__in=[Role.LA_PARTNER.value, Role.SCHOOL_PARTNER.value])
                | Q(organisation__isnull=False),
            )
        ]

    @property
    def is_partner(self) -> bool:
        return self.role in PARTNER_ROLES

    def has_rank(self, wanted: str) -> bool:
        return rank_at_least(self.rank, wanted)

    def has_skill(self, code: str, on=None) -> bool:
        """Holds this accreditation in the skills registry on the day (QG-6): an expired one doesn't count."""
        day = on or clock.now().date()
        return (
            self.skills.filter(skill__code=code, awarded_on__lte=day)
            .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day))
            .exists()
        )

    @property
    def display_name(self) -> str:
        name = self.get_full_name() or self.username
        return f"{name} ({self.get_role_display()})" if self.role else name


class Skill(models.Model):
    """An accreditation or training course in the skills registry (QG-6): SCAIDP, ViSOR, AWARE/VoC..."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, default="")

    def __str__(self) -> str:
        return self.name


class UserSkill(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skills")
    skill = models.ForeignKey(Skill, on_delete=models.PROTECT, related_name="holders")
    awarded_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "skill"], name="one_award_per_skill")]


class ApiToken(models.Model):
    """A token for a system integration. Only a hash is stored; the token is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # A token stops working on its own after this: a forgotten integration's key doesn't live for ever.
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"API token {self.prefix}… ({self.name})"


class LoginAttempt(models.Model):
    username = models.CharField(max_length=150)
    ip_address = models.CharField(max_length=64, blank=True, default="")
    at = models.DateTimeField()
    succeeded = models.BooleanField()

    class Meta:
        indexes = [
            models.Index(fields=["username", "at"], name="login_failures_by_user"),
            models.Index(fields=["ip_address", "at"], name="login_failures_by_ip"),
        ]


class AuditCategory(models.TextChoices):
    """The six kinds of processing the Data Protection Act 2018 s62 requires a log of."""

    COLLECTION = "collection", "Collection"
    ALTERATION = "alteration", "Alteration"
    CONSULTATION = "consultation", "Consultation"
    DISCLOSURE = "disclosure", "Disclosure"
    COMBINATION = "combination", "Combination"
    ERASURE = "erasure", "Erasure"


class AuditEvent(models.Model):
    """One line of the s62 log. Written in the same transaction as what it records; never changed."""

    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=200)
    category = models.CharField(max_length=16, choices=AuditCategory.choices)
    event_type = models.CharField(max_length=80)
    subject_type = models.CharField(max_length=80)
    subject_id = models.CharField(max_length=64)
    subject_label = models.CharField(max_length=300, blank=True, default="")
    # The child (or other person) the record is about, so "who looked at this child" is one query.
    person_id = models.BigIntegerField(null=True, blank=True)
    channel = models.CharField(max_length=16, default="web")  # web, api, cli, worker, replay
    justification = models.TextField(blank=True, default="")
    recipient = models.CharField(max_length=300, blank=True, default="")
    old_values = models.JSONField(null=True, blank=True)
    new_values = models.JSONField(null=True, blank=True)
    # The chain (PL-4): each event's hash covers its own values and the previous event's hash, so an
    # altered, removed or inserted event breaks every hash after it (`childsafe audit verify`).
    prev_hash = models.CharField(max_length=64, default="", editable=False)
    hash = models.CharField(max_length=64, default="", editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["person_id", "-at"], name="audit_who_touched_person"),
            models.Index(fields=["actor", "-at"], name="audit_what_user_did"),
            models.Index(fields=["subject_type", "subject_id"], name="audit_by_subject"),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("Audit events are never changed once written.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("Audit events are never deleted.")


class AuditChainTail(models.Model):
    """The one row that says where the audit chain ends. Every new event locks it (select_for_update)
    until its transaction commits, so concurrent writers append one after another, never forking the
    chain; and a removed last event shows, because the tail still names it."""

    last_event_id = models.BigIntegerField(null=True, blank=True)
    last_hash = models.CharField(max_length=64)
    length = models.BigIntegerField(default=0)


class SettingValue(models.Model):
    """An administrator's override of a force-policy setting (a timing marked 'default' in RULES.md)."""

    key = models.CharField(max_length=100, unique=True)
    value = models.JSONField()
    updated_at = models.DateTimeField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


SEVERITY_ORDER = {Severity.CRITICAL: 0, Severity.HIGH: 1, Severity.MEDIUM: 2, Severity.LOW: 3}


class AlertQuerySet(models.QuerySet["Alert"]):
    def open(self) -> AlertQuerySet:
        return self.filter(cleared_at__isnull=True)


class Alert(models.Model):
    """A rule's condition holding for one subject. Upserted by (rule, subject) by the sweep."""

    rule_id = models.CharField(max_length=16)
    subject_type = models.CharField(max_length=80)
    subject_id = models.CharField(max_length=64)
    subject_label = models.CharField(max_length=300, blank=True, default="")
    person_id = models.BigIntegerField(null=True, blank=True)
    person_label = models.CharField(max_length=200, blank=True, default="")
    owner_role = models.CharField(max_length=32, choices=Role.choices, blank=True, default="")
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    owner_area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.MEDIUM)
    reason = models.CharField(max_length=500)
    url = models.CharField(max_length=300, blank=True, default="")
    raised_at = models.DateTimeField()
    due_by = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField()
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_to_role = models.CharField(max_length=32, blank=True, default="")
    escalated_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledgement_note = models.TextField(blank=True, default="")
    cleared_at = models.DateTimeField(null=True, blank=True)
    # Counted in the dashboard's monthly roll-up (oversight.ClockMonth, ADR 0062). Only a cleared alert is
    # rolled up: once cleared, nothing about it changes again.
    rolled_up = models.BooleanField(default=False)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["cleared_at", "due_by", "raised_at"]
        constraints = [
            # At most one open alert per rule and subject: the sweep upserts against this.
            models.UniqueConstraint(
                fields=["rule_id", "subject_type", "subject_id"],
                condition=Q(cleared_at__isnull=True),
                name="one_open_alert_per_rule_subject",
            )
        ]
        indexes = [
            models.Index(fields=["owner_user", "cleared_at"], name="alerts_my_worklist"),
            models.Index(fields=["owner_role", "owner_area", "cleared_at"], name="alerts_team_worklist"),
            models.Index(fields=["rule_id", "cleared_at"], name="alerts_open_by_rule"),
            models.Index(fields=["person_id", "cleared_at"], name="alerts_about_person"),
            # The dashboard's timeliness and trend read a period's alerts of every clock rule (QG-3).
            models.Index(fields=["raised_at", "rule_id"], name="alerts_raised_in_period"),
            # What the roll-up has not counted yet: the open alerts and those cleared since it last ran.
            models.Index(fields=["raised_at"], condition=Q(rolled_up=False), name="alerts_not_rolled_up"),
        ]

    @property
    def is_open(self) -> bool:
        return self.cleared_at is None

    @classmethod
    def about_q(cls, person_ids: list[int]) -> Q:
        """Alerts concerning any of these people: their first-named child or any other."""
        return Q(person_id__in=person_ids) | Q(
            pk__in=AlertPerson.objects.filter(person_id__in=person_ids).values("alert_id")
        )

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_by is not None and self.due_by <= clock.now()

    @property
    def current_role(self) -> str:
        return self.escalated_to_role or self.owner_role

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.subject_label or self.subject_id}"


class AlertPerson(models.Model):
    """Every child an alert concerns (a PPN about three children names all three), so each child's page
    and worklist shows it. The alert's `person_id` is the first of them, for its one-line label."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="people")
    person_id = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["alert", "person_id"], name="one_row_per_alert_person")]
        indexes = [models.Index(fields=["person_id"], name="alerts_by_any_child")]


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    DELIVERED = "delivered", "Delivered"
    DEAD = "dead", "Failed: needs attention"


class OutboxMessage(models.Model):
    """A message to a partner, written in the same transaction as the change that causes it.

    The worker claims it by a conditional update, sends it after commit, and records the outcome.
    """

    kind = models.CharField(max_length=40)  # missing_return, ppn_referral, encompass, ...
    transport = models.CharField(max_length=20, default="email")
    idempotency_key = models.CharField(max_length=200, unique=True)
    recipient = models.CharField(max_length=300)
    recipient_organisation_id = models.BigIntegerField(null=True, blank=True)
    recipient_label = models.CharField(max_length=200, blank=True, default="")
    subject = models.CharField(max_length=300)
    body = models.TextField()
    person_id = models.BigIntegerField(null=True, blank=True)
    source_type = models.CharField(max_length=80, blank=True, default="")
    source_id = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    created_at = models.DateTimeField()
    deliver_by = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    claimed_by = models.CharField(max_length=100, blank=True, default="")
    lease_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_due_for_delivery"),
            models.Index(fields=["status", "lease_until"], name="outbox_expired_leases"),
            models.Index(fields=["source_type", "source_id"], name="outbox_by_source"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient_label or self.recipient}"


class OutboxAttempt(models.Model):
    """Each try at delivering a message, for the dead-letter page and the reconciliation reports."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField()
    worker = models.CharField(max_length=100)
    outcome = models.CharField(max_length=20)  # delivered, temporary_failure, permanent_failure
    detail = models.TextField(blank=True, default="")


class Lease(models.Model):
    """A named lease held by one worker at a time (the rules sweep), claimed by conditional update."""

    name = models.CharField(max_length=40, unique=True)
    holder = models.CharField(max_length=100, blank=True, default="")
    until = models.DateTimeField(null=True, blank=True)


class DailyCounter(models.Model):
    """The last number given out for a day's references, e.g. PPN-20261122: one row per prefix and day.

    Incremented in the caller's transaction, so concurrent submissions queue for the next number
    instead of colliding on it (core.ids.next_daily_reference)."""

    key = models.CharField(max_length=40, unique=True)
    last = models.PositiveIntegerField(default=0)


class LanguagePhrase(models.Model):
    """A victim-blaming or adultifying phrase (QG-1) and the wording to use instead. Configurable."""

    phrase = models.CharField(max_length=120, unique=True)
    suggestion = models.CharField(max_length=300)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.phrase


class LanguageFlag(models.Model):
    """Each time a phrase was found as someone wrote: the counts QG-1 and QG-3 report."""

    phrase = models.ForeignKey(LanguagePhrase, on_delete=models.PROTECT, related_name="flags")
    at = models.DateTimeField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    field = models.CharField(max_length=60)
    subject_type = models.CharField(max_length=80, blank=True, default="")
    subject_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["phrase", "at"], name="language_flags_by_phrase")]


class ApprovalStatus(models.TextChoices):
    WAITING = "waiting", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Approval(models.Model):
    """A request for a supervisor's approval (CR-1, MP-7, and every later approval): a record, not a field.

    It is asked by one user with their reason and waits on the approvers' list (their role, in the record's
    area) until one of them, signed in as themselves, approves or refuses it with their own reason. What
    was asked (`payload`) is carried out by the approval's handler (core.approvals) when it is approved,
    in the same transaction.
    """

    kind = models.CharField(max_length=40)  # a registered handler, e.g. "incident.downgrade"
    rule_id = models.CharField(max_length=16)
    subject_type = models.CharField(max_length=80)
    subject_id = models.CharField(max_length=64)
    subject_label = models.CharField(max_length=300)
    person_id = models.BigIntegerField(null=True, blank=True)
    summary = models.CharField(max_length=300)  # what is asked, in plain English
    payload = models.JSONField(default=dict)
    reason = models.TextField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    # Comma-separated roles whose members may decide, in `area` when one is set.
    approver_roles = models.CharField(max_length=200)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    url = models.CharField(max_length=300, blank=True, default="")
    status = models.CharField(max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.WAITING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True, default="")
    # How it was decided: "list" (from the approver's own list) or "beside" (on the requester's screen,
    # the approver having signed in there with their own password).
    decided_on = models.CharField(max_length=10, blank=True, default="")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["requested_at", "id"]
        constraints = [
            # One waiting request of a kind per record: asking twice doesn't make two lists' worth.
            models.UniqueConstraint(
                fields=["kind", "subject_type", "subject_id"],
                condition=Q(status="waiting"),
                name="one_waiting_approval_per_subject",
            )
        ]
        indexes = [models.Index(fields=["status", "area"], name="approvals_waiting_list")]

    def __str__(self) -> str:
        return self.summary

    @property
    def roles(self) -> list[str]:
        return [r for r in self.approver_roles.split(",") if r]
