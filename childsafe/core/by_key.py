"""One record by its primary key, with the records its foreign keys name, in one statement the ORM compiled
once per process (ADR 0064).

`get(Person, 42, related=("area", "placement"))` is `Person.objects.select_related("area", "placement")
.filter(pk=42).first()` without compiling the statement on every call: the SELECT (the model's columns and
each related model's, LEFT JOINed) is built from the models' metadata the first time a shape is asked for,
and every later call runs it with the key alone. The rows are turned into models as the ORM does (the
backend's and the fields' converters, `Model.from_db`), the related ones cached on the record, so reading
`person.area` makes no statement.

It is for the reads on every request of a hot path (a person opened through need to know on every PPN or
intelligence check), where the ORM's compiling was the largest part of the CPU (bench/README.md, ppn_api).
Anything with a filter beyond the key, an ordering or more than one row stays an ORM query.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
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
    field: models.ForeignKey | None  # the main model's foreign key this part is read through


@dataclass(frozen=True)
class _Plan:
    sql: str
    parts: list[_Part]


_plans: dict[tuple[str, type[models.Model], tuple[str, ...]], _Plan] = {}
_plans_lock = threading.Lock()


def get(model: type[M], pk: Any, *, related: tuple[str, ...] = ()) -> M | None:
    """The record with this primary key, its `related` foreign keys' records cached on it; None if none."""
    plan = _plan(model, related)
    key = model._meta.pk.get_prep_value(pk)  # as the ORM: a key that isn't one is a ValueError, not SQL's
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, [key])
        row = cursor.fetchone()
    if row is None:
        return None
    main, *joined = (_build(part, row) for part in plan.parts)
    assert main is not None
    for part, record in zip(plan.parts[1:], joined, strict=True):
        assert part.field is not None
        part.field.set_cached_value(main, record)
    return main  # type: ignore[return-value]


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


def _plan(model: type[models.Model], related: tuple[str, ...]) -> _Plan:
    key = (connection.vendor, model, related)
    plan = _plans.get(key)
    if plan is None:
        with _plans_lock:
            plan = _plans.setdefault(key, _compile(model, related))
    return plan


def _compile(model: type[models.Model], related: tuple[str, ...]) -> _Plan:
    quote = connection.ops.quote_name
    columns: list[str] = []
    joins: list[str] = []
    parts: list[_Part] = []

    def add(part_model: type[models.Model], alias: str, field: models.ForeignKey | None) -> None:
        # In the model's own order: `from_db` takes a whole row positionally.
        fields = list(part_model._meta.concrete_fields)
        pk_index = fields.index(part_model._meta.pk)  # empty: the LEFT JOIN found nothing
        start = len(columns)
        converters = []
        for index, f in enumerate(fields):
            columns.append(f"{alias}.{quote(f.column)}")
            expression = f.get_col(alias)
            found = [*connection.ops.get_db_converters(expression), *expression.get_db_converters(connection)]
            if found:
                converters.append((index, [(convert, expression) for convert in found]))
        parts.append(_Part(part_model, [f.attname for f in fields], converters, start, len(columns), pk_index, field))

    add(model, "t0", None)
    for n, name in enumerate(related, 1):
        field = model._meta.get_field(name)
        if not isinstance(field, models.ForeignKey):
            raise ValueError(f"{model.__name__}.{name} is not a foreign key.")
        target = field.related_model
        assert isinstance(target, type)
        alias = f"t{n}"
        joins.append(
            f"LEFT JOIN {quote(target._meta.db_table)} {alias} "
            f"ON {alias}.{quote(field.target_field.column)} = t0.{quote(field.column)}"
        )
        add(target, alias, field)
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(model._meta.db_table)} t0 {' '.join(joins)} "  # noqa: S608 -- names from the models
        f"WHERE t0.{quote(model._meta.pk.column)} = %s"
    )
    return _Plan(sql, parts)
