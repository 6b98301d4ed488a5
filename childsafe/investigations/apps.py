from django.apps import AppConfig


class InvestigationsConfig(AppConfig):
    name = "childsafe.investigations"
    label = "investigations"
    verbose_name = "Investigations and digital forensics"

    def ready(self) -> None:
        # The chronology entries, intelligence-check and child's page sections this app contributes.
        from childsafe.investigations import contributions  # noqa: F401
