"""Template filters that show codes by their labels (core/labels.py): `{% load labels %}`."""

from __future__ import annotations

from typing import Any

from django import template

from childsafe.core import labels

register = template.Library()


@register.filter
def event_label(code: str) -> str:
    return labels.event(str(code or ""))


@register.filter
def role_label(code: Any) -> str:
    return labels.role(code)


@register.filter
def code_label(code: Any) -> str:
    return labels.words(code) if code not in (None, "") else ""


@register.filter
def message_kind(code: str) -> str:
    return labels.message_kind(str(code or ""))


@register.filter
def channel_label(code: str) -> str:
    return labels.channel(str(code or ""))


@register.filter
def actor_label(label: str) -> str:
    return labels.actor(str(label or ""))


@register.filter
def subject_label(subject_type: str) -> str:
    return labels.subject(str(subject_type or ""))


@register.filter
def change_pairs(values: dict[str, Any] | None) -> list[tuple[str, str]]:
    return labels.changes(values)


@register.filter
def setting_value(value: Any, setting: Any) -> str:
    return labels.setting_value(setting, value)
