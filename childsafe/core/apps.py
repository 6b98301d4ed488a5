from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "childsafe.core"
    label = "core"
    verbose_name = "Childsafe core"

    def ready(self) -> None:
        # Rules register themselves with the engine when their app's rules module is imported.
        from childsafe.core import engine

        engine.autodiscover()
