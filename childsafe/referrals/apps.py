from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "childsafe.referrals"
    label = "referrals"
    verbose_name = "Referrals: PPNs, VAT triage, sharing with partners, Operation Encompass"

    def ready(self) -> None:
        # Chronology entries, and the Operation Encompass hook on recording an incident (RF-9): registered
        # at start-up so that every process (web, worker, commands) runs them.
        from childsafe.referrals import contributions, services, strategy_page  # noqa: F401
