"""Need to know for a person's record (PL-3), on top of the role table in `childsafe.core.access`.

Views and API handlers fetch people only through these functions. Each decision is one of:
- allowed: the record opens (and the view is logged as a consultation);
- reason: the user works in another area, or in oversight: they give a reason first, which is logged;
- hidden: a partner asking for a child who is not their organisation's, or a role with no access to
  person records: the record does not exist for them (404), and the attempt is logged.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404

from childsafe.core import access, audit, clock, compiled
from childsafe.core.errors import InvalidInput, JustificationRequired
from childsafe.core.models import Alert, User
from childsafe.core.roles import AREA_ROLES, FORCE_WIDE_ROLES, REASON_ROLES, Capability, Role
from childsafe.people.models import Person


class Decision(Enum):
    ALLOWED = "allowed"
    REASON = "reason"
    HIDDEN = "hidden"


@dataclass(frozen=True)
class PersonAccess:
    decision: Decision
    partner_view: bool = False  # partners see the child's details and their messages, not police intelligence


def partner_people(user: User) -> QuerySet[Person]:
    """The children a partner user's organisation works with: its pupils, or its local authority's children."""
    today = clock.today_london()
    if user.role == Role.SCHOOL_PARTNER:
        return Person.objects.filter(
            Q(enrolments__school_id=user.organisation_id, enrolments__valid_from__lte=today)
            & (Q(enrolments__valid_to__isnull=True) | Q(enrolments__valid_to__gt=today))
        ).distinct()
    if user.role == Role.LA_PARTNER:
        return Person.objects.filter(local_authority_id=user.organisation_id)
    return Person.objects.none()


# Work apps add what makes a user "involved" with a child (the officer in the case of a missing episode...).
InvolvementCheck = Callable[[User, Person], bool]
INVOLVEMENT_CHECKS: list[InvolvementCheck] = []


def involvement_check(fn: InvolvementCheck) -> InvolvementCheck:
    INVOLVEMENT_CHECKS.append(fn)
    return fn


def _involved(user: User, person: Person) -> bool:
    """The user recorded this person, holds an alert about them, or a work app says they are on the case."""
    if person.created_by_id == user.pk:
        return True
    if Alert.objects.open().filter(person_id=person.pk, owner_user=user).exists():
        return True
    return any(check(user, person) for check in INVOLVEMENT_CHECKS)


def decide(user: User, person: Person) -> PersonAccess:
    if user.is_partner:
        visible = partner_people(user).filter(pk=person.pk).exists()
        return PersonAccess(Decision.ALLOWED if visible else Decision.HIDDEN, partner_view=True)
    if not access.can(user, Capability.PERSON_VIEW):
        return PersonAccess(Decision.HIDDEN)
    if user.role in FORCE_WIDE_ROLES:
        return PersonAccess(Decision.ALLOWED)
    if user.role in AREA_ROLES:
        if not settings.CHILDSAFE_REQUIRE_JUSTIFICATION_OUTSIDE_AREA:
            return PersonAccess(Decision.ALLOWED)
        if (user.area_id is not None and person.area_id == user.area_id) or _involved(user, person):
            return PersonAccess(Decision.ALLOWED)
        return PersonAccess(Decision.REASON)
    if user.role in REASON_ROLES:
        return PersonAccess(Decision.REASON)
    return PersonAccess(Decision.HIDDEN)


REASON_TOO_THIN = (
    "Say in a few words why you need this record, for example 'Attending a call at her address' or "
    "'Strategy meeting for her brother'. The reason is recorded and may be checked."
)


# Why a user opens a record outside their area or current work: one of these, then their own words (PL-3, s62).
READ_PURPOSES = [
    ("safeguarding_enquiry", "Safeguarding enquiry"),
    ("investigation", "Criminal investigation"),
    ("missing_person", "Missing person search"),
    ("multi_agency", "Strategy meeting or multi-agency work"),
    ("court_disclosure", "Court, disclosure or a subject access request"),
    ("other", "Other"),
]
READ_PURPOSE_LABELS = dict(READ_PURPOSES)

# Words that say nothing about why: a reason made only of these (or one word repeated) is refused.
_FILLER = {
    "test", "testing", "tests", "check", "checking", "checked", "look", "looking", "just", "need", "needed",
    "needs", "reason", "because", "work", "working", "info", "information", "record", "records", "access",
    "view", "viewing", "see", "please", "ok", "okay", "none", "nothing", "n/a", "na", "asdf", "qwerty", "xxx",
    "aaa", "abc", "the", "a", "an", "to", "for", "it", "this", "of", "and", "my", "is", "on", "at", "in",
}  # fmt: skip


def reason_says_something(reason: str) -> bool:
    """A reason for an out-of-area look must say something: "x", "...", "test" or "checking the record"
    don't (PL-3): at least two different words of two or more letters, not all filler, ten letters in all."""
    words = [w.strip(".,;:!?'\"()").lower() for w in reason.split()]
    real = {w for w in words if sum(c.isalpha() for c in w) >= 2}
    meaningful = real - _FILLER
    return len(real) >= 2 and bool(meaningful) and sum(c.isalpha() for c in reason) >= 10


