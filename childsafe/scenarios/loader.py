"""Reading scenario YAML with line numbers, so every error names the line it is about."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import yaml


class ScenarioError(Exception):
    """A mistake in a scenario file: names the file and line, and says how to put it right."""

    def __init__(self, message: str, line: int | None = None, path: str = "") -> None:
        self.message = message
        self.line = line
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:" if self.path else ""
        where += f"line {self.line}: " if self.line else ""
        return f"{where}{self.message}"


class Node(dict):
    """A mapping that remembers the line it started on (1-based)."""

    line: int = 0


class NodeList(list):
    line: int = 0


class _Loader(yaml.SafeLoader):
    """YAML 1.2 booleans only: `on`, `off`, `yes` and `no` stay words (FORMAT.md uses `on: ep`)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _mapping(loader: _Loader, node: yaml.MappingNode) -> Node:
    out = Node(loader.construct_mapping(node, deep=True))
    out.line = node.start_mark.line + 1
    return out


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> NodeList:
    out = NodeList(loader.construct_sequence(node, deep=True))
    out.line = node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def load(text: str, path: str = "") -> Node:
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ScenarioError(
            f"This is not valid YAML: {getattr(exc, 'problem', exc)}", mark.line + 1 if mark else None, path
        ) from None
    if not isinstance(data, Node):
        raise ScenarioError("A scenario is a mapping with id, title, start, setup, steps and expect.", 1, path)
    return data


def line_of(value: Any, default: int = 0) -> int:
    return getattr(value, "line", 0) or default


def check_fields(node: Any, allowed: set[str], what: str, path: str, *, required: set[str] = frozenset()) -> None:
    if not isinstance(node, dict):
        raise ScenarioError(f"{what} must be a mapping of fields.", line_of(node), path)
    unknown = sorted(set(node) - allowed)
    if unknown:
        raise ScenarioError(
            f"{what} has an unknown field {unknown[0]!r}. Known fields: {', '.join(sorted(allowed))}.",
            line_of(node),
            path,
        )
    missing = sorted(required - set(node))
    if missing:
        raise ScenarioError(f"{what} needs the field {missing[0]!r}.", line_of(node), path)


_OFFSET = re.compile(r"^([+-])\s*((?:\d+[dhm])+)$")
_PART = re.compile(r"(\d+)([dhm])")


def parse_offset(text: str) -> timedelta | None:
    match = _OFFSET.match(str(text).strip())
    if not match:
        return None
    total = timedelta()
    for amount, unit in _PART.findall(match.group(2)):
        total += {
            "d": timedelta(days=int(amount)),
            "h": timedelta(hours=int(amount)),
            "m": timedelta(minutes=int(amount)),
        }[unit]
    return -total if match.group(1) == "-" else total


def parse_time(value: Any, relative_to: datetime, *, line: int = 0, path: str = "") -> datetime:
    """An offset ("+90m", "-2h", "+1d2h") from `relative_to`, or an absolute ISO time with its offset."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ScenarioError(f"The time {value} needs a UTC offset, like 2022-06-01T21:00:00+01:00.", line, path)
        return value.astimezone(UTC)
    if isinstance(value, date):
        raise ScenarioError(f"{value} is a date; give a time with its offset or an offset like +2h.", line, path)
    offset = parse_offset(str(value))
    if offset is not None:
        return relative_to + offset
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise ScenarioError(
            f"{value!r} is not a time. Use an offset like +90m, -2h, +3d, or an ISO time.", line, path
        ) from None
    if parsed.tzinfo is None:
        raise ScenarioError(f"The time {value} needs a UTC offset, like 2022-06-01T21:00:00+01:00.", line, path)
    return parsed.astimezone(UTC)
