"""Superficial supervision entries (INV-2, RSO-7): one check, used wherever a supervisor writes a review.

The report found supervision of child-abuse investigations and of registered sex offenders recorded as
"seen", "noted" or "agreed", with no direction and no rationale. An entry that says only that (or
little more) is refused with the reason, so the supervisor writes what they decided and why. The rule
that applies (INV-2 for an investigation, RSO-7 for an offender) is the caller's.
"""

from __future__ import annotations

import re

from childsafe.core.errors import RuleRefusal

# Words that record that someone looked, not what they decided. An entry made only of these (and filler
# such as "ok", "all", "as above") says nothing a reviewer could act on.
EMPTY_WORDS = frozenset(
    {
        "seen",
        "noted",
        "agreed",
        "agree",
        "read",
        "reviewed",
        "checked",
        "ok",
        "okay",
        "fine",
        "content",
        "satisfied",
        "happy",
        "no",
        "issues",
        "concerns",
        "nothing",
        "further",
        "to",
        "add",
        "as",
        "above",
        "all",
        "and",
        "update",
        "updated",
        "n/a",
        "na",
        "nil",
        "none",
        "same",
        "continue",
        "progressing",
        "in",
        "hand",
        "dealt",
        "with",
        "by",
        "me",
        "i",
        "am",
        "the",
        "this",
        "is",
        "plan",
    }
)
# Fewer words than this cannot carry a decision and its reason.
MIN_WORDS = 4


def is_superficial(text: str) -> bool:
    """True when the entry records only that the work was looked at, not a decision with a reason."""
    words = re.findall(r"[a-z/']+", (text or "").lower())
    if len(words) < MIN_WORDS:
        return True
    return all(w in EMPTY_WORDS for w in words)


def require_reasoned_entry(text: str, rule_id: str, *, field: str | None = None, label: str = "entry") -> str:
    """Refuse (under the caller's rule) an entry that says only "seen", "noted", "agreed" or the like.

    Returns the text stripped, for the caller to save."""
    text = (text or "").strip()
    if is_superficial(text):
        raise RuleRefusal(
            rule_id,
            f"The {label} says only that it was seen or agreed. Write what you decided and why: the lines of "
            "enquiry to follow, the safeguarding needed and by whom.",
            field=field,
        )
    return text
