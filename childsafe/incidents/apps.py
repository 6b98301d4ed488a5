from django.apps import AppConfig


class IncidentsConfig(AppConfig):
    name = "childsafe.incidents"
    label = "incidents"
    verbose_name = "Control room: incidents, THRIVE, grading, allocation"

    def ready(self) -> None:
        from childsafe.incidents import contributions, rules  # noqa: F401
