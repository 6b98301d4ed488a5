"""Addresses and named places: normalising them so one place typed two ways is one location."""

from __future__ import annotations

import re

from childsafe.people.identity import normalise

# Which command area a town falls in. The force's three default areas (configurable in Area rows);
# towns not listed leave the area blank for a supervisor to set.
TOWN_AREAS = {
    "york": "city",
    "haxby": "city",
    "acomb": "city",
    "harrogate": "west",
    "skipton": "west",
    "ripon": "west",
    "selby": "west",
    "knaresborough": "west",
    "tadcaster": "west",
    "settle": "west",
    "scarborough": "east",
    "whitby": "east",
    "malton": "east",
    "northallerton": "east",
    "pickering": "east",
    "filey": "east",
    "thirsk": "east",
    "richmond": "east",
    "catterick": "east",
    "bedale": "east",
}

_NOISE = {"the", "former", "old", "disused", "ex"}
_POSTCODE = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?)\s*(\d[A-Z]{2})$")


def normalise_postcode(raw: str) -> str:
    compact = re.sub(r"\s+", "", raw or "").upper()
    match = _POSTCODE.match(compact)
    return f"{match.group(1)} {match.group(2)}" if match else (raw or "").strip().upper()


def is_valid_postcode(raw: str) -> bool:
    return bool(_POSTCODE.match(re.sub(r"\s+", "", raw or "").upper()))


_DISTRICT = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?$")
_SECTOR = re.compile(r"^([A-Z]{1,2}\d[A-Z\d]?) (\d)$")


def normalise_cover(raw: str) -> str | None:
    """A postcode district ("YO31") or sector ("YO31 7") in its standard form, or None if it is neither."""
    text = re.sub(r"\s+", " ", (raw or "").strip().upper())
    if _DISTRICT.match(text):
        return text
    compact = text.replace(" ", "")
    # A sector typed without its space ("YO317"): the last digit is the sector.
    if len(compact) >= 3 and compact[-1].isdigit() and _DISTRICT.match(compact[:-1]):
        candidate = f"{compact[:-1]} {compact[-1]}"
        if _SECTOR.match(candidate):
            return candidate
    return None


def cover_prefixes(postcode: str) -> list[str]:
    """The sector and the district a full postcode falls in, most specific first ("YO31 7", "YO31")."""
    compact = re.sub(r"\s+", "", postcode or "").upper()
    match = _POSTCODE.match(compact)
    if not match:
        return []
    return [f"{match.group(1)} {match.group(2)[0]}", match.group(1)]


def location_key(*parts: str) -> str:
    """'Former Royal Crescent Hotel, Whitby' and 'old Royal Crescent hotel whitby' give the same key."""
    words = normalise(" ".join(p for p in parts if p)).split()
    return " ".join(w for w in words if w not in _NOISE)


def area_code_for_town(town: str) -> str | None:
    return TOWN_AREAS.get(normalise(town))
