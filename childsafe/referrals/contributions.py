"""What referrals adds to the child's chronology (PL-1): PPNs, Encompass notices, strategy meetings (RF-10)."""

from __future__ import annotations

from collections.abc import Iterable

from childsafe.people.chronology import Entry, provider
from childsafe.referrals.models import EncompassNotification, PpnChild, StrategyMeeting


@provider("referrals")
def referrals_chronology(person_ids: list[int], user) -> Iterable[Entry]:
    # AWARE (JSON) is not shown here: not read, not decoded.
    for entry in PpnChild.objects.filter(person_id__in=person_ids).select_related("ppn").defer("aware"):
        ppn = entry.ppn
        yield Entry(
            ppn.submitted_at,
            "ppn",
            f"{ppn} submitted ({ppn.get_status_display().lower()})",
            detail=ppn.concern,
            url=f"/referrals/{ppn.pk}/",
            source="referrals",
            person_id=entry.person_id,
        )
    for note in EncompassNotification.objects.filter(person_id__in=person_ids).select_related("organisation"):
        where = note.organisation.name if note.organisation else "no school or local authority known"
        yield Entry(
            note.created_at,
            "encompass",
            f"Operation Encompass notice to {where}",
            detail=note.problem,
            source="referrals",
            person_id=note.person_id,
        )
    meetings = StrategyMeeting.objects.filter(person_id__in=person_ids).select_related("organisation")
    for meeting in meetings.prefetch_related("actions__owner"):
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
