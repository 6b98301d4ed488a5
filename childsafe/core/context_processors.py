from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from childsafe.core import access
from childsafe.core.roles import Capability

# (label, url name, capability needed or None for every signed-in police user, partner-only)
NAVIGATION: list[tuple[str, str, str | None, bool]] = [
    ("Search", "people:search", Capability.PERSON_VIEW, False),
    ("Incidents", "incidents:list", Capability.INCIDENT_RECORD, False),
    ("Missing", "missing:worklist", Capability.MISSING_WORK, False),
    ("Referrals", "referrals:queue", Capability.INCIDENT_RECORD, False),
    ("Police protection", "protection:worklist", Capability.PROTECTION_DECIDE, False),
    ("Investigations", "investigations:list", Capability.INVESTIGATION_WORK, False),
    ("DFU queue", "investigations:dfu_queue", Capability.DFU_EXAMINE, False),
    ("Offenders", "offenders:caseload", Capability.OFFENDER_MANAGE, False),
    ("RSO briefing", "offenders:briefing", Capability.OFFENDER_VIEW, False),
    ("Exploitation", "exploitation:index", Capability.EXPLOITATION_VIEW, False),
    ("Performance", "oversight:dashboard", Capability.DASHBOARD_VIEW, False),
    ("Action plan", "oversight:action_plan", Capability.ACTION_PLAN_VIEW, False),
    ("Case audits", "oversight:case_audits", Capability.CASE_AUDIT, False),
    ("Shared cases", "oversight:shared_cases", Capability.CASE_SHARED_LIST, False),
    ("PPN sampling", "referrals:sampling", Capability.STATISTICS_VIEW, False),
    ("My alerts", "oversight:my_alerts", None, False),
    ("Team alerts", "oversight:team_alerts", Capability.ALERTS_TEAM, False),
    ("Approvals", "oversight:approvals", Capability.INCIDENT_SUPERVISE, False),
    ("Duplicates", "linkage:queue", Capability.IDENTITY_LINK, False),
    ("Encompass", "oversight:encompass", Capability.ALERTS_TEAM, False),
    ("Audit", "oversight:audit", Capability.AUDIT_VIEW, False),
    ("Messages", "oversight:outbox", Capability.OUTBOX_MANAGE, False),
    ("Accounts", "oversight:accounts", Capability.USERS_MANAGE, False),
    ("Settings", "oversight:settings", Capability.SETTINGS_CHANGE, False),
    ("Children", "partners:home", Capability.PARTNER_PORTAL, True),
    ("MACE meetings", "exploitation:mace_list", Capability.PARTNER_PORTAL, True),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items: list[dict[str, Any]] = []
    for label, name, capability, partner_only in NAVIGATION:
        if partner_only != user.is_partner:
            continue
        if capability is not None and not access.can(user, capability):
            continue
        url = reverse(name)
        items.append({"label": label, "url": url, "active": False})
    if getattr(settings, "CHILDSAFE_DEMO_MAILDIR", None) and access.can(user, Capability.USERS_MANAGE):
        # The demo's mail catcher (childsafe.demo): never present outside the demo settings.
        items.append({"label": "Sent email", "url": reverse("demo:sent_email"), "active": False})
    # The section is the longest menu address the page sits under ("Team alerts", not also "My alerts").
    matching = [item for item in items if request.path.startswith(item["url"])]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["active"] = True
    return {"nav_items": items}
