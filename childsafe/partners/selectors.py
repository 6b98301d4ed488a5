from __future__ import annotations

from typing import Any

from childsafe.core.models import OutboxMessage, User
from childsafe.people.access import partner_people


def portal_home(user: User) -> dict[str, Any]:
    """The partner's children and the messages sent to their organisation (newest first)."""
    return {
        "children": list(partner_people(user).order_by("surname", "forenames")[:200]),
        "notifications": list(
            OutboxMessage.objects.filter(recipient_organisation_id=user.organisation_id).order_by("-created_at")[:100]
        ),
        "organisation": user.organisation,
    }
