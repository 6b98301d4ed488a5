"""Template helpers that render Django form fields with GOV.UK Design System markup."""

from __future__ import annotations

from typing import Any

from django import forms, template
from django.utils import timezone

from childsafe.core.clock import LONDON
from childsafe.core.forms import GovukDateWidget

register = template.Library()


@register.inclusion_tag("govuk/field.html")
def govuk_field(field: forms.BoundField, hint: str = "", classes: str = "") -> dict[str, Any]:
    widget = field.field.widget
    if isinstance(widget, GovukDateWidget):
        kind = "date"
    elif isinstance(widget, forms.CheckboxInput):
        kind = "checkbox"
    elif isinstance(widget, forms.RadioSelect):
        kind = "radios"
    elif isinstance(widget, forms.Select):
        kind = "select"
    elif isinstance(widget, forms.Textarea):
        kind = "textarea"
    else:
        kind = "input"
    value = field.value()
    date_parts = widget.decompress(value) if kind == "date" and not isinstance(value, list) else (value or ["", "", ""])
    return {
        "field": field,
        "kind": kind,
        "hint": hint or field.help_text,
        "classes": classes,
        "input_type": getattr(widget, "input_type", "text"),
        "date_parts": date_parts,
        "value": "" if value is None else value,
    }


@register.inclusion_tag("govuk/error_summary.html")
def govuk_error_summary(form: forms.Form) -> dict[str, Any]:
    return {"form": form}


@register.filter
def london(value: Any, fmt: str = "j M Y, H:i") -> str:
    """Show an aware time in Europe/London."""
    if not value:
        return ""
    from django.utils.dateformat import format as dj_format

    return dj_format(timezone.localtime(value, LONDON), fmt)
