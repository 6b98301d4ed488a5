from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _guard_audit_log(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    # A later migration that rebuilds the audit table (SQLite remakes a table to alter it) drops its
    # triggers with it: put them back after every migrate (and every test flush).
    from django.db import connections

    from childsafe.core import audit_chain

    connection = connections[using]
    if audit_chain.TABLE in connection.introspection.table_names():
        audit_chain.guard(connection)


def _refuse_control_characters_in_every_form() -> None:
    # One policy for every text field of every form (issue 10, item 5): Django already refuses NUL in a
    # CharField; this refuses the other control characters too, with the same plain message everywhere.
    from django import forms

    from childsafe.core.text import validate_plain_text

    if validate_plain_text not in forms.CharField.default_validators:
        forms.CharField.default_validators = [*forms.CharField.default_validators, validate_plain_text]


class CoreConfig(AppConfig):
    name = "childsafe.core"
    label = "core"
    verbose_name = "Childsafe core"

    def ready(self) -> None:
        # Rules register themselves with the engine when their app's rules module is imported.
        from childsafe.core import engine

        engine.autodiscover()
        _refuse_control_characters_in_every_form()
        post_migrate.connect(_guard_audit_log, sender=self, dispatch_uid="childsafe.core.guard_audit_log")
