from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "childsafe.oversight"
    label = "oversight"
