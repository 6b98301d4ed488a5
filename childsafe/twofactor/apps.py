from django.apps import AppConfig


class TwoFactorConfig(AppConfig):
    """Two-factor sign-in (ADR 0026) on django-otp: its own tables (otp_totp, otp_static), no models here."""

    name = "childsafe.twofactor"
    label = "twofactor"
    verbose_name = "Two-factor sign-in"

    def ready(self) -> None:
        from childsafe.core import labels

        labels.EVENTS.update(
            {
                "twofactor.enrol": "Set up an authenticator app",
                "twofactor.recovery_code_use": "Signed in with a recovery code",
                "twofactor.reset": "Reset a user's second factor",
            }
        )
