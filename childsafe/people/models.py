"""POLE core: people, organisations, locations, relationships, warning markers, identity links."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q

from childsafe.core.models import Area
from childsafe.people.vocabulary import (
    MarkerType,
    ObservedEthnicity,
    OrganisationType,
    RelationshipType,
    SelfDefinedEthnicity,
    Sex,
)

ADULT_AGE = 18


class Location(models.Model):
    """An address or a named place ("Former Royal Crescent Hotel, Whitby"), matched on a normalised key."""

    name = models.CharField(max_length=200, blank=True, default="")
    line1 = models.CharField(max_length=200, blank=True, default="")
    line2 = models.CharField(max_length=200, blank=True, default="")
    town = models.CharField(max_length=100, blank=True, default="")
    postcode = models.CharField(max_length=10, blank=True, default="")
    normalised = models.CharField(max_length=300, db_index=True)
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        parts = [self.name, self.line1, self.line2, self.town, self.postcode]
        return ", ".join(p for p in parts if p)


class Organisation(models.Model):
    type = models.CharField(max_length=20, choices=OrganisationType.choices)
    name = models.CharField(max_length=200)
    # Schools: the Department for Education's unique reference number.
    urn = models.CharField(max_length=10, blank=True, default="")
    local_authority = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        limit_choices_to={"type": OrganisationType.LOCAL_AUTHORITY},
    )
    # Where notices go: a school's Key Adult (DSL), a local authority's children's services front door.
    email = models.EmailField(blank=True, default="")
    key_adult_name = models.CharField(max_length=200, blank=True, default="")
    key_adult_email = models.EmailField(blank=True, default="")
    manager_email = models.EmailField(blank=True, default="")  # MP-10's escalation contact
    # A school's calendar: {"base": "england_default", "closed": [["2023-10-30", "2023-11-03"]]}.
    calendar = models.JSONField(null=True, blank=True)
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["urn"], condition=~Q(urn=""), name="school_urn_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class LocalAuthorityCover(models.Model):
    """A postcode district ("YO31") or sector ("YO31 7") that a local authority serves.

    A child with no recorded local authority (and no placement or school giving one) belongs to the
    authority covering their home postcode, the longest match winning, so no child's notices go nowhere.
    Each district or sector belongs to one authority at most.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="covers")
    prefix = models.CharField(max_length=8, unique=True)

    class Meta:
        ordering = ["prefix"]

    def __str__(self) -> str:
        return self.prefix


class Person(models.Model):
    forenames = models.CharField(max_length=120)
    surname = models.CharField(max_length=120)
    date_of_birth = models.DateField(null=True, blank=True)
    # An estimated date of birth (a child who won't say, an unknown adult) is shown as "about".
    dob_is_approximate = models.BooleanField(default=False)
    sex = models.CharField(max_length=8, choices=Sex.choices, default=Sex.UNKNOWN)
    ethnicity_self_defined = models.CharField(
        max_length=2, choices=SelfDefinedEthnicity.choices, blank=True, default=""
    )
    ethnicity_observed = models.CharField(max_length=3, choices=ObservedEthnicity.choices, blank=True, default="")
    looked_after = models.BooleanField(default=False)
    placement = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="placed_children",
        limit_choices_to={"type": OrganisationType.CHILDRENS_HOME},
    )
    # The local authority responsible for the child (children's services).
    local_authority = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        limit_choices_to={"type": OrganisationType.LOCAL_AUTHORITY},
    )
    area = models.ForeignKey(Area, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Phonetic keys for duplicate and search candidates (computed by people.identity).
    surname_key = models.CharField(max_length=20, blank=True, default="")
    forename_key = models.CharField(max_length=20, blank=True, default="")
    # The search index's forms (people.identity.surname_norm/forename_norm), kept by people.services.
    surname_norm = models.CharField(max_length=120, blank=True, default="")
    forename_norm = models.CharField(max_length=120, blank=True, default="")
    notes = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Set by the demo generator only: the true identity a planted duplicate belongs to.
    synthetic_truth_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["surname", "forenames"]
        indexes = [
            models.Index(fields=["surname_key", "date_of_birth"], name="person_dupe_phonetic_dob"),
            models.Index(fields=["date_of_birth"], name="person_dupe_by_dob"),
            models.Index(fields=["surname", "forenames"], name="person_search_by_name"),
            models.Index(fields=["surname_norm", "date_of_birth"], name="person_search_surname_dob"),
            models.Index(fields=["forename_norm", "date_of_birth"], name="person_search_forename_dob"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.forenames} {self.surname}".strip()

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth is None:
            return None
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))

    def is_child_on(self, day: date) -> bool:
        age = self.age_on(day)
        return age is not None and age < ADULT_AGE


