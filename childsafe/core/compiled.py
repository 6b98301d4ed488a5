"""Statements the hottest paths run on every request, built from the models' metadata once per process instead
of compiled by the ORM on every call (ADR 0064).

- `get(Person, 42, related=("area", "placement"))` is `Person.objects.select_related("area", "placement")
  .filter(pk=42).first()`: the SELECT (the model's columns and each related model's, LEFT JOINed) is built
  the first time a shape is asked for and run with the key alone after that. The row is turned into models
  as the ORM does (the backend's and the fields' converters, `Model.from_db`), the related ones cached on
  the record, so reading `person.area` makes no statement.
- `in_bulk(Person, ids)` is `Person.objects.in_bulk(ids)` (with `related=` as `get`), in one statement whose
  text is the same whatever the number of ids on PostgreSQL (`one_of`).
- `where(Relationship, "t0.from_person_id = %s", [42], related=("to_person",), order="t0.id")` is the ORM's
  `select_related("to_person").filter(from_person_id=42).order_by("id")`, the condition and the order
  written in SQL over the model's table (`t0`): for a read on every page whose filter the ORM would compile
  afresh each time; `where_one_of(Bail, "t0.suspect_id", ids, ...)` is its `filter(suspect_id__in=ids)`.
  `related` follows paths as the ORM does (`"investigation__officer"`: the investigation
  as `t1`, its officer as `t2`, in the order named), and `limit=` is the ORM's slice `[:n]`.
- `insert(events)` is `AuditEvent.objects.bulk_create(events)` for new records of one model: one INSERT of
  every row, their keys set from RETURNING, the values prepared by each field as the ORM prepares them
  (`pre_save`, `get_db_prep_save`). No signals are sent (as `bulk_create`).

They are for reads and writes on every request of a hot path (a person opened through need to know on every
PPN and intelligence check; the audit event every write appends), where the ORM's compiling was the largest
part of the CPU (bench/README.md, ppn_api; the intelligence check, ADR 0066). Anything off those paths, and
every update, stays an ORM query.

`one_of(column, values)` is the condition "column is one of these values" for a plain statement: on PostgreSQL
one array parameter, so the statement's text is the same however many values there are and the connection
prepares it once (ADR 0063, ADR 0066).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)

Converter = Callable[[Any, Any, Any], Any]


@dataclass(frozen=True)
class _Part:
    model: type[models.Model]
    attnames: list[str]
    converters: list[tuple[int, list[tuple[Converter, Any]]]]  # column index, its converters and expression
    start: int
    end: int
    pk_index: int
    field: models.ForeignKey | None  # the foreign key this part is read through (None: the main model)
    parent: int  # the part whose record that foreign key is on (0: the main model's)


@dataclass(frozen=True)
class _Plan:
    select: str  # the SELECT and its joins, no WHERE
    key: str  # the main table's key column, as the WHERE names it
    parts: list[_Part]

    @property
    def sql(self) -> str:
        return f"{self.select} WHERE {self.key} = %s"


_plans: dict[tuple[str, type[models.Model], tuple[str, ...], tuple[str, ...]], _Plan] = {}
_plans_lock = threading.Lock()


def get(model: type[M], pk: Any, *, related: tuple[str, ...] = ()) -> M | None:
    """The record with this primary key, its `related` foreign keys' records cached on it; None if none."""
    plan = _plan(model, related)
    key = model._meta.pk.get_prep_value(pk)  # as the ORM: a key that isn't one is a ValueError, not SQL's
    if not _in_range(model, key):
        return None  # as the ORM: a key out of the column's range finds nothing (an API's /people/10**30)
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, [key])
        row = cursor.fetchone()
    return None if row is None else _record(plan, row)  # type: ignore[return-value]


def in_bulk(model: type[M], pks: Iterable[Any], *, related: tuple[str, ...] = ()) -> dict[Any, M]:
    """`Model.objects.select_related(*related).in_bulk(pks)`: the records with these keys, by key, in one
    statement whose text, on PostgreSQL, is the same however many keys there are (`one_of`)."""
    plan = _plan(model, related)
    keys = sorted({key for pk in pks if _in_range(model, key := model._meta.pk.get_prep_value(pk))})
    if not keys:
        return {}
    condition, params = one_of(plan.key, keys)
    with connection.cursor() as cursor:
        cursor.execute(f"{plan.select} WHERE {condition}", params)
        rows = cursor.fetchall()
    return {record.pk: record for record in (_record(plan, row) for row in rows)}  # type: ignore[misc]


