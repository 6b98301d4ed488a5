from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "childsafe.partners"
    label = "partners"
