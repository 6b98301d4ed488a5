"""How an officer is named in a police protection record: rank and name, as officers write it."""

from __future__ import annotations

from typing import Any

from django import template

from childsafe.core.roles import RANK_ORDER, Rank

register = template.Library()
_RANKS = dict(Rank.choices)


@register.filter
def officer(user: Any) -> str:
    if user is None:
        return ""
    return officer_from(user.rank, user.first_name, user.last_name, user.username)


def officer_from(rank: str, first_name: str, last_name: str, username: str) -> str:
    """The same from a plain row's columns (the chronology's, ADR 0059)."""
    name = f"{first_name} {last_name}".strip() or username
    return f"{_RANKS.get(rank, rank)} {name}" if rank in RANK_ORDER else name
