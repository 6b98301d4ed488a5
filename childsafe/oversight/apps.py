from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "childsafe.oversight"
    label = "oversight"

    def ready(self) -> None:
        from childsafe.oversight import denominators

        denominators.register()
