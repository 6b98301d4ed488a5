"""What referrals adds to the child's chronology (PL-1): PPNs, Encompass notices, strategy meetings (RF-10)."""

from __future__ import annotations

from collections.abc import Iterable

from childsafe.people.chronology import Entry, provider
from childsafe.referrals.models import EncompassNotification, PpnChild, PpnStatus, StrategyMeeting

_STATUSES = dict(PpnStatus.choices)


def _latest(qs, limit: int | None):
    return qs[:limit] if limit is not None else qs


@provider("referrals")
def referrals_chronology(person_ids: list[int], user, limit: int | None = None) -> Iterable[Entry]:
    # Plain rows (AWARE, JSON, is not read at all): a child known for years has hundreds of PPNs (ADR 0036).
    ppns = (
        PpnChild.objects.filter(person_id__in=person_ids)
        .order_by("-ppn__submitted_at", "-ppn_id")
        .values_list("person_id", "ppn_id", "ppn__submitted_at", "ppn__reference", "ppn__status", "ppn__concern")
    )
    for person_id, pk, submitted_at, reference, status, concern in _latest(ppns, limit):
        yield Entry(
            submitted_at,
            "ppn",
            f"PPN {reference} submitted ({str(_STATUSES.get(status, status)).lower()})",
            detail=concern,
            url=f"/referrals/{pk}/",
            source="referrals",
            person_id=person_id,
        )
    notes = (
        EncompassNotification.objects.filter(person_id__in=person_ids)
        .select_related("organisation")
        .order_by("-created_at", "-id")
    )
    for note in _latest(notes, limit):
        where = note.organisation.name if note.organisation else "no school or local authority known"
        yield Entry(
            note.created_at,
            "encompass",
            f"Operation Encompass notice to {where}",
            detail=note.problem,
            source="referrals",
            person_id=note.person_id,
        )
    meetings = (
        StrategyMeeting.objects.filter(person_id__in=person_ids)
        .select_related("organisation")
        .order_by("-held_at", "-id")
    )
    for meeting in _latest(meetings, limit).prefetch_related("actions__owner"):
        actions = "; ".join(f"{a.action} ({a.owner.username}, due {a.due_at:%d %b})" for a in meeting.actions.all())
        yield Entry(
            meeting.held_at,
            "strategy_meeting",
            f"Strategy meeting (outcome sent by {meeting.organisation})"
            if meeting.organisation
            else "Strategy meeting",
            detail=f"Decisions: {meeting.decisions}" + (f" Actions: {actions}" if actions else ""),
            source="referrals",
            person_id=meeting.person_id,
        )
