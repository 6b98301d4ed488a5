from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "childsafe.referrals"
    label = "referrals"
    verbose_name = "Referrals: PPNs, VAT triage, sharing with partners, Operation Encompass"

    def ready(self) -> None:
        from childsafe.referrals import contributions  # noqa: F401
