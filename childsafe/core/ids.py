"""Human-readable record references: <PREFIX>-<London date>-<n>, numbered per day."""

from __future__ import annotations

from django.db import IntegrityError, connection, models, transaction
from django.db.models import F

from childsafe.core import clock


def next_daily_reference(model: type[models.Model], prefix: str) -> str:
    """The day's next number, from the day's counter (core.DailyCounter), incremented in the caller's
    transaction if there is one (else in a transaction of its own, one statement, which a busy caller such as
    the PPN submission prefers: ADR 0056): a concurrent caller waits for this one to commit and then takes the
    number after, so
    twenty officers submitting at once get twenty numbers, not a clash. The day's first number carries on
    after the highest reference already taken that day (records made before the counter existed). The
    model's unique index on `reference` stays the final word: the caller retries on a clash."""
    from childsafe.core.models import DailyCounter

    key = f"{prefix}-{clock.now().astimezone(clock.LONDON).strftime('%Y%m%d')}"
    # Once the day's counter exists (every call but the day's first): one statement, no savepoint.
    with connection.cursor() as cursor:
        cursor.execute('UPDATE "core_dailycounter" SET "last" = "last" + 1 WHERE "key" = %s RETURNING "last"', [key])
        row = cursor.fetchone()
    if row is not None:
        return f"{key}-{row[0]:04d}"
    with transaction.atomic():
        if not DailyCounter.objects.filter(key=key).update(last=F("last") + 1):
            try:
                with transaction.atomic():
                    DailyCounter.objects.create(key=key, last=_highest_taken(model, key) + 1)
            except IntegrityError:  # another caller made the day's counter first
                DailyCounter.objects.filter(key=key).update(last=F("last") + 1)
        number = DailyCounter.objects.filter(key=key).values_list("last", flat=True).get()
    return f"{key}-{number:04d}"


def _highest_taken(model: type[models.Model], key: str) -> int:
    last = (
        model._default_manager.filter(reference__startswith=f"{key}-")
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    tail = last.rsplit("-", 1)[1] if last else ""
    return int(tail) if tail.isdigit() else 0