def reason_with_purpose(purpose: str, reason: str) -> str:
    """How a purpose and a reason are kept together in the s62 log: "Missing person search: seen in Whitby"."""
    return f"{READ_PURPOSE_LABELS[purpose]}: {reason.strip()}"


def person_for_user(
    user: User,
    person_id: int,
    *,
    justification: str = "",
    channel: str = "web",
    event_type: str = "person.view",
    purpose: str = "",
    log: audit.Batch | None = None,
) -> tuple[Person, PersonAccess]:
    """Fetch a person's record for this user, logging the view (DPA 2018 s62 consultation).

    With `log`, the view is added to that batch, for the caller to write with the change it makes in
    the same transaction, or on its own if the change fails (a refusal is always written at once).

    The log says why: the reason the user typed (`justification`) where one is demanded or given, else the
    purpose of the page that opened the record (`purpose`, e.g. "control room: incident NYP-..."), else
    the role's and the route's (core.audit.purpose_of). Only a typed reason meets a demand for one.

    Raises Http404 when the record is hidden from them (logged as a refused view), and
    JustificationRequired when they must give a reason first.
    """
    # On every PPN and intelligence check: one statement compiled once (ADR 0064).
    person = compiled.get(Person, person_id, related=("area", "placement", "local_authority"))
    if person is None:
        raise Http404("No person with that reference.")
    decision = decide(user, person)
    if decision.decision is Decision.HIDDEN:
        audit.access(
            actor=user,
            event_type=f"{event_type}.refused",
            subject=person,
            person_id=person.pk,
            justification="Refused: not within this user's need to know.",
            channel=channel,
        )
        raise Http404("No person with that reference.")
    if decision.decision is Decision.REASON and not justification.strip():
        raise JustificationRequired(person.pk)
    if decision.decision is Decision.REASON and not reason_says_something(justification):
        raise InvalidInput({"justification": REASON_TOO_THIN})
    (log or audit).access(
        actor=user,
        event_type=event_type,
        subject=person,
        person_id=person.pk,
        justification=justification.strip() or purpose.strip(),
        channel=channel,
    )
    return person, decision


def reach_for_write(
    user: User | None,
    person: Person,
    *,
    reasons: Mapping[str, str] | None = None,
    channel: str = "web",
    event_type: str,
) -> str:
    """May this user change (or combine) this person's record now? Every write asks, for EVERY record it
    touches (PL-3), so a link or a relationship can't reach a record its author couldn't open.

    Returns the reason the user gave (to be logged with the change against this record); raises
    JustificationRequired where a read would ask for one, and Http404 (logged as a refusal) where the
    record is hidden from them. `user=None` is the system itself (set-up, imports, the replay's setup).
    """
    if user is None:
        return ""
    verdict = decide(user, person).decision
    if verdict is Decision.HIDDEN:
        audit.refusal(
            actor=user,
            event_type=event_type,
            why="not within this user's need to know.",
            subject=person,
            person_id=person.pk,
            channel=channel,
        )
        raise Http404("No person with that reference.")
    given = ((reasons or {}).get(str(person.pk)) or "").strip()
    if verdict is Decision.REASON and not given:
        raise JustificationRequired(person.pk)
    if verdict is Decision.REASON and not reason_says_something(given):
        raise InvalidInput({"justification": REASON_TOO_THIN})
    return given


def people_visible_to(user: User, queryset: QuerySet[Person] | None = None) -> QuerySet[Person]:
    """Narrow a list of people to those this user may see in a list (search results, worklists).

    Police roles with person access see everyone in lists (a name in a list is not the record: opening
    it is checked and logged); partners see only their organisation's children.
    """
    qs = queryset if queryset is not None else Person.objects.all()
    if user.is_partner:
        return qs.filter(pk__in=partner_people(user).values("pk"))
    if not access.can(user, Capability.PERSON_VIEW):
        return qs.none()
    return qs
