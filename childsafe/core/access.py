"""Access helpers: every view, API handler and service asks here before acting.

Role capabilities come from `childsafe.core.roles.CAPABILITIES`. Record-level need to know for a
person (area, involvement, partner organisation) is in `childsafe.people.access`, built on these.
"""

from __future__ import annotations

from typing import Any

from childsafe.core.errors import AccessDenied
from childsafe.core.roles import CAPABILITIES, Capability


def can(user: Any, capability: Capability | str) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    return user.role in CAPABILITIES[str(capability)]


def require(user: Any, capability: Capability | str) -> None:
    """Raise AccessDenied, in plain English, when the user's role may not do this."""
    if not can(user, capability):
        label = Capability(str(capability)).label.lower()
        role = user.get_role_display() if getattr(user, "role", "") else "this account"
        raise AccessDenied(f"Your role ({role}) cannot {label}. Ask your supervisor if you need to.")
