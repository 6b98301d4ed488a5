from django.apps import AppConfig


class OffendersConfig(AppConfig):
    name = "childsafe.offenders"
    label = "offenders"
    verbose_name = "Offender management"

    def ready(self) -> None:
        # The person's page section, intelligence-check sections and chronology entries this app contributes.
        from childsafe.offenders import contributions  # noqa: F401
