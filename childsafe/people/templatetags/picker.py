from __future__ import annotations

from typing import Any

from django import template

from childsafe.people.picker import Picker

register = template.Library()


@register.inclusion_tag("people/_picker.html")
def person_picker(picker: Picker, errors: Any = None) -> dict[str, Any]:
    """The picker inside a form; `errors` are the form field's own errors, shown on the picker."""
    messages = [str(e) for e in (errors or [])]
    if picker.error and picker.error not in messages:
        messages.append(picker.error)
    return {"picker": picker, "errors": messages}
