from django.apps import AppConfig


class FilesConfig(AppConfig):
    name = "childsafe.files"
    label = "files"
    verbose_name = "Documents and photographs"

    def ready(self) -> None:
        # The child's page section and the intelligence-check section this app contributes.
        from childsafe.files import contributions  # noqa: F401
