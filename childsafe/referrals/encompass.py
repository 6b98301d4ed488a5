"""Operation Encompass (RF-9): the one definition of who qualifies, and of an incident recorded late.

The hook that creates notifications, the reconciliation page and report, and the RF-9 sweep's gap check
all use `qualifying`, so that "a child Encompass covers" means the same thing everywhere.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import ExtractYear

from childsafe.core import clock
from childsafe.incidents.models import Incident, IncidentPerson, IncidentType, PersonRole
from childsafe.people.models import Person
from childsafe.referrals.models import EncompassNotification

# Reception to 17 (RF-9): a child is in reception from the September after their fourth birthday.
MIN_AGE = 4
MAX_AGE = 17


def candidates() -> QuerySet[IncidentPerson]:
    """Children on domestic abuse incidents, present or normally resident, born in a year that could make
    them school age when it happened. A superset (years, not birthdays) that the database narrows cheaply;
    `qualifying` makes the exact check."""
    return (
        IncidentPerson.objects.filter(incident__type=IncidentType.DOMESTIC_ABUSE, role=PersonRole.CHILD)
        .filter(Q(present=True) | Q(resident=True))
        .annotate(birth_years=ExtractYear("incident__occurred_at") - ExtractYear("person__date_of_birth"))
        .filter(birth_years__gte=MIN_AGE, birth_years__lte=MAX_AGE + 1)
    )


def incident_day(incident: Incident) -> date:
    """The day it happened, in England: a child's age is counted on that day."""
    return incident.occurred_at.astimezone(clock.LONDON).date()


def school_age(person: Person, on: date) -> bool:
    age = person.age_on(on)
    return age is not None and MIN_AGE <= age <= MAX_AGE


def qualifying(queryset: QuerySet[IncidentPerson]) -> list[IncidentPerson]:
    """The rows of `candidates()` (narrowed as the caller likes) whose child was school age on the day."""
    return [
        ip for ip in queryset.select_related("incident", "person") if school_age(ip.person, incident_day(ip.incident))
    ]


def gaps(scope: Q | None = None) -> list[IncidentPerson]:
    """Qualifying children with no notification at all: a gap RF-9's 100% reconciliation must never leave.

    Only a write (a deletion, an import that bypassed the hook) can make one, so the query is a NOT EXISTS
    on the notification's unique (incident, person) key, and the exact age check runs only on the gaps.
    `scope` narrows the incidents looked at (the sweep's watch window); without it, all history."""
    notified = EncompassNotification.objects.filter(
        incident_id=OuterRef("incident_id"), person_id=OuterRef("person_id")
    )
    found = candidates().filter(~Exists(notified))
    if scope is not None:
        found = found.filter(scope)
    return qualifying(found.order_by("incident__created_at", "id"))


def late_by(incident: Incident, threshold: timedelta) -> timedelta | None:
    """How long after it happened the incident was recorded, when that is more than the threshold."""
    delay = incident.created_at - incident.occurred_at
    return delay if delay > threshold else None


def describe(delay: timedelta) -> str:
    """How late, for people: '7 days', '1 day and 6 hours', '5 hours'."""
    days, hours = delay.days, delay.seconds // 3600
    parts = [f"{days} day{'s' if days != 1 else ''}"] if days else []
    if hours or not parts:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    return " and ".join(parts)
