"""What a user can do from the child's page (ADR 0031): one action bar, each action pre-filling the child.

The actions name the work apps' pages by URL name only, so people imports none of them; an action whose
app is not installed is left out, as is one the user's role cannot do.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

from childsafe.core import access
from childsafe.core.models import User
from childsafe.core.roles import Capability
from childsafe.people.models import Person


@dataclass(frozen=True)
class Action:
    key: str
    label: str
    url: str


# (key, label, URL name, takes the person's id in the path, or the query parameter naming them, capability,
# children only)
_ACTIONS: list[tuple[str, str, str, str | None, Capability, bool]] = [
    ("missing", "Report missing", "missing:report", "child", Capability.MISSING_WORK, True),
    ("incident", "Record an incident", "incidents:create", "child", Capability.INCIDENT_RECORD, False),
    ("ppn", "Submit a PPN", "referrals:submit", "child", Capability.INCIDENT_RECORD, True),
    ("strategy", "Record a strategy meeting", "referrals:strategy_meeting", None, Capability.INCIDENT_RECORD, True),
    ("marker", "Add a warning marker", "people:marker_add", None, Capability.MARKER_MANAGE, False),
    ("link", "Link a duplicate record", "people:link", None, Capability.IDENTITY_LINK, False),
    ("protection", "Start police protection", "protection:start", "person", Capability.PROTECTION_START, True),
    ("exploitation", "Assess exploitation risk", "exploitation:assess", None, Capability.EXPLOITATION_ASSESS, True),
    ("investigation", "Open an investigation", "investigations:open", "victim", Capability.INVESTIGATION_WORK, False),
]


def actions_for(user: User, person: Person, age: int | None) -> list[Action]:
    is_child = age is None or age < 18
    found = []
    for key, label, url_name, param, capability, children_only in _ACTIONS:
        if (children_only and not is_child) or not access.can(user, capability):
            continue
        try:
            url = (
                reverse(url_name) + "?" + urlencode({param: person.pk})
                if param
                else reverse(url_name, args=[person.pk])
            )
        except NoReverseMatch:
            continue
        found.append(Action(key, label, url))
    return found
