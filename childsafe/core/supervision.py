"""What makes a supervision entry superficial (INV-2, RSO-7): one check, used wherever a supervisor writes.

The report found supervision entries that said only "seen", "noted" or "agreed": a record that a
supervisor looked, not what they thought or told the officer to do. A pure function, so every app's
supervision service (offenders, investigations) can refuse the same thing with the same words.
"""

from __future__ import annotations

import re

from childsafe.core.errors import RuleRefusal

# Words that, alone or together, say only that the supervisor looked.
ACKNOWLEDGEMENTS = frozenset(
    {
        "seen",
        "noted",
        "agreed",
        "agree",
        "ok",
        "okay",
        "fine",
        "checked",
        "reviewed",
        "read",
        "approved",
        "acknowledged",
        "continue",
        "content",
        "satisfied",
        "happy",
        "no",
        "issues",
        "concerns",
        "nfa",
        "all",
        "in",
        "order",
        "as",
        "above",
        "per",
        "plan",
        "and",
        "by",
        "me",
        "supervisor",
        "entry",
        "thanks",
        "thank",
        "you",
        "good",
        "work",
    }
)
# Fewer words than this is a note, not supervision: a rationale says what was decided and why.
MIN_WORDS = 8
# Words that show reasoning or direction: a short entry carrying one of them is still a decision.
REASONING = re.compile(
    r"\b(because|since|so that|therefore|due to|as the|given|risk|action|next|review|by \d|ensure|must|should|"
    r"need|needs|arrange|visit|check|contact|refer|discuss|plan to|consider)\b",
    re.IGNORECASE,
)
SUGGESTION = (
    "Say what you reviewed, what you decided and why, and what happens next, with a date: for example "
    "\u201cRisk stays high because of the second phone found on 3 May; DC Shaw to check it at the home "
    "visit by 10 May.\u201d"
)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def superficial_entry_problem(text: str) -> str | None:
    """Why this supervision entry says nothing a reader could act on, with a suggestion; None if it's fine."""
    words = _words(text or "")
    if not words:
        return "Enter what you reviewed and decided. " + SUGGESTION
    if all(w in ACKNOWLEDGEMENTS for w in words):
        quoted = " ".join(words[:6])
        return f"\u201c{quoted}\u201d records that you looked, not what you decided. " + SUGGESTION
    if len(words) < MIN_WORDS and not REASONING.search(text):
        return "This entry is too short to show your reasoning. " + SUGGESTION
    return None


# Filler that adds nothing to an acknowledgement ("noted - nothing further to add").
FILLER = frozenset(
    {"nothing", "further", "to", "add", "update", "updated", "n/a", "na", "nil", "none", "same", "progressing"}
    | {"hand", "dealt", "with", "i", "am", "the", "this", "is"}
)


def is_superficial(text: str) -> bool:
    """An entry made only of acknowledgements and filler, or empty: the lenient test for one field of a
    structured review (a line of enquiry may be short: "CCTV on Queen Street")."""
    words = _words(text or "")
    return not words or all(w in ACKNOWLEDGEMENTS or w in FILLER for w in words)


def require_reasoned_entry(
    text: str, rule_id: str, *, field: str | None = None, label: str = "entry", strict: bool = False
) -> str:
    """Refuse (under the caller's rule: INV-2 or RSO-7) an entry that says only "seen", "noted", "agreed"
    or the like, with the reason and a suggestion. `strict` also refuses a short entry with no reasoning
    (a free-text supervision note must carry its own). Returns the text stripped, for the caller to save."""
    problem = superficial_entry_problem(text)
    if not strict and problem is not None and not is_superficial(text):
        problem = None
    if problem is not None:
        raise RuleRefusal(rule_id, f"The {label} says nothing a reader could act on. {problem}", field=field)
    return (text or "").strip()
