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


class CoreConfig(AppConfig):
    name = "childsafe.core"
    label = "core"
    verbose_name = "Childsafe core"

    def ready(self) -> None:
        # Rules register themselves with the engine when their app's rules module is imported.
        from childsafe.core import engine

        engine.autodiscover()
        post_migrate.connect(_guard_audit_log, sender=self, dispatch_uid="childsafe.core.guard_audit_log")
