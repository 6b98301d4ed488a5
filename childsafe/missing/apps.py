from django.apps import AppConfig


class MissingConfig(AppConfig):
    name = "childsafe.missing"
    label = "missing"
    verbose_name = "Missing children"

    def ready(self) -> None:
        # The intelligence-check sections and chronology entries this app contributes.
        from childsafe.missing import contributions  # noqa: F401
