"""Pick a person by name, inside any form (ADR 0030).

A form that names a person includes the picker instead of a box for a reference number. Without
JavaScript it is a search field and a "Search" button that submits the form it sits in: the page comes
back with what was typed kept, and the matches listed by name, date of birth or age and address, each
with a radio button (a checkbox where several people may be chosen). The chosen person's id travels
as the form's field value, so the user never sees or types it. A small script of ours
(static/childsafe/picker.js) fetches the same results as the user types.

The matches come from people.search (the same search as "Find a person"), narrowed to the people this
user may see in a list. Records that look like the same person are flagged, and "Record a new person"
keeps what was typed and comes back to the form with the new person chosen.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from childsafe.core import access, clock
from childsafe.core.errors import InvalidInput
from childsafe.core.models import User
from childsafe.core.roles import Capability
from childsafe.people import search as person_search
from childsafe.people.access import people_visible_to
from childsafe.people.models import Person, PersonAddress

SHOWN = 10
_DATE = re.compile(r"^(\d{1,2})[\s/.-]+(\d{1,2})[\s/.-]+(\d{4})$")
_AGE = re.compile(r"^(?:about\s+|around\s+|~)?(\d{1,2})(?:\s*(?:years?|yrs?)(?:\s*old)?)?$", re.IGNORECASE)
_YEAR = re.compile(r"^(?:born\s+(?:in\s+)?)?(\d{4})$", re.IGNORECASE)


@dataclass(frozen=True)
class Choice:
    person: Person
    age: int | None
    address: str
    reasons: list[str] = field(default_factory=list)

    @property
    def pk(self) -> int:
        return int(self.person.pk)


@dataclass
class Picker:
    name: str  # the form field the chosen person's id is posted as
    label: str
    multiple: bool = False
    hint: str = ""
    query: str = ""  # the name typed
    born: str = ""  # the date of birth, year or approximate age typed
    chosen: list[Choice] = field(default_factory=list)
    results: list[Choice] | None = None  # None: no search yet
    error: str = ""
    possible_duplicates: bool = False
    create_url: str = ""

    @property
    def chosen_ids(self) -> list[int]:
        return [c.pk for c in self.chosen]

    @property
    def people(self) -> list[Person]:
        return [c.person for c in self.chosen]

    @property
    def person(self) -> Person | None:
        return self.chosen[0].person if self.chosen else None

    @property
    def input_type(self) -> str:
        return "checkbox" if self.multiple else "radio"

    @property
    def search_button(self) -> str:
        return f"{self.name}_search"


def searching(data: Mapping[str, Any], *names: str) -> bool:
    """True when the user pressed a picker's "Search" button: show the matches, don't save the form."""
    return any(f"{name}_search" in data for name in names)


def _ids(values: Iterable[Any]) -> list[int]:
    found: list[int] = []
    for value in values:
        text = str(value or "").strip()
        if text.isdigit() and int(text) not in found:
            found.append(int(text))
    return found


def _values(data: Mapping[str, Any], name: str) -> list[Any]:
    getlist = getattr(data, "getlist", None)
    if getlist is not None:
        return list(getlist(name))
    value = data.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def born_fields(text: str, today: date | None = None) -> dict[str, Any]:
    """What was typed as "date of birth or approximate age", as people.search's fields."""
    text = text.strip()
    if not text:
        return {}
    if m := _DATE.match(text):
        day, month, year = (int(g) for g in m.groups())
        try:
            return {"dob": date(year, month, day)}
        except ValueError:
            raise InvalidInput({"born": "Enter a real date of birth, for example 27/3/2009."}) from None
    if m := _YEAR.match(text):
        return {"year": int(m.group(1))}
    if m := _AGE.match(text):
        age = int(m.group(1))
        return {"age_from": max(age - 1, 0), "age_to": age + 1}
    raise InvalidInput(
        {"born": "Enter a date of birth (27/3/2009), a year of birth (2009) or an approximate age (14)."}
    )


def _choices(people: list[Person], reasons: Mapping[int, list[str]] | None = None) -> list[Choice]:
    if not people:
        return []
    today = clock.today_london()
    addresses: dict[int, str] = {}
    rows = (
        PersonAddress.objects.filter(person_id__in=[p.pk for p in people], valid_to__isnull=True)
        .select_related("location")
        .order_by("person_id", "-valid_from")
    )
    for row in rows:
        addresses.setdefault(row.person_id, str(row.location))
    return [
        Choice(person=p, age=p.age_on(today), address=addresses.get(p.pk, ""), reasons=(reasons or {}).get(p.pk, []))
        for p in people
    ]