def where(
    model: type[M],
    condition: str,
    params: Sequence[Any],
    *,
    related: tuple[str, ...] = (),
    order: str = "",
    limit: int | None = None,
    defer: tuple[str, ...] = (),
) -> list[M]:
    """`Model.objects.select_related(*related).defer(*defer).filter(...).order_by(...)[:limit]` with the
    filter written as plain SQL over the model's table, aliased `t0` (`t0.person_id = %s`; a list through
    `one_of`), and `order` likewise (`t0.id`; a related model's columns by its alias: `t1.opened_at DESC`, the
    first named being `t1`). Give an order wherever the model's Meta has one: nothing is ordered unless asked.
    The SELECT is built once per process; the rows become records as in `get`. `defer` names the model's own
    fields not to read (a large JSON field), read from the database if touched, as the ORM's `defer`."""
    plan = _plan(model, related, defer)
    sql = f"{plan.select} WHERE {condition}" + (f" ORDER BY {order}" if order else "")
    params = list(params)
    if limit is not None:
        sql += " LIMIT %s"
        params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [_record(plan, row) for row in rows]  # type: ignore[misc]


def where_one_of(
    model: type[M],
    column: str,
    values: Iterable[Any],
    *,
    also: str = "",
    params: Sequence[Any] = (),
    related: tuple[str, ...] = (),
    order: str = "",
    limit: int | None = None,
    defer: tuple[str, ...] = (),
) -> list[M]:
    """`where` for the commonest read: the records whose `column` (`t0.person_id`) is one of `values`
    (`one_of`), and `also` (SQL with `params`) if given: `where_one_of(Bail, "t0.suspect_id", ids,
    also="t0.ended_at IS NULL", related=("investigation",), order="t0.ends_at, t0.id")`."""
    condition, found = one_of(column, values)
    if also:
        condition = f"{condition} AND ({also})"
    return where(model, condition, [*found, *params], related=related, order=order, limit=limit, defer=defer)


def _in_range(model: type[models.Model], key: Any) -> bool:
    low, high = connection.ops.integer_field_range(model._meta.pk.get_internal_type()) or (None, None)
    return not (isinstance(key, int) and (low is not None and key < low or high is not None and key > high))


def _record(plan: _Plan, row: tuple[Any, ...]) -> models.Model:
    """The main record of a row, with the related records read with it cached on it (and theirs on them)."""
    records = [_build(part, row) for part in plan.parts]
    for part, record in zip(plan.parts[1:], records[1:], strict=True):
        assert part.field is not None
        holder = records[part.parent]
        if holder is not None:  # an empty foreign key on the way: nothing to hang this on
            part.field.set_cached_value(holder, record)
    main = records[0]
    assert main is not None
    return main


def _build(part: _Part, row: tuple[Any, ...]) -> models.Model | None:
    values = list(row[part.start : part.end])
    if part.field is not None and values[part.pk_index] is None:
        return None  # the LEFT JOIN found nothing: the foreign key is empty
    for index, converters in part.converters:
        value = values[index]
        for convert, expression in converters:
            value = convert(value, expression, connection)
        values[index] = value
    return part.model.from_db(connection.alias, part.attnames, values)


P = TypeVar("P")


def _cached(cache: dict[Any, P], key: Hashable, build: Callable[[], P]) -> P:
    """The statement built for this key, built once per process (two threads asking first: built once)."""
    found = cache.get(key)
    if found is None:
        with _plans_lock:
            found = cache.get(key)
            if found is None:
                found = cache[key] = build()
    return found


def _plan(model: type[models.Model], related: tuple[str, ...], defer: tuple[str, ...] = ()) -> _Plan:
    return _cached(_plans, (connection.vendor, model, related, defer), partial(_compile, model, related, defer))


