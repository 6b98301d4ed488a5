"""One validator for the free text every service takes: trimmed, required or not, and not too long. The
message names the field in plain words ("Enter where the child was found.")."""

from __future__ import annotations

from typing import Any

TEXT_MAX = 10_000


def check_text(
    errors: dict[str, str],
    name: str,
    value: Any,
    label: str,
    *,
    required: bool = True,
    max_length: int = TEXT_MAX,
) -> str:
    """The text trimmed; a problem goes into `errors[name]` so a service can list every problem at once."""
    value = str(value or "").strip()
    if required and not value:
        errors[name] = f"Enter {label}."
    elif len(value) > max_length:
        errors[name] = (
            f"{label[0].upper()}{label[1:]} must be {max_length:,} characters or fewer (it is {len(value):,})."
        )
    return value
