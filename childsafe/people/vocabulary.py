"""Fixed vocabularies: ethnicity codes, warning markers, relationship types.

The marker vocabulary is documented in docs/markers.md; a new marker type is a code change with
review, because rules (MP-3's high-harm list) depend on it.
"""

from __future__ import annotations

from django.db import models

from childsafe.core import labels


class Sex(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Not known"


class SelfDefinedEthnicity(models.TextChoices):
    """The 18+1 self-defined ethnicity codes (2011 census categories) and 'not stated'."""

    W1 = "W1", "W1 White: English, Welsh, Scottish, Northern Irish or British"
    W2 = "W2", "W2 White: Irish"
    W3 = "W3", "W3 White: Gypsy or Irish Traveller"
    W9 = "W9", "W9 White: any other White background"
    M1 = "M1", "M1 Mixed: White and Black Caribbean"
    M2 = "M2", "M2 Mixed: White and Black African"
    M3 = "M3", "M3 Mixed: White and Asian"
    M9 = "M9", "M9 Mixed: any other mixed background"
    A1 = "A1", "A1 Asian or Asian British: Indian"
    A2 = "A2", "A2 Asian or Asian British: Pakistani"
    A3 = "A3", "A3 Asian or Asian British: Bangladeshi"
    A4 = "A4", "A4 Asian or Asian British: Chinese"
    A9 = "A9", "A9 Asian or Asian British: any other Asian background"
    B1 = "B1", "B1 Black or Black British: Caribbean"
    B2 = "B2", "B2 Black or Black British: African"
    B9 = "B9", "B9 Black or Black British: any other Black background"
    O2 = "O2", "O2 Other ethnic group: Arab"
    O9 = "O9", "O9 Other ethnic group: any other ethnic group"
    NS = "NS", "NS Not stated"


class ObservedEthnicity(models.TextChoices):
    """Officer-observed ethnicity codes."""

    IC1 = "IC1", "IC1 White: North European"
    IC2 = "IC2", "IC2 White: South European"
    IC3 = "IC3", "IC3 Black"
    IC4 = "IC4", "IC4 Asian"
    IC5 = "IC5", "IC5 Chinese, Japanese or other South East Asian"
    IC6 = "IC6", "IC6 Arab or North African"
    IC9 = "IC9", "IC9 Unknown"


class MarkerType(models.TextChoices):
    FIREARMS = "firearms", "Firearms"
    KNIVES = "knives", "Knives"
    WEAPONS = "weapons", "Weapons"
    VIOLENCE = "violence", "Violence"
    SUICIDE = "suicide", "Suicide or self-harm"
    MENTAL_HEALTH = "mental_health", "Mental health"
    CSE = "cse", "Child sexual exploitation (CSE) risk"
    CCE = "cce", "Child criminal exploitation (CCE) risk"
    COUNTY_LINES = "county_lines", "County lines"
    TRAFFICKING = "trafficking", "Trafficking"
    DEBT_BONDAGE = "debt_bondage", "Debt bondage"
    MISSING = "missing", "Missing (repeat)"
    DRUGS = "drugs", "Drugs"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse"
    SEXUAL_OFFENDER = "sexual_offender", "Sexual offender"
    ESCAPE_RISK = "escape_risk", "Escape risk"
    ALLEGES = "alleges", "Makes allegations"
    DISABILITY = "disability", "Disability or communication need"


# MP-3: a medium grade against any of these raises "grade does not reflect markers".
HIGH_HARM_MARKERS = frozenset(
    {
        MarkerType.FIREARMS,
        MarkerType.KNIVES,
        MarkerType.WEAPONS,
        MarkerType.SUICIDE,
        MarkerType.CSE,
        MarkerType.CCE,
        MarkerType.COUNTY_LINES,
        MarkerType.TRAFFICKING,
        MarkerType.DEBT_BONDAGE,
    }
)


class RelationshipType(models.TextChoices):
    PARENT = "parent", "Parent of"
    CARER = "carer", "Carer of"
    SIBLING = "sibling", "Sibling of"
    PARTNER = "partner", "Partner of"
    HOUSEHOLD = "household", "Lives in the same household as"
    ASSOCIATE = "associate", "Associate of"
    SUSPECTED_EXPLOITER = "suspected_exploiter", "Suspected exploiter of"
    SOCIAL_WORKER = "social_worker", "Social worker of"


# Pages show a marker code wherever it appears (an audit line, a setting) by its label.
labels.register_choices(MarkerType)


def marker_labels(codes) -> list[str]:
    """Marker codes as their labels, in the order given: for messages people read."""
    return [MarkerType(c).label if c in MarkerType.values else labels.words(c) for c in codes]


# How a relationship reads from the other end.
INVERSE_LABEL = {
    RelationshipType.PARENT: "Child of",
    RelationshipType.CARER: "Cared for by",
    RelationshipType.SIBLING: "Sibling of",
    RelationshipType.PARTNER: "Partner of",
    RelationshipType.HOUSEHOLD: "Lives in the same household as",
    RelationshipType.ASSOCIATE: "Associate of",
    RelationshipType.SUSPECTED_EXPLOITER: "Suspected of being exploited by",
    RelationshipType.SOCIAL_WORKER: "Has social worker",
}


class OrganisationType(models.TextChoices):
    SCHOOL = "school", "School"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    CHILDRENS_HOME = "childrens_home", "Children's home"
    PARTNER = "partner", "Other partner"
