"""Human-readable record references: <PREFIX>-<London date>-<n>, numbered per day."""

from __future__ import annotations

from django.db import models

from childsafe.core import clock


def next_daily_reference(model: type[models.Model], prefix: str) -> str:
    """The day's next number, after the highest taken (not the count, which a gap or a concurrent call could
    repeat). The model's unique index on `reference` is the final word: the caller retries on a clash."""
    day = clock.now().astimezone(clock.LONDON).strftime("%Y%m%d")
    last = (
        model._default_manager.filter(reference__startswith=f"{prefix}-{day}-")
        .order_by("-reference")
        .values_list("reference", flat=True)
        .first()
    )
    return f"{prefix}-{day}-{(int(last.rsplit('-', 1)[1]) if last else 0) + 1:04d}"
