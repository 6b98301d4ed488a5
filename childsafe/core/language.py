"""QG-1: victim-blaming and adultifying language, checked as it is written.

The report found a CII writing "This is not out of character for this child to go missing" of a
child at risk of criminal exploitation, and "She appears to engage in risky business" of a
15-year-old at risk of exploitation. A phrase found is a prompt with a better wording, never a
refusal: the record is saved as written, the writer is shown the alternative, and each use is counted.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from childsafe.core import clock
from childsafe.core.errors import Prompt
from childsafe.core.models import LanguageFlag, LanguagePhrase, User

# The starting list, loaded by migration; administrators add and retire phrases.
DEFAULT_PHRASES = [
    ("not out of character", "Describe the risk each time the child goes missing; repeat episodes raise risk."),
    (
        "risky business",
        "Say what the child is at risk of and from whom (for example, 'at risk of sexual exploitation by adults').",
    ),
    (
        "putting herself at risk",
        "Describe the risk the child faces from others: children are not responsible for their own exploitation.",
    ),
    (
        "putting himself at risk",
        "Describe the risk the child faces from others: children are not responsible for their own exploitation.",
    ),
    (
        "putting themselves at risk",
        "Describe the risk the child faces from others: children are not responsible for their own exploitation.",
    ),
    ("lifestyle choice", "Describe what is happening to the child; a child cannot choose to be exploited."),
    ("sexually active", "If an adult or older child is involved, record it as possible sexual exploitation or abuse."),
    ("consented", "A child cannot consent to their own abuse or exploitation; record what happened."),
    (
        "boyfriend",
        "If the 'boyfriend' is an adult or much older, call him what he is: an adult who may be exploiting the child.",
    ),
    ("known to go missing", "Record the pattern as a risk factor: frequent missing episodes increase risk."),
    ("promiscuous", "Describe the risk of sexual exploitation and who poses it."),
    ("streetwise", "Describe the child's vulnerability; appearing 'streetwise' does not reduce risk."),
    ("medium due to age", "Grade on the child's circumstances and markers, not their age."),
]


@dataclass(frozen=True)
class Finding:
    phrase: str
    suggestion: str


@functools.lru_cache(maxsize=1024)
def _pattern(phrase: str) -> re.Pattern[str]:
    # Compiled once per phrase per process: a PPN checks each of its ten texts against every phrase.
    return re.compile(r"\b" + r"\s+".join(re.escape(w) for w in phrase.lower().split()) + r"\b")


def find(text: str, phrases: Iterable[LanguagePhrase] | None = None) -> list[Finding]:
    """The active phrases in `text`. Pass `phrases` (the active ones) to check many texts with one query."""
    lowered = (text or "").lower()
    if phrases is None:
        phrases = LanguagePhrase.objects.filter(active=True)
    return [Finding(p.phrase, p.suggestion) for p in phrases if _pattern(p.phrase).search(lowered)]


def check(
    *, texts: dict[str, str], user: User | None, subject_type: str = "", subject_id: str | int = "", record: bool = True
) -> list[Prompt]:
    """Prompts for every phrase in these fields; counts each use when `record` (a saved entry)."""
    prompts: list[Prompt] = []
    phrases = {p.phrase: p for p in LanguagePhrase.objects.filter(active=True)}
    now = clock.now()
    for field_name, text in texts.items():
        for found in find(text, phrases.values()):
            prompts.append(Prompt("QG-1", f'"{found.phrase}": {found.suggestion}', field=field_name))
            if record:
                LanguageFlag.objects.create(
                    phrase=phrases[found.phrase],
                    at=now,
                    user=user,
                    field=field_name,
                    subject_type=subject_type,
                    subject_id=str(subject_id),
                )
    return prompts
