"""Finding the same child under another record: phonetic keys, name and date-of-birth similarity.

One matcher serves the duplicate check at entry (PL-2) and, later, search. Candidates come from
indexed columns (phonetic surname key, date of birth and its day/month transposition) so the check
stays fast at force scale; scoring is in Python on that short list.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

import jellyfish

# A few common nickname families; issue 5 grows this into a full table.
NICKNAMES: dict[str, set[str]] = {
    "jayden": {"jay", "jaydon", "jaiden"},
    "kathryn": {"katie", "kate", "kathy", "catherine", "katherine", "kat"},
    "william": {"will", "billy", "bill", "liam"},
    "robert": {"rob", "bob", "bobby", "robbie"},
    "elizabeth": {"liz", "lizzie", "beth", "betty", "eliza"},
    "mohammed": {"muhammad", "mohamed", "mohammad", "mohd"},
    "thomas": {"tom", "tommy"},
    "joshua": {"josh"},
    "daniel": {"dan", "danny"},
    "jessica": {"jess", "jessie"},
    "alexander": {"alex", "xander"},
    "rebecca": {"becky", "becca"},
    "samuel": {"sam", "sammy"},
    "charlotte": {"charlie", "lottie"},
    "oliver": {"ollie", "olly"},
    "benjamin": {"ben", "benny"},
    "joseph": {"joe", "joey"},
    "james": {"jamie", "jim", "jimmy"},
    "jacob": {"jake"},
    "isabella": {"bella", "izzy", "isabelle"},
    "olivia": {"liv", "livvy"},
    "matthew": {"matt", "matty"},
    "harrison": {"harry"},
    "frederick": {"freddie", "fred", "freddy"},
    "nathan": {"nate"},
    "christopher": {"chris"},
    "abigail": {"abbie", "abby"},
    "eleanor": {"ellie", "nell"},
    "michael": {"mike", "mikey"},
    "anthony": {"tony"},
    "edward": {"ed", "eddie", "ted"},
    "margaret": {"maggie", "meg", "peggy"},
    "victoria": {"vicky", "tori"},
    "amelia": {"millie", "amy"},
}
_NICK_INDEX: dict[str, str] = {}
for _formal, _nicks in NICKNAMES.items():
    _NICK_INDEX[_formal] = _formal
    for _n in _nicks:
        _NICK_INDEX.setdefault(_n, _formal)


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z ]+", " ", text.lower().replace("-", " ")).strip()


def phonetic_key(name: str) -> str:
    """Metaphone of the first word of a name ("Smyth-Jones" -> key of "smyth"), at most 8 letters."""
    words = normalise(name).split()
    return jellyfish.metaphone(words[0])[:8] if words else ""


def canonical_forename(name: str) -> str:
    first = normalise(name).split()
    return _NICK_INDEX.get(first[0], first[0]) if first else ""


def transposed(dob: date | None) -> date | None:
    """The date with day and month swapped, where that is a real, different date (3/4 <-> 4/3)."""
    if dob is None or dob.day > 12 or dob.day == dob.month:
        return None
    try:
        return date(dob.year, dob.day, dob.month)
    except ValueError:
        return None


def _similar(a: str, b: str) -> float:
    a, b = normalise(a), normalise(b)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    return jellyfish.jaro_winkler_similarity(a, b)


def forename_similarity(a: str, b: str) -> float:
    if canonical_forename(a) and canonical_forename(a) == canonical_forename(b):
        return 0.95
    return _similar(a.split()[0] if a.split() else a, b.split()[0] if b.split() else b)


def surname_similarity(a: str, b: str) -> float:
    whole = _similar(a, b)
    # Double-barrelled or hyphenated: "Smith-Jones" against "Smith" or "Jones".
    parts_a, parts_b = set(normalise(a).split()), set(normalise(b).split())
    if parts_a & parts_b and (len(parts_a) > 1 or len(parts_b) > 1):
        return max(whole, 0.9)
    return whole


def dob_similarity(a: date | None, b: date | None) -> tuple[float, str]:
    if a is None or b is None:
        return 0.3, "date of birth not known on one record"
    if a == b:
        return 1.0, "same date of birth"
    if transposed(a) == b:
        return 0.85, "date of birth with day and month swapped"
    if a.year == b.year and a.month == b.month:
        return 0.6, "same month and year of birth"
    if a.year == b.year:
        return 0.45, "same year of birth"
    if abs(a.year - b.year) == 1 and a.month == b.month and a.day == b.day:
        return 0.6, "date of birth one year apart"
    return 0.0, "different date of birth"


@dataclass
class Match:
    person_id: int
    score: float
    reasons: list[str] = field(default_factory=list)


def score(
    forenames: str,
    surname: str,
    dob: date | None,
    candidate_forenames: str,
    candidate_surname: str,
    candidate_dob: date | None,
) -> Match:
    f = forename_similarity(forenames, candidate_forenames)
    s = surname_similarity(surname, candidate_surname)
    d, dob_reason = dob_similarity(dob, candidate_dob)
    reasons = []
    if s >= 0.99:
        reasons.append("same surname")
    elif s >= 0.85:
        reasons.append("similar surname")
    elif phonetic_key(surname) and phonetic_key(surname) == phonetic_key(candidate_surname):
        reasons.append("surname sounds the same")
        s = max(s, 0.85)
    if f >= 0.99:
        reasons.append("same first name")
    elif f >= 0.95 and canonical_forename(forenames) == canonical_forename(candidate_forenames):
        reasons.append("first name is a known short form")
    elif f >= 0.85:
        reasons.append("similar first name")
    reasons.append(dob_reason)
    total = 0.35 * s + 0.25 * f + 0.40 * d
    return Match(person_id=0, score=round(total, 3), reasons=reasons)


DUPLICATE_THRESHOLD = 0.78
