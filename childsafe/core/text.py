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


# The same rule as _NOT_TEXT, written for the OpenAPI schema (an ECMA regex), so a client or a schema-driven
# test knows which text is refused. Lone surrogates can't be sent in UTF-8 JSON at all.
SCHEMA_PATTERN = r"^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$"


def ApiText(max_length: int, *, min_length: int = 0) -> Any:  # noqa: N802 - used like a type
    """A text field in an API schema: the model's length limit and no control characters, both documented
    in the OpenAPI schema (the pattern is documented there; the check is ours, which also knows surrogates)."""
    return Annotated[
        str,
        StringConstraints(min_length=min_length, max_length=max_length),
        AfterValidator(_api_check),
        WithJsonSchemaExtra({"pattern": SCHEMA_PATTERN}),
    ]


class WithJsonSchemaExtra:
    """Adds keys to a field's JSON schema without changing how it validates."""

    def __init__(self, extra: dict[str, Any]) -> None:
        self.extra = extra

    def __get_pydantic_json_schema__(self, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema = handler(core_schema)
        schema.update(self.extra)
        return schema


# The reason given for a record outside the user's area or current work (the `justification` parameter).
Justification: Any = Annotated[
    ApiText(500),
    WithJsonSchemaExtra(
        {
            "description": "Why you need a record outside your area or current work: what it is for and a few "
            "words that say why, e.g. 'Missing person search: seen with Ella in Whitby on Friday'. Recorded.",
        }
    ),
]


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
