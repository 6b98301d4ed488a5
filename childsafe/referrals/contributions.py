"""What referrals adds to the child's chronology (PL-1): PPNs, Encompass notices, strategy meetings (RF-10);
and to the intelligence check (CR-4): the child's recent PPNs and their state, and PPNs still due (RF-7)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from childsafe.core import clock, compiled
from childsafe.core.templatetags.govuk import london
from childsafe.people.chronology import Entry, Reads, Rows, Sql, provider, read, when
from childsafe.people.intelligence import Section
from childsafe.people.intelligence import provider as intelligence_provider
from childsafe.referrals.models import (
    PpnChild,
    PpnOtherChild,
    PpnRequirement,
    PpnStatus,
)

_STATUSES = dict(PpnStatus.choices)
_REQUIRED_CHILDREN = PpnRequirement.children.through._meta.db_table  # its columns: ppnrequirement_id, person_id


# A PPN older than this is history (the chronology has it); a newer one, or one still waiting, is current work.
RECENT_PPNS = timedelta(days=90)


# ADR 0065: a row when the child was ever referred, named on a PPN still due, or named but not referred.
_PROBE = """
    SELECT 1 FROM referrals_ppnchild c WHERE c.person_id IN ({ids})
    UNION ALL SELECT 1 FROM referrals_ppnrequirement_children r WHERE r.person_id IN ({ids})
    UNION ALL SELECT 1 FROM referrals_ppnotherchild o WHERE o.person_id IN ({ids})
"""


@intelligence_provider("referrals", probe=_PROBE)
def referrals_intelligence(cluster: list[int]) -> Section | None:
    """CR-4 "open referrals": the child's PPNs waiting for VAT or recent, with their state; PPNs due about
    them and not yet submitted (RF-7); and recent PPNs on which they were named but not referred (RF-8)."""
    since = clock.now() - RECENT_PPNS
    # Statements built once (core.compiled, ADR 0067): this runs on every check of a child ever referred.
    # The recent ones and the older ones still waiting, in one query (a round trip less), split here; t1 is
    # the PPN, and AWARE (JSON) is not read.
    rows = compiled.where_one_of(
        PpnChild,
        "t0.person_id",
        cluster,
        also="t1.submitted_at >= %s OR (t1.status = %s AND t1.submitted_at < %s)",
        params=[since, PpnStatus.SUBMITTED.value, since],
        related=("ppn",),
        order="t1.submitted_at DESC, t0.id DESC",
        defer=("aware",),
    )
    entries = [e for e in rows if e.ppn.submitted_at >= since][:10]
    waiting = [e for e in rows if e.ppn.submitted_at < since][:10]
    named, named_params = compiled.one_of("c.person_id", cluster)
    due = compiled.where(
        PpnRequirement,
        f"t0.satisfied_at IS NULL AND t0.id IN (SELECT c.ppnrequirement_id FROM {_REQUIRED_CHILDREN} c WHERE {named})",  # noqa: S608 -- a model's table
        named_params,
        order="t0.id",
        limit=10,
    )
    not_referred = compiled.where_one_of(
        PpnOtherChild,
        "t0.person_id",
        cluster,
        also="t1.submitted_at >= %s",
        params=[since],
        related=("ppn",),
        order="t0.id",
        limit=10,
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


# Plain rows in the chronology's one statement (ADR 0036, 0059): AWARE, JSON, is not read at all; a child
# known for years has hundreds of PPNs and meetings.
_PPNS = Sql(
    ("c.person_id", "c.ppn_id", "p.submitted_at", "p.reference", "p.status", "p.concern"),
    """
    FROM referrals_ppnchild c JOIN referrals_ppn p ON p.id = c.ppn_id
    WHERE c.person_id IN {ids}
    ORDER BY p.submitted_at DESC, c.ppn_id DESC {limit}""",
)
_NOTICES = Sql(
    ("n.created_at", "n.organisation_id", "o.name", "n.problem", "n.person_id"),
    """
    FROM referrals_encompassnotification n LEFT JOIN people_organisation o ON o.id = n.organisation_id
    WHERE n.person_id IN {ids}
    ORDER BY n.created_at DESC, n.id DESC {limit}""",
)
_MEETINGS = Sql(
    ("m.id", "m.person_id", "m.held_at", "m.decisions", "m.organisation_id", "o.name"),
    """
    FROM referrals_strategymeeting m LEFT JOIN people_organisation o ON o.id = m.organisation_id
    WHERE m.person_id IN {ids}
    ORDER BY m.held_at DESC, m.id DESC {limit}""",
)
# The actions of those meetings, with their owners, in the order a meeting lists them (due, then id).
_ACTIONS = Sql(
    ("a.meeting_id", "a.action", "u.username", "a.due_at"),
    """
    FROM referrals_strategyaction a JOIN core_user u ON u.id = a.owner_id
    WHERE a.meeting_id IN (SELECT m.id FROM referrals_strategymeeting m WHERE m.person_id IN {ids}
                           ORDER BY m.held_at DESC, m.id DESC {limit})
    ORDER BY a.due_at, a.id""",
)


@provider("referrals")
def referrals_chronology(person_ids: list[int], user, limit: int | None = None) -> Reads:
    return Reads([read(sql, person_ids, limit) for sql in (_PPNS, _NOTICES, _MEETINGS, _ACTIONS)], _entries)


def _entries(rows: list[Rows]) -> Iterator[Entry]:
    ppns, notices, meetings, action_rows = rows
    for person_id, pk, submitted_at, reference, status, concern in ppns:
        yield Entry(
            when(submitted_at),
            "ppn",
            f"PPN {reference} submitted ({str(_STATUSES.get(status, status)).lower()})",
            detail=concern,
            url=f"/referrals/{pk}/",
            source="referrals",
            person_id=person_id,
        )
    for created_at, organisation_id, organisation_name, problem, person_id in notices:
        where = organisation_name if organisation_id is not None else "no school or local authority known"
        yield Entry(
            when(created_at),
            "encompass",
            f"Operation Encompass notice to {where}",
            detail=problem,
            source="referrals",
            person_id=person_id,
        )
    actions: dict[int, list[str]] = {}
    for meeting_id, action, owner, due_at in action_rows:
        actions.setdefault(meeting_id, []).append(f"{action} ({owner}, due {when(due_at):%d %b})")
    for pk, person_id, held_at, decisions, organisation_id, organisation in meetings:
        agreed = "; ".join(actions.get(pk, ()))
        yield Entry(
            when(held_at),
            "strategy_meeting",
            f"Strategy meeting (outcome sent by {organisation})" if organisation_id is not None else "Strategy meeting",
            detail=f"Decisions: {decisions}" + (f" Actions: {agreed}" if agreed else ""),
            source="referrals",
            person_id=person_id,
        )
