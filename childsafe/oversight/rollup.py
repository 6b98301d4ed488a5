"""QG-3: the dashboard's monthly roll-up of cleared alerts (ADR 0062).

Five years of a force's alerts are about half a million rows; counting them and sorting their lateness on
every view of the dashboard took seconds. A cleared alert never changes again (it cannot be acknowledged,
escalated, moved or reopened), so once it is counted in its month's `ClockMonth` it need not be read
again. The worker rolls up what has cleared since it last ran (an engine chore); the dashboard adds the
cells of the whole months in its period to the alerts it still reads: the part-months at the ends and
every alert not rolled up yet. So a figure is the same whether the roll-up ran a minute ago, a week ago
or never; only the time it takes differs.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import BooleanField, ExpressionWrapper, F, FloatField, Q
from django.db.models.expressions import RawSQL

from childsafe.core import clock
from childsafe.core.models import Alert

# Alerts counted per transaction: each batch is marked and added to its months together, or not at all.
BATCH = 5000

MET = Q(cleared_at__isnull=False, due_by__isnull=False, cleared_at__lte=F("due_by"))


def hours_late(now: datetime) -> RawSQL:
    """Hours from an alert's due time to when it cleared (or now), in the database's own arithmetic.

    The SQL holds only our own quoted column names; the one value (now) is a query parameter."""
    table = connection.ops.quote_name(Alert._meta.db_table)
    cleared, due = (
        f"{table}.{connection.ops.quote_name('cleared_at')}",
        f"{table}.{connection.ops.quote_name('due_by')}",
    )
    if connection.vendor == "sqlite":  # datetimes are stored as UTC text, which julianday() reads
        stamp = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        sql = f"(julianday(COALESCE({cleared}, %s)) - julianday({due})) * 24.0"
        return RawSQL(sql, [stamp], FloatField())  # noqa: S611
    sql = f"CAST(EXTRACT(EPOCH FROM (COALESCE({cleared}, %s) - {due})) / 3600.0 AS double precision)"
    return RawSQL(sql, [now], FloatField())  # noqa: S611


def late_minutes(hours: float | None) -> int:
    """A breach's lateness in whole minutes (never negative): the one rounding the live figures and the
    roll-up share, so the two give the same percentiles."""
    return round(max(0.0, float(hours or 0.0)) * 60)


def pack(minutes: Iterable[int]) -> bytes:
    values = array("i", sorted(minutes))
    if sys.byteorder == "big":
        values.byteswap()
    return values.tobytes()


def unpack(data: bytes | memoryview | None) -> list[int]:
    values = array("i")
    values.frombytes(bytes(data or b""))
    if sys.byteorder == "big":
        values.byteswap()
    return values.tolist()


@dataclass
class _Cell:
    raised: int = 0
    met: int = 0
    acknowledged: int = 0
    escalated: int = 0
    late: list[int] = field(default_factory=list)


@dataclass
class RollUpResult:
    alerts: int = 0
    months: int = 0  # cells created or added to
    conflict: bool = False  # another process was rolling up the same alerts: it counts them, not us


def roll_up(*, batch: int = BATCH) -> RollUpResult:
    """Count every cleared alert not yet rolled up into its rule's, area's and month's cell.

    Safe at any time and from several processes: an alert is marked rolled up by a conditional update in
    the same transaction that adds it to its cell, so it is counted once or not at all."""
    from childsafe.oversight.models import ClockMonth

    result = RollUpResult()
    after = 0
    now = clock.now()  # lateness of a cleared alert doesn't depend on it; the expression needs a value
    while True:
        rows = list(
            Alert.objects.filter(rolled_up=False, cleared_at__isnull=False, pk__gt=after)
            .order_by("pk")
            .annotate(
                was_met=ExpressionWrapper(MET, output_field=BooleanField()),
                late=hours_late(now),
            )
            .values_list(
                "pk", "rule_id", "owner_area_id", "raised_at", "was_met", "acknowledged_at", "escalation_level", "late"
            )[:batch]
        )
        if not rows:
            return result
        after = rows[-1][0]
        cells: dict[tuple[str, int | None, date], _Cell] = {}
        for _pk, rule_id, area_id, raised_at, met, acknowledged_at, level, late in rows:
            cell = cells.setdefault((rule_id, area_id, clock.month_of(raised_at)), _Cell())
            cell.raised += 1
            cell.met += 1 if met else 0
            cell.acknowledged += 1 if acknowledged_at is not None else 0
            cell.escalated += 1 if level else 0
            if not met:
                cell.late.append(late_minutes(late))
        try:
            with transaction.atomic():
                pks = [r[0] for r in rows]
                marked = Alert.objects.filter(pk__in=pks, rolled_up=False).update(rolled_up=True)
                if marked != len(pks):
                    raise _Conflict
                _add_to_months(ClockMonth, cells)
        except (_Conflict, IntegrityError):
            result.conflict = True
            return result
        result.alerts += len(rows)
        result.months += len(cells)


class _Conflict(Exception):
    pass


def _add_to_months(model, cells: dict[tuple[str, int | None, date], _Cell]) -> None:
    existing = {
        (c.rule_id, c.area_id, c.month): c
        for c in model.objects.select_for_update().filter(
            rule_id__in={k[0] for k in cells}, month__in={k[2] for k in cells}
        )
    }
    new, changed = [], []
    for (rule_id, area_id, month), cell in cells.items():
        row = existing.get((rule_id, area_id, month))
        if row is None:
            row = model(rule_id=rule_id, area_id=area_id, month=month)
            new.append(row)
        else:
            changed.append(row)
        row.raised += cell.raised
        row.met += cell.met
        row.acknowledged += cell.acknowledged
        row.escalated += cell.escalated
        row.late_minutes = pack(unpack(row.late_minutes) + cell.late)
    model.objects.bulk_create(new)
    model.objects.bulk_update(changed, ["raised", "met", "acknowledged", "escalated", "late_minutes"])