def _compile(model: type[models.Model], related: tuple[str, ...], defer: tuple[str, ...] = ()) -> _Plan:
    quote = connection.ops.quote_name
    columns: list[str] = []
    joins: list[str] = []
    parts: list[_Part] = []

    deferred = {model._meta.get_field(name) for name in defer}
    if model._meta.pk in deferred:
        raise ValueError(f"{model.__name__}'s key cannot be deferred.")

    def add(part_model: type[models.Model], alias: str, field: models.ForeignKey | None, parent: int) -> None:
        # In the model's own order: `from_db` takes a whole row positionally, or the fields it names when some
        # are deferred (the main model's only).
        fields = [f for f in part_model._meta.concrete_fields if field is not None or f not in deferred]
        pk_index = fields.index(part_model._meta.pk)  # empty: the LEFT JOIN found nothing
        start = len(columns)
        converters = []
        for index, f in enumerate(fields):
            columns.append(f"{alias}.{quote(f.column)}")
            expression = f.get_col(alias)
            found = [*connection.ops.get_db_converters(expression), *expression.get_db_converters(connection)]
            if found:
                converters.append((index, [(convert, expression) for convert in found]))
        parts.append(
            _Part(part_model, [f.attname for f in fields], converters, start, len(columns), pk_index, field, parent)
        )

    add(model, "t0", None, 0)
    joined: dict[str, int] = {"": 0}  # a path ("investigation__officer") to its part, and so its alias t<n>
    for name in related:
        path = ""
        for step in name.split("__"):
            holder = joined[path]
            path = f"{path}__{step}" if path else step
            if path in joined:
                continue
            holder_model = parts[holder].model
            field = holder_model._meta.get_field(step)
            if not isinstance(field, models.ForeignKey):
                raise ValueError(f"{holder_model.__name__}.{step} is not a foreign key.")
            target = field.related_model
            assert isinstance(target, type)
            alias = f"t{len(parts)}"
            joins.append(
                f"LEFT JOIN {quote(target._meta.db_table)} {alias} "
                f"ON {alias}.{quote(field.target_field.column)} = t{holder}.{quote(field.column)}"
            )
            joined[path] = len(parts)
            add(target, alias, field, holder)
    select = f"SELECT {', '.join(columns)} FROM {quote(model._meta.db_table)} t0 {' '.join(joins)}"  # noqa: S608 -- names from the models
    return _Plan(select.rstrip(), f"t0.{quote(model._meta.pk.column)}", parts)


@dataclass(frozen=True)
class _Insert:
    sql: str
    fields: list[models.Field]


_inserts: dict[tuple[str, type[models.Model], int], _Insert] = {}
# Rows per INSERT: a long batch (an erasure's or a bulk import's events) is several statements, each well
# within SQLite's limit of parameters, and at most this many statements are kept per model.
INSERT_BATCH = 100


def insert(records: Sequence[M]) -> None:
    """INSERT these new records of one model in one statement and give each its key (RETURNING, in order)."""
    if not records:
        return
    model = type(records[0])
    if any(type(r) is not model or not r._state.adding or r.pk is not None for r in records):
        raise ValueError("compiled.insert takes new records of one model, without keys.")
    attname = model._meta.pk.attname
    for start in range(0, len(records), INSERT_BATCH):
        batch = records[start : start + INSERT_BATCH]
        rows = len(batch)
        plan = _cached(_inserts, (connection.vendor, model, rows), partial(_compile_insert, model, rows))
        params = [f.get_db_prep_save(f.pre_save(r, True), connection) for r in batch for f in plan.fields]
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            keys = [row[0] for row in cursor.fetchall()]
        for record, pk in zip(batch, keys, strict=True):
            setattr(record, attname, pk)
            record._state.adding = False
            record._state.db = connection.alias


def _compile_insert(model: type[models.Model], rows: int) -> _Insert:
    quote = connection.ops.quote_name
    meta = model._meta
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
    row = f"({', '.join(['%s'] * len(fields))})"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608 -- names from the models
        f"VALUES {', '.join([row] * rows)} RETURNING {quote(meta.pk.column)}"
    )
    return _Insert(sql, fields)


def one_of(column: str, values: Iterable[Any]) -> tuple[str, list[Any]]:
    """The condition "`column` is one of `values`" for a plain statement, and its parameters.

    On PostgreSQL, `column = ANY(%s)` with the values as one array: the same text whatever their number, so
    the connection prepares it once and PostgreSQL plans it once (ADR 0063), where `IN (%s, %s, ...)` is a
    new statement, parsed and planned afresh, for every length. Elsewhere the IN list (SQLite prepares a
    statement in process, for little). No values: a condition nothing meets. The values go as they are:
    adapt them first where the driver needs it (a date on SQLite: `connection.ops.adapt_datefield_value`).
    """
    listed = list(values)
    if not listed:
        return "1 = 0", []
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [listed]
    return f"{column} IN ({', '.join(['%s'] * len(listed))})", listed
