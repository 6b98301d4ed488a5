"""RF-10 on the child's page: the strategy meetings recorded for the child, in one place, and their open
actions with a way for the owner or a supervisor to mark each one done. Two queries, whatever the count."""

from __future__ import annotations

from dataclasses import dataclass

from childsafe.core import clock, compiled
from childsafe.core.models import User
from childsafe.core.roles import SUPERVISING_ROLES
from childsafe.people.sections import PageSection, provider
from childsafe.referrals.models import StrategyAction, StrategyMeeting

MEETINGS_SHOWN = 5


@dataclass(frozen=True)
class OpenAction:
    action: StrategyAction
    overdue: bool
    can_mark_done: bool


def may_mark_done(user: User | None, action: StrategyAction) -> bool:
    """The action's owner, or a supervisor (RF-10: an action is followed up by a named person)."""
    if user is None or user.is_partner or not user.is_active:
        return False
    return user.pk == action.owner_id or user.role in SUPERVISING_ROLES


@provider("strategy_meetings")
def strategy_meetings_section(person_ids: list[int], user: User | None) -> PageSection | None:
    if user is not None and user.is_partner:
        return None  # partners see their own returns in the portal, not the police record
    # The latest meetings in full (one more says there are earlier ones, which the chronology lists):
    # a child known for years can have hundreds, and every open action shows whatever its meeting's age.
    # On every child's page: statements built once (core.compiled, ADR 0067).
    meetings = compiled.where_one_of(
        StrategyMeeting,
        "t0.person_id",
        person_ids,
        related=("recorded_by", "organisation"),
        order="t0.held_at DESC, t0.id DESC",
        limit=MEETINGS_SHOWN + 1,
    )
    if not meetings:
        return None
    earlier = len(meetings) > MEETINGS_SHOWN
    meetings = meetings[:MEETINGS_SHOWN]
    now = clock.now()
    actions = [
        OpenAction(a, a.due_at < now, may_mark_done(user, a))
        for a in compiled.where_one_of(
            StrategyAction,
            "t2.person_id",  # t2: the meeting
            person_ids,
            also="t0.done_at IS NULL",
            related=("owner", "meeting"),
            order="t0.due_at, t0.id",
        )
    ]
    return PageSection(
        "strategy_meetings",
        "Strategy meetings",
        "referrals/_strategy_section.html",
        data={"meetings": meetings, "actions": actions, "earlier": earlier},
        order=40,
    )
