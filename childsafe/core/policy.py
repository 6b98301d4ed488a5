"""Force policy settings: the timings RULES.md marks *(default)*.

Each app declares its settings once, with the default and the rule they serve; an administrator can
override any of them (`core.services.setting_change`), and every change is audited. Timings the law
fixes are constants in the rules, never settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time as dt_time
from typing import Any

from django.db.utils import OperationalError, ProgrammingError

from childsafe.core import memo


@dataclass(frozen=True)
class PolicySetting:
    key: str
    default: Any
    unit: str  # minutes, hours, days, percent, count, flag
    rule_id: str
    description: str

    def coerce(self, raw: Any) -> Any:
        if self.unit == "time":
            text = str(raw).strip()
            try:
                parsed = dt_time.fromisoformat(text)
            except ValueError:
                raise ValueError(f"Enter a 24-hour time like {self.default}.") from None
            if len(text) != 5 or parsed.second or parsed.tzinfo:
                raise ValueError(f"Enter a 24-hour time like {self.default}.")
            return text
        if self.unit == "list":
            items = [item.strip() for item in str(raw).split(",") if item.strip()]
            if not all(item.replace("_", "").isalnum() for item in items):
                raise ValueError("Enter short codes separated by commas, like initial_inquiry,diary_appointment.")
            return ",".join(items)
        if self.unit == "flag":
            if isinstance(raw, bool):
                return raw
            if str(raw).lower() in {"1", "true", "yes", "on"}:
                return True
            if str(raw).lower() in {"0", "false", "no", "off"}:
                return False
            raise ValueError("Enter yes or no.")
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise ValueError(f"Enter a whole number of {self.unit}, like {self.default}.") from None
        if value <= 0:
            raise ValueError(f"Enter a number of {self.unit} greater than 0.")
        if self.unit == "percent" and value > 100:
            raise ValueError("Enter a percentage from 1 to 100.")
        return value


_REGISTRY: dict[str, PolicySetting] = {}


def define(key: str, *, default: Any, unit: str, rule_id: str, description: str) -> PolicySetting:
    setting = PolicySetting(key, default, unit, rule_id, description)
    existing = _REGISTRY.get(key)
    if existing is not None and existing != setting:
        raise ValueError(f"Policy setting {key} is defined twice with different values.")
    _REGISTRY[key] = setting
    return setting


def all_settings() -> list[PolicySetting]:
    return sorted(_REGISTRY.values(), key=lambda s: (s.rule_id, s.key))


def definition(key: str) -> PolicySetting:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise KeyError(f"No policy setting called {key!r}.") from None


def get(key: str) -> Any:
    from childsafe.core.models import SettingValue

    setting = definition(key)
    try:
        if memo.in_scope():
            # A page or a check asks for several settings: one read of the (few) changed ones serves them all.
            row = _overrides().get(key)
        else:
            row = SettingValue.objects.filter(key=key).values_list("value", flat=True).first()
    except (OperationalError, ProgrammingError):  # before the first migration
        row = None
    return setting.default if row is None else row


@memo.per_scope
def _overrides() -> dict[str, Any]:
    """Every setting changed from its default, for one page or check (core.memo: never longer)."""
    from childsafe.core.models import SettingValue

    return dict(SettingValue.objects.order_by("id").values_list("key", "value"))


def current_values() -> dict[str, Any]:
    from childsafe.core.models import SettingValue

    overrides = dict(SettingValue.objects.values_list("key", "value"))
    return {s.key: overrides.get(s.key, s.default) for s in all_settings()}


# The platform's own settings.
ALERT_ESCALATE_AFTER = define(
    "alerts.escalate_after_minutes",
    default=120,
    unit="minutes",
    rule_id="platform",
    description="An open alert nobody has acknowledged goes to the next level after this long.",
)
SWEEP_INTERVAL = define(
    "worker.sweep_interval_seconds",
    default=60,
    unit="seconds",
    rule_id="platform",
    description="How often the worker runs the rules sweep.",
)
