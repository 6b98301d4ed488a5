"""`{% latest_photo person %}` and `{% attachments record %}` for other apps' pages (a missing episode...)."""

from __future__ import annotations

from typing import Any

from django import template

from childsafe.core import access
from childsafe.core.roles import Capability
from childsafe.files import selectors

register = template.Library()


@register.inclusion_tag("files/_photo.html")
def latest_photo(person: Any) -> dict[str, Any]:
    return {"photo": selectors.latest_photo([person.pk])}


@register.inclusion_tag("files/_attachments.html", takes_context=True)
def attachments(context: template.Context, record: Any) -> dict[str, Any]:
    user = context.get("user")
    return {
        "files": selectors.files_on(record),
        "subject_type": record._meta.label_lower,
        "subject_id": record.pk,
        "can_attach": user is not None and access.can(user, Capability.FILE_ATTACH),
        "can_withdraw": user is not None and access.can(user, Capability.FILE_WITHDRAW),
        "user": user,
    }
