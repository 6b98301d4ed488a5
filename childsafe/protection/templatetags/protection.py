"""How an officer is named in a police protection record: rank and name, as officers write it."""

from __future__ import annotations

from typing import Any

from django import template

from childsafe.core.roles import RANK_ORDER

register = template.Library()


@register.filter
def officer(user: Any) -> str:
    if user is None:
        return ""
    name = user.get_full_name() or user.username
    return f"{user.get_rank_display()} {name}" if user.rank in RANK_ORDER else name
