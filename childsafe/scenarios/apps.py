from django.apps import AppConfig


class ScenariosConfig(AppConfig):
    name = "childsafe.scenarios"
    label = "scenarios"
