"""Text that can be stored and shown: no NUL, no control characters, normal Unicode kept (issue 10, item 5).

A NUL byte can't be stored by PostgreSQL (a 500 before this), control characters corrupt exports
and screens, and a lone surrogate can't be encoded at all. Tabs and line breaks stay: notes have
paragraphs. One check, used by the services' text checks, every form's text fields and the API.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from pydantic import AfterValidator, StringConstraints

# C0 controls but tab, line feed and carriage return; DEL and the C1 controls; lone surrogates.
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

MESSAGE = (
    "contains a character that can't be stored (a control character such as NUL, often pasted in by "
    "mistake). Remove it and try again."
)


def has_bad_characters(value: Any) -> bool:
    return isinstance(value, str) and _NOT_TEXT.search(value) is not None


def problem(value: Any, label: str) -> str | None:
    """A plain-English message when `value` can't be stored as text, naming the field by its label."""
    return f"The {label} {MESSAGE}" if has_bad_characters(value) else None


def validate_plain_text(value: Any) -> None:
    """A Django validator, on every form's text fields (see CoreConfig.ready)."""
    if has_bad_characters(value):
        raise ValidationError(f"The text {MESSAGE}", code="control_characters")


def _api_check(value: str) -> str:
    if has_bad_characters(value):
        raise ValueError(f"The text {MESSAGE}")
    return value


def ApiText(max_length: int, *, min_length: int = 0) -> Any:  # noqa: N802 - used like a type
    """A text field in an API schema: the model's length limit (documented in the OpenAPI schema) and
    no control characters."""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length), AfterValidator(_api_check)]


def bad_strings(value: Any, path: str = "body") -> dict[str, str]:
    """Every string in a decoded JSON body (keys and values) that can't be stored, by where it is."""
    found: dict[str, str] = {}
    if isinstance(value, str):
        if has_bad_characters(value):
            found[path] = f"The text {MESSAGE}"
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path != "body" else str(key)
            if has_bad_characters(key):
                found[where] = f"This field's name {MESSAGE}"
            found.update(bad_strings(item, where))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found.update(bad_strings(item, f"{path}.{n}"))
    return found


def csv_safe(value: Any) -> Any:
    """A cell for a CSV export that can't become a formula when opened in a spreadsheet (CSV injection):
    text starting =, +, -, @, tab or carriage return gets a leading apostrophe. Numbers stay numbers."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


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
    """The one validator for the free text a service takes: trimmed, required or not, storable (`problem`),
    not too long. A problem goes into `errors[name]` (plain words naming the field: "Enter the summary.")
    so a service lists every problem at once."""
    value = str(value or "").strip()
    if required and not value:
        errors[name] = f"Enter {label}."
    elif has_bad_characters(value):
        errors[name] = f"{label[0].upper()}{label[1:]} {MESSAGE}"
    elif len(value) > max_length:
        errors[name] = (
            f"{label[0].upper()}{label[1:]} must be {max_length:,} characters or fewer (it is {len(value):,})."
        )
    return value