class PersonName(models.Model):
    """Other names a person is known by: aliases, nicknames, previous names, other spellings."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="other_names")
    forenames = models.CharField(max_length=120, blank=True, default="")
    surname = models.CharField(max_length=120, blank=True, default="")
    kind = models.CharField(max_length=20, default="alias")  # alias, nickname, previous, spelling
    surname_key = models.CharField(max_length=20, blank=True, default="", db_index=True)
    surname_norm = models.CharField(max_length=120, blank=True, default="", db_index=True)
    forename_norm = models.CharField(max_length=120, blank=True, default="", db_index=True)

    def __str__(self) -> str:
        return f"{self.forenames} {self.surname}".strip()


class NameKey(models.Model):
    """The name dictionary: each distinct surname or first name held, under each of its search keys.

    Small (one row per distinct name and key, not per person) and looked up by key in one indexed
    query; see people.identity.stored_keys for the kinds of key and ADR 0008 for why.
    """

    class Kind(models.TextChoices):
        SURNAME = "s", "Surname"
        FORENAME = "f", "First name"

    kind = models.CharField(max_length=1, choices=Kind.choices)
    key = models.CharField(max_length=130)
    name = models.CharField(max_length=120)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key", "name"], name="name_key_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} -> {self.name}"


class PersonAddress(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="addresses")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="residents")
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-valid_from"]


class SchoolEnrolment(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="enrolments")
    school = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="enrolments",
        limit_choices_to={"type": OrganisationType.SCHOOL},
    )
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["school", "valid_to"], name="school_current_pupils")]

    def __str__(self) -> str:
        return f"Person {self.person_id} at school {self.school_id}"


class Relationship(models.Model):
    from_person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships_from")
    to_person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="relationships_to")
    type = models.CharField(max_length=24, choices=RelationshipType.choices)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(name="relationship_not_to_self", condition=~Q(from_person=models.F("to_person")))
        ]

    def __str__(self) -> str:
        # Read in the audit log: names and words, not ids and codes.
        return f"{self.from_person.full_name}: {self.get_type_display().lower()} {self.to_person.full_name}"


class WarningMarker(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="markers")
    type = models.CharField(max_length=20, choices=MarkerType.choices)
    start_date = models.DateField()
    review_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=200)
    notes = models.TextField(blank=True, default="")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["type", "start_date"]
        indexes = [models.Index(fields=["person", "end_date"], name="marker_active_for_person")]

    def __str__(self) -> str:
        return self.get_type_display()

    def is_active_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date > day)


class IdentityLink(models.Model):
    """Two records that are the same person (PL-2). Reversible: unlinking sets unlinked_at."""

    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identity_links_a")
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identity_links_b")
    rationale = models.TextField()
    linked_at = models.DateTimeField()
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    unlinked_at = models.DateTimeField(null=True, blank=True)
    unlinked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unlink_rationale = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person_a", "person_b"], condition=Q(unlinked_at__isnull=True), name="one_active_link_per_pair"
            ),
            models.CheckConstraint(name="link_ordered_pair", condition=Q(person_a__lt=models.F("person_b"))),
        ]
        indexes = [
            models.Index(fields=["person_a", "unlinked_at"], name="identity_cluster_from_a"),
            models.Index(fields=["person_b", "unlinked_at"], name="identity_cluster_from_b"),
        ]

    def __str__(self) -> str:
        return f"Records {self.person_a_id} and {self.person_b_id} are the same person"


class IntelligenceCheck(models.Model):
    """What the intelligence check showed (CR-4), kept with the record that asked for it."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="intelligence_checks")
    context_type = models.CharField(max_length=80)
    context_id = models.CharField(max_length=64)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    shown = models.JSONField()

    class Meta:
        indexes = [models.Index(fields=["context_type", "context_id"], name="intel_check_by_record")]


class NotSamePerson(models.Model):
    """Two records that someone checked and found are NOT the same person, with why (PL-2, MP-3).

    Once ruled out, the pair is no longer offered as a possible duplicate, and the other record's markers
    no longer ask to be addressed when grading this child. Ordered pair, like IdentityLink.
    """

    person_a = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    person_b = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person_a", "person_b"], name="one_ruling_per_pair"),
            models.CheckConstraint(name="not_same_ordered_pair", condition=Q(person_a__lt=models.F("person_b"))),
        ]
