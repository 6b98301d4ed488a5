"""Finding the same child under another record: phonetic keys, name and date-of-birth similarity.

One matcher serves the duplicate check at entry (PL-2), person search and the intelligence check:
candidates come from indexed lookups (the name dictionary's keys below, the date of birth and its
day/month transposition; see people.search and ADR 0008), so the check stays fast at force scale;
scoring is in Python on that short list, and every score carries the reasons a handler reads.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import jellyfish

from childsafe.people.names import NAME_FAMILIES

_NICK_INDEX: dict[str, str] = {}
for _formal, _variants in NAME_FAMILIES.items():
    _NICK_INDEX[_formal] = _formal
    for _n in _variants:
        _NICK_INDEX.setdefault(_n, _formal)


@lru_cache(maxsize=100_000)
def normalise(text: str) -> str:
    """Lower-case ASCII words: accents dropped, apostrophes closed up, hyphens and the rest as spaces."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[\'`]", "", text)
    return " ".join(re.sub(r"[^a-z]+", " ", text).split())


def phonetic_key(name: str) -> str:
    """Metaphone of the first word of a name ("Smyth-Jones" -> key of "smyth"), at most 8 letters."""
    words = normalise(name).split()
    return jellyfish.metaphone(words[0])[:8] if words else ""


def canonical(word: str) -> str:
    """The family form of one name word: "jay" -> "jayden", "muhammad" -> "mohammed"."""
    return _NICK_INDEX.get(word, word)


def canonical_forename(name: str) -> str:
    first = normalise(name).split()
    return canonical(first[0]) if first else ""


def surname_norm(surname: str) -> str:
    """What the search index holds for a surname: "Smith-Jones" -> "smith jones"."""
    return normalise(surname)[:120]


def forename_norm(forenames: str) -> str:
    """What the search index holds for forenames: the first one, "Jayden Lee" -> "jayden"."""
    words = normalise(forenames).split()
    return words[0][:120] if words else ""


# --- The name dictionary's keys -------------------------------------------------------------------
# Each distinct name in the person table is stored once in the name dictionary (people.NameKey) under
# a handful of keys; a search looks up the keys of what was typed and gets back every stored name
# that is the same, sounds the same, is one typing error away, is in the same name family, or shares a
# part of a double-barrelled name. Kinds of key:
#   w:<word>      each word of the name, and the words run together ("smith jones" -> smithjones)
#   d:<word>      each word with one letter deleted (words of 4+ letters): a symmetric-deletion index,
#                 so one dropped, added, wrong or swapped letter on either side meets in one lookup
#   p:<metaphone> how each word sounds
#   c:<family>    the name family (nicknames, short forms, transliterations) for words in one
MIN_DELETION_LENGTH = 4


def _words(name_norm: str) -> list[str]:
    words = name_norm.split()
    return words + (["".join(words)] if len(words) > 1 else [])


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def stored_keys(name_norm: str) -> set[str]:
    """The keys a normalised name is stored under in the name dictionary."""
    keys: set[str] = set()
    for word in _words(name_norm):
        keys.add("w:" + word)
        if sound := jellyfish.metaphone(word)[:8]:
            keys.add("p:" + sound)
        if word in _NICK_INDEX:
            keys.add("c:" + _NICK_INDEX[word])
        if len(word) >= MIN_DELETION_LENGTH:
            keys.update("d:" + d for d in _deletions(word))
    return keys


def lookup_keys(name_norm: str) -> set[str]:
    """The keys to look up for a typed name: its own, and its one-letter deletions as words and keys."""
    keys: set[str] = set()
    for word in _words(name_norm):
        keys.add("w:" + word)
        keys.add("d:" + word)  # a stored name with one letter more
        if sound := jellyfish.metaphone(word)[:8]:
            keys.add("p:" + sound)
        if word in _NICK_INDEX:
            keys.add("c:" + _NICK_INDEX[word])
        if len(word) >= MIN_DELETION_LENGTH:
            for d in _deletions(word):
                keys.add("w:" + d)  # a stored name with one letter fewer
                keys.add("d:" + d)  # one letter different, or two swapped
    return keys


def transposed(dob: date | None) -> date | None:
    """The date with day and month swapped, where that is a real, different date (3/4 <-> 4/3)."""
    if dob is None or dob.day > 12 or dob.day == dob.month:
        return None
    try:
        return date(dob.year, dob.day, dob.month)
    except ValueError:
        return None


# --- Scoring ---------------------------------------------------------------------------------------


UNRELATED = 0.7


def _one_edit(a: str, b: str) -> bool:
    return len(a) >= MIN_DELETION_LENGTH and jellyfish.damerau_levenshtein_distance(a, b) == 1


@lru_cache(maxsize=100_000)
def _word_similarity(a: str, b: str, what: str) -> tuple[float, str]:
    """How alike two single name words are, and why, in the words a handler reads."""
    if a == b:
        return 1.0, f"same {what}"
    if canonical(a) == canonical(b):
        return 0.95, f"{what} is a known short form or other spelling"
    if _one_edit(a, b):
        return 0.9, f"{what} spelt differently"
    jw = jellyfish.jaro_winkler_similarity(a, b)
    if jellyfish.metaphone(a) == jellyfish.metaphone(b):
        return max(0.85, jw), f"{what} sounds the same"
    if jw >= 0.85:
        return jw, f"similar {what}"
    # Below this, Jaro-Winkler only says two unrelated names share a letter or two: no evidence.
    return (jw, "") if jw >= UNRELATED else (0.0, "")


def forename_similarity(a: str, b: str) -> float:
    return forename_match(a, b)[0]