def _create_url(user: User, query: str, born: str, return_to: str, name: str) -> str:
    if not access.can(user, Capability.PERSON_CREATE):
        return ""
    words = query.split()
    params = {"forenames": " ".join(words[:-1]), "surname": words[-1] if words else ""}
    try:
        dob = born_fields(born).get("dob")
    except InvalidInput:
        dob = None
    if dob is not None:
        params["dob"] = dob.isoformat()
    if return_to:
        params["next"] = return_to
        params["pick"] = name
    return f"{reverse('people:create')}?{urlencode({k: v for k, v in params.items() if v})}"


def person_picker(
    data: Mapping[str, Any] | None,
    user: User,
    *,
    name: str,
    label: str,
    multiple: bool = False,
    hint: str = "",
    initial: Iterable[int] = (),
    return_to: str = "",
    suggested: Iterable[Person] = (),
    exclude: Iterable[int] = (),
) -> Picker:
    """Read the picker's part of a submitted form (or `initial` ids), and search if a name was typed.

    The chosen ids are kept only for people this user may see; others are dropped as if never chosen.
    """
    data = data or {}
    query = str(data.get(f"{name}_q", "") or "").strip()[:200]
    born = str(data.get(f"{name}_born", "") or "").strip()[:40]
    wanted_ids = _ids(_values(data, name)) or _ids(initial)
    if not multiple:
        wanted_ids = wanted_ids[:1]
    visible = people_visible_to(user).exclude(pk__in=list(exclude))
    found = visible.in_bulk(wanted_ids) if wanted_ids else {}
    picker = Picker(name=name, label=label, multiple=multiple, hint=hint, query=query, born=born)
    picker.chosen = _choices([found[i] for i in wanted_ids if i in found])
    if query or born:
        try:
            wanted = person_search.wanted_from(q=query, **born_fields(born))
        except InvalidInput as exc:
            picker.error = " ".join(str(m) for m in exc.errors.values())
        else:
            hits = [h for h in person_search.find(wanted, queryset=visible, limit=SHOWN) if h.person.pk not in found]
            picker.results = _choices([h.person for h in hits], {h.person.pk: h.match.reasons for h in hits})
            picker.possible_duplicates = _look_alike(picker.chosen + picker.results)
        picker.create_url = _create_url(user, query, born, return_to, name)
    else:
        # Before any search: the people the page already suggests (a child's possible duplicates).
        offered = [p for p in suggested if p.pk not in found]
        if offered:
            picker.results = _choices(offered)
            picker.possible_duplicates = _look_alike(picker.chosen + picker.results)
    return picker


def _look_alike(choices: list[Choice]) -> bool:
    """Two records listed with the same date of birth and the same first letter of first and last name
    are probably the same child recorded twice: say so, so the user picks with care (PL-2)."""
    keys = Counter(
        (c.person.date_of_birth, c.person.forenames[:1].upper(), c.person.surname[:1].upper())
        for c in choices
        if c.person.date_of_birth is not None
    )
    return any(n > 1 for n in keys.values())


def require_chosen(picker: Picker, message: str) -> None:
    """Mark the picker as in error when nobody is chosen (the view adds the same message to its form)."""
    if not picker.chosen and not picker.error:
        picker.error = message


def hold(form: Any) -> Any:
    """Show a bound form as typed without judging it: pressing a picker's "Search" is not submitting it."""
    from django.forms.utils import ErrorDict

    form._errors = ErrorDict()
    form.cleaned_data = {}
    return form


def officer_choices(empty: str = "Choose an officer") -> list[tuple[str, str]]:
    """Serving police users by name, for a select: an officer or owner is picked, never typed.

    The value stays the username the services already take; the user sees a name, role and area.
    """
    from childsafe.core.roles import PARTNER_ROLES

    users = (
        User.objects.filter(is_active=True)
        .exclude(role__in=list(PARTNER_ROLES))
        .select_related("area")
        .order_by("last_name", "first_name", "username")
    )
    return [("", empty)] + [
        (u.username, f"{u.display_name} ({u.get_role_display()}{', ' + u.area.name if u.area else ''})") for u in users
    ]
