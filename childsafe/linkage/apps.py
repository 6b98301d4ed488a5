from django.apps import AppConfig


class LinkageConfig(AppConfig):
    name = "childsafe.linkage"
    label = "linkage"
    verbose_name = "Bulk identity resolution"
