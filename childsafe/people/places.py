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


def location_key(*parts: str) -> str:
    """'Former Royal Crescent Hotel, Whitby' and 'old Royal Crescent hotel whitby' give the same key."""
    words = normalise(" ".join(p for p in parts if p)).split()
    return " ".join(w for w in words if w not in _NOISE)


def area_code_for_town(town: str) -> str | None:
    return TOWN_AREAS.get(normalise(town))
