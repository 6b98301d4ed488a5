from django.apps import AppConfig


class ProtectionConfig(AppConfig):
    name = "childsafe.protection"
    label = "protection"
    verbose_name = "Police protection (s46 Children Act 1989)"

    def ready(self) -> None:
        # The child's page section, chronology, intelligence check and involvement check this app adds.
        from childsafe.protection import contributions  # noqa: F401
