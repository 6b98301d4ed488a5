"""The audit log can't be rewritten (PL-4, DPA 2018 s62, ASVS L3 logging).

Two locks on the log, each covering what the other can't:
- the database refuses UPDATE and DELETE (and on PostgreSQL TRUNCATE) of audit events with a trigger,
  so the application, a bug or a stolen application login can only ever append;
- each event carries a SHA-256 hash of its own values and of the previous event's hash, so someone
  who can drop the trigger (a database owner) still can't change, remove or insert an event without
  `childsafe audit verify` naming the first event where the chain breaks.

The functions here are pure enough for a migration to use on its historical model.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

GENESIS = "0" * 64
TABLE = "core_auditevent"

_HASHED = (
    "actor_id",
    "actor_label",
    "category",
    "event_type",
    "subject_type",
    "subject_id",
    "subject_label",
    "person_id",
    "channel",
    "justification",
    "recipient",
    "old_values",
    "new_values",
)


def _as_stored(value: Any) -> Any:
    # The hash must come out the same from the values as written and as read back from the database
    # (a JSON column turns integer keys into strings, tuples into lists).
    return json.loads(json.dumps(value, default=str)) if isinstance(value, (dict, list, tuple)) else value


def digest(event: Any, prev_hash: str) -> str:
    """The hash of one event's values, chained to the one before (works on the model and on a migration's)."""
    at: datetime = event.at
    payload = {name: _as_stored(getattr(event, name)) for name in _HASHED}
    payload["at"] = at.astimezone(UTC).isoformat(timespec="microseconds")
    payload["prev_hash"] = prev_hash
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Verdict:
    checked: int
    first_broken_id: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None and not self.problem


def check(events: Iterable[Any], *, tail_event_id: int | None, tail_hash: str | None) -> Verdict:
    """Walk the events in the order they were written (by id) and say where the chain first breaks."""
    prev = GENESIS
    checked = 0
    last_id: int | None = None
    for event in events:
        if event.prev_hash != prev:
            return Verdict(
                checked,
                event.pk,
                f"Event {event.pk} does not follow the event before it: an event before it was removed, "
                "inserted or changed.",
            )
        if digest(event, prev) != event.hash:
            return Verdict(checked, event.pk, f"Event {event.pk} was changed after it was written.")
        prev = event.hash
        last_id = event.pk
        checked += 1
    if tail_hash is not None and (tail_event_id != last_id or tail_hash != prev):
        return Verdict(
            checked,
            tail_event_id,
            f"The log ends at event {last_id} but was last written at event {tail_event_id}: "
            "the events after it were removed.",
        )
    return Verdict(checked)


def guard_sql(vendor: str) -> list[str]:
    """The statements that make audit events append-only on this database."""
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
            "BEGIN SELECT RAISE(ABORT, 'Audit events are append-only: UPDATE refused.'); END",
            f"CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
            "BEGIN SELECT RAISE(ABORT, 'Audit events are append-only: DELETE refused.'); END",
        ]
    if vendor == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'Audit events are append-only: % refused.', TG_OP "
            "USING ERRCODE = 'insufficient_privilege'; END $$",
            f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}",
            f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
            f"FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only()",
            f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
            f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_append_only()",
        ]
    raise NotImplementedError(f"No append-only guard for the {vendor} database.")


def unguard_sql(vendor: str) -> list[str]:
    """Only for a migration's reverse and a test database that must be emptied between tests."""
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {TABLE}_no_update", f"DROP TRIGGER IF EXISTS {TABLE}_no_delete"]
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}",
            f"DROP TRIGGER IF EXISTS {TABLE}_no_truncate ON {TABLE}",
            f"DROP FUNCTION IF EXISTS {TABLE}_append_only()",
        ]
    raise NotImplementedError(f"No append-only guard for the {vendor} database.")


def guard(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in guard_sql(connection.vendor):
            cursor.execute(statement)


def unguard(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for statement in unguard_sql(connection.vendor):
            cursor.execute(statement)
