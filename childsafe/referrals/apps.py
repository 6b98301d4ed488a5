from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "childsafe.referrals"
    label = "referrals"
    verbose_name = "Referrals: PPNs, VAT triage, sharing with partners, Operation Encompass"
