"""The number of cases each clock watched in a period (ADR 0020, ADR 0047): the denominator of "cases
without a breach" on the dashboard.

Declared as data, one line per clock: the record the clock watches, the time that puts a case in a period
(the clock's start), and the path to its area. A clock not listed here shows its alert counts only, never
a share with an invented denominator. One count query per listed rule per render.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db.models import Exists, OuterRef, Q

from childsafe.incidents.models import CHILD_WELFARE_TYPES
from childsafe.oversight.dashboard import DENOMINATORS, Period


@dataclass(frozen=True)
class Through:
    """Where a case's area is found on other records (a PPN's children): a case is in an area when any of
    them is. Counted as EXISTS per case in the period, not a join made DISTINCT: the database starts from
    the period's cases whatever it guesses about the area's size."""

    model: str  # app_label.ModelName of the other records
    link: str  # their field holding the case's `outer`
    outer: str = "pk"


@dataclass(frozen=True)
class Watched:
    model: str  # app_label.ModelName
    started: str  # the field whose time puts a case in the period
    area: str  # the path to its area's id (from `through`'s records where given)
    only: dict[str, object] = field(default_factory=dict)  # a filter: which records the clock watches
    through: Through | None = None


# CR-3 watches child-concern incidents and missing reports (incidents.rules._child_incidents, by type).
CHILD_CONCERN = sorted(CHILD_WELFARE_TYPES)

WATCHED: dict[str, Watched] = {
    "CR-3": Watched("incidents.Incident", "created_at", "area_id", {"type__in": CHILD_CONCERN}),
    "MP-2": Watched("missing.MissingEpisode", "reported_at", "owner_area_id"),
    "MP-8": Watched("missing.MissingEpisode", "found_at", "owner_area_id"),
    "MP-9": Watched("missing.MissingEpisode", "found_at", "owner_area_id"),
    "MP-10": Watched("missing.MissingEpisode", "found_at", "owner_area_id"),
    "RF-3": Watched("referrals.Ppn", "submitted_at", "person__area_id", through=Through("referrals.PpnChild", "ppn")),
    "RF-6": Watched(
        "referrals.PpnShare", "shared_at", "person__area_id", through=Through("referrals.PpnChild", "ppn", "ppn_id")
    ),
    "RF-9": Watched("referrals.EncompassNotification", "due_by", "incident__area_id"),
    "RF-10": Watched("referrals.StrategyAction", "due_at", "meeting__person__area_id"),
    "INV-2": Watched("investigations.Investigation", "allocated_at", "area_id"),
    "INV-4": Watched("investigations.DfuRequest", "submitted_at", "investigation__area_id"),
    "PP-2": Watched("protection.PoliceProtection", "removed_at", "area_id"),
}


def _counter(watched: Watched):
    def count(period: Period, area_id: int | None) -> int:
        model = apps.get_model(watched.model)
        q = Q(**{f"{watched.started}__gte": period.since, f"{watched.started}__lt": period.until}, **watched.only)
        if area_id is not None and watched.through is None:
            q &= Q(**{watched.area: area_id})
        elif area_id is not None and watched.through is not None:
            others = apps.get_model(watched.through.model)._default_manager.filter(
                **{watched.through.link: OuterRef(watched.through.outer), watched.area: area_id}
            )
            q &= Q(Exists(others))
        return model._default_manager.filter(q).order_by().count()

    return count


def register() -> None:
    for rule_id, watched in WATCHED.items():
        DENOMINATORS.setdefault(rule_id, _counter(watched))
