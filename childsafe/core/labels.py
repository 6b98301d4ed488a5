"""Plain English for codes that reach a page: audit event names, roles, markers, message kinds, and the
old and new values an audit line records.

Codes stay in the data, the audit and the API; people read labels. Apps register their vocabularies
here (`register_choices`) rather than core importing them, and an unknown code still reads as words
("county_lines" -> "County lines"), never as a code or a Python dict.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db import models

from childsafe.core import policy
from childsafe.core.roles import Role

_CODES: dict[str, str] = {}

# Whole event names whose words a rule of thumb would get wrong.
EVENTS = {
    "alert.acknowledge": "Acknowledged an alert",
    "api_token.create": "Issued an API token",
    "audit.view": "Looked at the audit log",
    "audit.view_person": "Looked at the audit log for a person",
    "audit.view_user": "Looked at the audit log for a user",
    "demo.chronology": "Loaded the demo chronology",
    "demo.generate": "Generated the demo force",
    "demo.history": "Loaded the demo history",
    "encompass.create": "Created an Operation Encompass notification",
    "encompass.view": "Viewed an Operation Encompass notification",
    "encompass.acknowledge": "Acknowledged an Operation Encompass notification",
    "encompass.reconciliation.export": "Exported the Operation Encompass reconciliation",
    "identity.link": "Linked records as the same person",
    "identity.unlink": "Unlinked records",
    "incident.add_information": "Added information to an incident",
    "incident.record": "Recorded an incident",
    "incident.view": "Viewed an incident",
    "language_phrase.save": "Changed the language list",
    "linkage.run": "Ran the duplicate finder",
    "linkage.review": "Confirmed a suggested duplicate",
    "linkage.reject": "Rejected a suggested duplicate",
    "location.plan": "Recorded a hotspot plan",
    "marker.add": "Added a warning marker",
    "marker.end": "Ended a warning marker",
    "mhet.import": "Imported MHET's spreadsheets",
    "missing.report": "Reported a child missing",
    "missing.episode.view": "Viewed a missing episode",
    "missing.grade": "Graded a missing episode",
    "missing.assign": "Assigned a missing episode",
    "missing.action": "Added a line of enquiry",
    "missing.action_update": "Updated a line of enquiry",
    "missing.review": "Recorded a supervisory review",
    "missing.found": "Recorded a missing child's return",
    "missing.safe_and_well": "Recorded a safe and well check",
    "missing.close": "Closed a missing episode",
    "missing.sign_off": "Signed off a missing episode",
    "missing.rhi.view": "Viewed a return home interview",
    "missing.import": "Imported a past missing episode",
    "organisation.covers_set": "Set the postcodes a local authority covers",
    "organisation.create": "Created an organisation",
    "outbox.retry": "Sent a failed message again",
    "person.api_read": "Read a person's record through the API",
    "person.view": "Viewed a person's record",
    "person.create": "Created a person's record",
    "person.update": "Changed a person's record",
    "ppn.view": "Viewed a PPN",
    "ppn.submit": "Submitted a PPN",
    "ppn.triage": "Triaged a PPN",
    "ppn.review": "Reviewed a PPN in the monthly sample",
    "ppn.review_view": "Viewed a PPN for the monthly sample",
    "ppn.acknowledge": "Acknowledged a PPN",
    "ppn.delay": "Approved a delay to a PPN",
    "ppn.delay_view": "Viewed a PPN that is due",
    "ppn.draft_save": "Saved a PPN draft",
    "ppn.draft_view": "Viewed a PPN draft",
    "ppn.draft_submit": "Submitted a PPN draft",
    "ppn.draft_discard": "Discarded a PPN draft",
    "ppn.partner_view": "A partner viewed a PPN",
    "relationship.add": "Added a relationship",
    "rhi.receive": "Received a return home interview",
    "rhi.record": "Recorded a return home interview",
    "school.calendar": "Loaded a school's calendar",
    "school.enrol": "Enrolled a child at a school",
    "setting.change": "Changed a setting",
    "strategy_action.done": "Marked a strategy meeting action done",
    "strategy_meeting.form": "Opened the strategy meeting form",
    "strategy_meeting.record": "Recorded a strategy meeting",
    "strategy_outcome.form": "Opened the strategy meeting outcome form",
    "strategy_outcome.return": "Sent back a strategy meeting outcome",
    "thrive.record": "Recorded a THRIVE assessment",
    "trigger_plan.create": "Recorded a trigger plan",
    "trigger_plan.view": "Viewed a trigger plan",
    "user.create": "Created an account",
    "user.rank_set": "Set a user's rank",
    "user.skill_award": "Recorded an accreditation",
}

# The last word of an event name, as a verb, for events not listed above.
ACTIONS = {
    "view": "Viewed",
    "read": "Read",
    "create": "Created",
    "record": "Recorded",
    "add": "Added",
    "update": "Updated",
    "edit": "Changed",
    "change": "Changed",
    "set": "Set",
    "save": "Saved",
    "submit": "Submitted",
    "acknowledge": "Acknowledged",
    "allocate": "Allocated",
    "assign": "Assigned",
    "close": "Closed",
    "open": "Opened",
    "end": "Ended",
    "grade": "Graded",
    "regrade": "Regraded",
    "review": "Reviewed",
    "supervise": "Recorded supervision of",
    "triage": "Triaged",
    "link": "Linked",
    "unlink": "Unlinked",
    "export": "Exported",
    "import": "Imported",
    "retry": "Retried",
    "done": "Marked done",
    "return": "Returned",
    "start": "Started",
    "publish": "Published",
    "flag": "Flagged",
    "approve": "Approved",
    "refuse": "Refused",
    "discard": "Discarded",
}

# Words a plain "replace the underscores" would spell wrongly.
WORDS = {
    "ppn": "PPN",
    "ppns": "PPNs",
    "rhi": "return home interview",
    "mhet": "MHET",
    "vat": "VAT",
    "fim": "FIM",
    "cii": "CII",
    "api": "API",
    "dfu": "DFU",
    "omu": "OMU",
    "mace": "MACE",
    "thrive": "THRIVE",
    "aware": "AWARE",
    "rso": "RSO",
    "vio": "VIO",
    "cse": "CSE",
    "cce": "CCE",
    "la": "local authority",
    "id": "ID",
}

MESSAGE_KINDS = {
    "missing_return": "Missing child returned (to the local authority)",
    "ppn_referral": "PPN referral",
    "encompass": "Operation Encompass notification",
    "police_protection": "Child in police protection (to the local authority)",
    "rso_referral": "Offender's contact with a child (to the local authority)",
}

CHANNELS = {"web": "on the web", "api": "through the API", "cli": "by command", "worker": "by the worker",
            "replay": "in a scenario replay"}  # fmt: skip

VALUE_KEYS = {
    "markers_acknowledged": "Notes against markers",
    "officer_in_case": "Officer in the case",
    "found_at": "Found at",
    "self_returned": "Returned by themselves",
    "new_concerns": "New concerns",
    "delay_reason": "Reason for the delay",
    "approved_by": "Approved by",
}


def register_choices(choices: type[models.Choices] | Iterable[tuple[str, str]]) -> None:
    """Let pages show these codes by their labels (a vocabulary whose codes are unique, like markers)."""
    pairs = choices.choices if isinstance(choices, type) else choices
    for code, label in pairs:
        _CODES.setdefault(str(code), str(label))


register_choices(Role)


def words(code: Any) -> str:
    """A code as words: its registered label, else its parts spelt out ("county_lines" -> "County lines")."""
    text = str(code)
    if text in _CODES:
        return _CODES[text]
    parts = [WORDS.get(w, w) for w in text.replace(".", " ").replace("_", " ").split()]
    if not parts:
        return ""
    first = parts[0]
    return " ".join([first[:1].upper() + first[1:], *parts[1:]])


def role(code: Any) -> str:
    return _CODES.get(str(code), words(code)) if code else ""


def event(code: str) -> str:
    """An audit event name in words: 'missing.episode.view' -> 'Viewed a missing episode'."""
    refused = code.endswith(".refused")
    base = code.removesuffix(".refused")
    text = EVENTS.get(base)
    if text is None:
        *nouns, last = base.split(".") if "." in base else ("", base)
        action_words = last.split("_")
        if action_words[-1] in ACTIONS:
            noun = " ".join(n for n in [*nouns, *action_words[:-1]] if n)
            text = f"{ACTIONS[action_words[-1]]} {_a(_lower(words(noun)))}".strip()
        elif action_words[0] in ACTIONS:
            noun = " ".join(n for n in [*nouns, *action_words[1:]] if n)
            text = f"{ACTIONS[action_words[0]]} {_a(_lower(words(noun)))}".strip()
        else:
            text = words(base)
    return f"{text} (refused)" if refused else text


def message_kind(code: str) -> str:
    return MESSAGE_KINDS.get(code, words(code))


def channel(code: str) -> str:
    return CHANNELS.get(code, words(code).lower())


def actor(label: str) -> str:
    """'pc_city (response_officer)' as recorded -> 'pc_city (Response officer)'."""
    name, sep, rest = label.rpartition(" (")
    if sep and rest.endswith(")") and rest[:-1] in _CODES:
        return f"{name} ({_CODES[rest[:-1]]})"
    return label


def value(raw: Any) -> str:
    """A recorded value in words: yes/no, lists joined, nested mappings as 'Label: value', codes as labels."""
    if raw is None or raw == "":
        return "–"
    if isinstance(raw, bool):
        return "Yes" if raw else "No"
    if isinstance(raw, dict):
        return "; ".join(f"{key_label(k)}: {value(v)}" for k, v in raw.items()) or "–"
    if isinstance(raw, list | tuple | set):
        return ", ".join(value(v) for v in raw) or "–"
    if isinstance(raw, str):
        if raw in _CODES:
            return _CODES[raw]
        try:
            when = datetime.fromisoformat(raw)
        except ValueError:
            return raw
        if when.tzinfo is not None:
            from childsafe.core.templatetags.govuk import london

            return london(when)
        return raw
    return str(raw)


def key_label(key: Any) -> str:
    text = str(key)
    return VALUE_KEYS.get(text) or words(text)


def changes(values: dict[str, Any] | None) -> list[tuple[str, str]]:
    """An audit line's old or new values as (label, words) pairs; a policy setting by its description."""
    pairs = []
    for k, v in (values or {}).items():
        try:
            setting = policy.definition(str(k))
        except KeyError:
            pairs.append((key_label(k), value(v)))
        else:
            pairs.append((setting.description.rstrip("."), setting_value(setting, v)))
    return pairs


