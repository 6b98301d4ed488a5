"""What a service raises when it says no, and what it hands back when it asks for more."""

from __future__ import annotations

from dataclasses import dataclass


class RuleRefusal(Exception):
    """A guard refused the action. Carries the rule ID (RULES.md) and a plain-English message."""

    def __init__(self, rule_id: str, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.rule_id = rule_id
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.message}"


class InvalidInput(Exception):
    """Input that can't be taken, with the field it concerns and how to put it right."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class AccessDenied(Exception):
    """The user's role does not allow this action at all (as opposed to a record they can't see)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class JustificationRequired(Exception):
    """The record can be opened, but only with a stated reason (recorded in the s62 log)."""

    def __init__(self, person_id: int | None = None) -> None:
        super().__init__("A reason is needed to open this record.")
        self.person_id = person_id


@dataclass(frozen=True)
class Prompt:
    """Something the user is asked at the moment of entry (a prompt rule), returned by a service."""

    rule_id: str
    message: str
    field: str | None = None
