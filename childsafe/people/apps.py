from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "childsafe.people"
    label = "people"
    verbose_name = "People, organisations and places (POLE)"
