"""What referrals adds to the child's chronology (PL-1): PPNs, Encompass notices, strategy meetings (RF-10);
and to the intelligence check (CR-4): the child's recent PPNs and their state, and PPNs still due (RF-7)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Prefetch, Q

from childsafe.core import clock
from childsafe.core.templatetags.govuk import london
from childsafe.people.chronology import Entry, provider
from childsafe.people.intelligence import Section
from childsafe.people.intelligence import provider as intelligence_provider
from childsafe.referrals.models import (
    EncompassNotification,
    PpnChild,
    PpnOtherChild,
    PpnRequirement,
    PpnStatus,
    StrategyAction,
    StrategyMeeting,
)

_STATUSES = dict(PpnStatus.choices)


def _latest(qs, limit: int | None):
    return qs[:limit] if limit is not None else qs


# A PPN older than this is history (the chronology has it); a newer one, or one still waiting, is current work.
RECENT_PPNS = timedelta(days=90)


@intelligence_provider("referrals")
def referrals_intelligence(cluster: list[int]) -> Section | None:
    """CR-4 "open referrals": the child's PPNs waiting for VAT or recent, with their state; PPNs due about
    them and not yet submitted (RF-7); and recent PPNs on which they were named but not referred (RF-8)."""
    since = clock.now() - RECENT_PPNS
    # The recent ones and the older ones still waiting, in one query (a round trip less), split here.
    rows = list(
        PpnChild.objects.filter(person_id__in=cluster)
        .filter(Q(ppn__submitted_at__gte=since) | Q(ppn__status=PpnStatus.SUBMITTED, ppn__submitted_at__lt=since))
        .select_related("ppn")
        .defer("aware")
        .order_by("-ppn__submitted_at", "-id")
    )
    entries = [e for e in rows if e.ppn.submitted_at >= since][:10]
    waiting = [e for e in rows if e.ppn.submitted_at < since][:10]
    due = list(PpnRequirement.objects.filter(children__id__in=cluster, satisfied_at__isnull=True).distinct()[:10])
    not_referred = list(
        PpnOtherChild.objects.filter(person_id__in=cluster, ppn__submitted_at__gte=since).select_related("ppn")[:10]
    )
    if not (entries or waiting or due or not_referred):
        return None
    items = [
        f"{e.ppn}: {e.ppn.get_status_display().lower()}, submitted {london(e.ppn.submitted_at)}. {e.ppn.concern[:200]}"
        for e in [*waiting, *entries]
    ]
    items += [f"PPN due, not yet submitted: {r}. {r.reason[:200]}" for r in due]
    items += [f"Named on {o.ppn} but not referred: {o.reason[:200]}" for o in not_referred]
    return Section(
        "referrals",
        "Referrals (PPNs)",
        items,
        priority=30,
        warning="A PPN about this child is still due." if due else "",
        data={"ppns": [e.ppn_id for e in [*waiting, *entries]], "requirements": [r.pk for r in due]},
    )


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
        .order_by("-created_at", "-id")
        .values_list("created_at", "organisation_id", "organisation__name", "problem", "person_id")
    )
    for created_at, organisation_id, organisation_name, problem, person_id in _latest(notes, limit):
        where = organisation_name if organisation_id is not None else "no school or local authority known"
        yield Entry(
            created_at,
            "encompass",
            f"Operation Encompass notice to {where}",
            detail=problem,
            source="referrals",
            person_id=person_id,
        )
    meetings = (
        StrategyMeeting.objects.filter(person_id__in=person_ids)
        .select_related("organisation")
        .order_by("-held_at", "-id")
    )
    # Each meeting's actions with their owners in one query (not one for the actions and one for the owners).
    with_actions = Prefetch("actions", queryset=StrategyAction.objects.select_related("owner"))
    for meeting in _latest(meetings, limit).prefetch_related(with_actions):
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