@lru_cache(maxsize=100_000)
def forename_match(wanted: str, candidate: str) -> tuple[float, str]:
    """The first forename typed against each of the candidate's forenames (a middle name counts less)."""
    want = normalise(wanted).split()
    have = normalise(candidate).split()
    if not want or not have:
        return 0.0, ""
    best = (0.0, "")
    for i, word in enumerate(have):
        sim, why = _word_similarity(want[0], word, "first name" if i == 0 else "middle name")
        if i:
            sim -= 0.05
        if sim > best[0]:
            best = (sim, why)
    # A middle name typed but not on the record counts a little against it ("John Paul" v "John").
    unexplained = [w for w in want[1:] if all(_word_similarity(w, h, "")[0] < 0.85 for h in have[1:])]
    if unexplained:
        best = (best[0] - 0.1, best[1])
    return best


def surname_similarity(a: str, b: str) -> float:
    return surname_match(a, b)[0]


@lru_cache(maxsize=100_000)
def surname_match(wanted: str, candidate: str) -> tuple[float, str]:
    """Whole surnames, then the parts of a double-barrelled or hyphenated one ("Smith-Jones"/"Smith")."""
    want, have = normalise(wanted), normalise(candidate)
    if not want or not have:
        return 0.0, ""
    if want.replace(" ", "") == have.replace(" ", ""):
        return 1.0, "same surname"
    whole = _word_similarity(want.replace(" ", ""), have.replace(" ", ""), "surname")
    parts_a, parts_b = want.split(), have.split()
    if len(parts_a) > 1 or len(parts_b) > 1:
        best_part = max((_word_similarity(x, y, "surname") for x in parts_a for y in parts_b), key=lambda sw: sw[0])
        if best_part[0] >= 0.9 and best_part[0] * 0.95 > whole[0]:
            return best_part[0] * 0.95, "one part of a double-barrelled surname matches"
    return whole


@dataclass(frozen=True)
class Born:
    """What is known of the date of birth being looked for: a date, or a range (a year, an age range)."""

    exact: date | None = None
    earliest: date | None = None
    latest: date | None = None
    description: str = ""

    @property
    def known(self) -> bool:
        return self.exact is not None or self.earliest is not None

    def bounds(self) -> tuple[date, date] | None:
        if self.exact is not None:
            return None
        if self.earliest is None or self.latest is None:
            return None
        return self.earliest, self.latest


def dob_similarity(a: date | None, b: date | None) -> tuple[float, str]:
    if a is None or b is None:
        return 0.3, "date of birth not known on one record"
    if a == b:
        return 1.0, "same date of birth"
    if transposed(a) == b:
        return 0.85, "date of birth with day and month swapped"
    if a.year == b.year and a.month == b.month:
        return 0.6, "same month and year of birth"
    if abs(a.year - b.year) == 1 and a.month == b.month and a.day == b.day:
        return 0.6, "date of birth one year apart"
    if a.month == b.month and a.day == b.day and abs(a.year - b.year) <= 10:
        return 0.5, "same day and month of birth"
    if a.year == b.year:
        return 0.45, "same year of birth"
    return 0.0, "different date of birth"


def born_similarity(born: Born, candidate: date | None) -> tuple[float, str]:
    if born.exact is not None or not born.known:
        return dob_similarity(born.exact, candidate)
    if candidate is None:
        return 0.3, "date of birth not known on the record"
    assert born.earliest is not None and born.latest is not None
    if born.earliest <= candidate <= born.latest:
        return 0.8, born.description
    return 0.0, "born outside the range searched for"


@dataclass
class Match:
    person_id: int
    score: float
    reasons: list[str] = field(default_factory=list)


# Weights of the three kinds of evidence; the date of birth counts most because it is typed from a
# document more often than a name is spelt from one.
SURNAME_WEIGHT, FORENAME_WEIGHT, DOB_WEIGHT = 0.35, 0.25, 0.40


def compare(
    *,
    forenames: str,
    surname: str,
    born: Born,
    candidate_forenames: str,
    candidate_surname: str,
    candidate_dob: date | None,
) -> Match:
    """How well a record matches what was searched for; evidence not given is left out of the score."""
    reasons: list[str] = []
    total = weight = 0.0
    if surname:
        s, why = surname_match(surname, candidate_surname)
        total += SURNAME_WEIGHT * s
        weight += SURNAME_WEIGHT
        if why:
            reasons.append(why)
    if forenames:
        f, why = forename_match(forenames, candidate_forenames)
        total += FORENAME_WEIGHT * f
        weight += FORENAME_WEIGHT
        if why:
            reasons.append(why)
    if born.known:
        d, why = born_similarity(born, candidate_dob)
        total += DOB_WEIGHT * d
        weight += DOB_WEIGHT
        reasons.append(why)
    return Match(person_id=0, score=round(total / weight, 3) if weight else 0.0, reasons=reasons)


def score(
    forenames: str,
    surname: str,
    dob: date | None,
    candidate_forenames: str,
    candidate_surname: str,
    candidate_dob: date | None,
) -> Match:
    """The duplicate check's comparison (PL-2): all three kinds of evidence, an unknown date counting low."""
    f, f_why = forename_match(forenames, candidate_forenames)
    s, s_why = surname_match(surname, candidate_surname)
    d, d_why = dob_similarity(dob, candidate_dob)
    total = SURNAME_WEIGHT * s + FORENAME_WEIGHT * f + DOB_WEIGHT * d
    return Match(person_id=0, score=round(total, 3), reasons=[r for r in (s_why, f_why, d_why) if r])


DUPLICATE_THRESHOLD = 0.78