def subject(subject_type: str) -> str:
    """What kind of record an audit line is about: 'missing.missingepisode' -> 'Missing episode'."""
    if not subject_type:
        return ""
    try:
        model = apps.get_model(subject_type)
    except (LookupError, ValueError):
        return words(subject_type.rsplit(".", 1)[-1])
    name = str(model._meta.verbose_name)
    return name[:1].upper() + name[1:]


def setting_value(setting: Any, raw: Any) -> str:
    """A policy setting's value with its unit, in words: '30 minutes', '10%', 'Yes', 'Initial inquiry, ...'."""
    unit = getattr(setting, "unit", "")
    if unit == "flag":
        return "Yes" if raw in (True, "True", "true", "1", 1) else "No"
    if unit == "list":
        return ", ".join(words(item) for item in str(raw).split(",") if item.strip())
    if unit == "percent":
        return f"{raw}%"
    if unit in ("count", "time"):
        return str(raw)
    return f"{raw} {unit}"


def _a(noun: str) -> str:
    """'a' or 'an' before a noun, by its sound: an investigation, an MHET import, a PPN."""
    if not noun:
        return noun
    first = noun.split()[0]
    vowel_sound = first[0] in "AEFHILMNORSX" if first.isupper() and len(first) > 1 else first[0].lower() in "aeiou"
    return f"{'an' if vowel_sound else 'a'} {noun}"


def _lower(text: str) -> str:
    # Keep acronyms (PPN, MHET) as they are; lower an ordinary first word.
    if len(text) > 1 and text[1:2].isupper():
        return text
    return text[:1].lower() + text[1:]
