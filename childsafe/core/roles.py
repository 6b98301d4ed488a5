"""Roles from the glossary and what each may do.

This table is the one place that says which role may do what; `childsafe.core.access` reads it.
Record-level need to know (area, team, involvement, partner organisation) sits on top of it.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    CALL_HANDLER = "call_handler", "Call handler"
    FIM = "fim", "Force incident manager (FIM)"
    CII = "cii", "Critical incident inspector (CII)"
    RESPONSE_OFFICER = "response_officer", "Response officer"
    SUPERVISOR = "supervisor", "Supervisor"
    INVESTIGATOR = "investigator", "Investigator"
    VAT = "vat", "Vulnerability assessment team (VAT)"
    MHET = "mhet", "Missing from home and exploitation team (MHET)"
    OMU = "omu", "Offender management unit (OMU)"
    DFU = "dfu", "Digital forensic unit (DFU)"
    ANALYST = "analyst", "Analyst"
    SENIOR_LEADER = "senior_leader", "Senior leader"
    PFCC_SCRUTINY = "pfcc_scrutiny", "PFCC scrutiny"
    INFORMATION_MANAGER = "information_manager", "Information manager"
    ADMINISTRATOR = "administrator", "Administrator"
    SCHOOL_PARTNER = "school_partner", "School (Key Adult)"
    LA_PARTNER = "la_partner", "Local authority children's services"


class Rank(models.TextChoices):
    """A police rank, beside the role. Where a rule names a rank (a designated officer is an inspector;
    RF-7's delay needs an inspector, beyond 24 hours a superintendent) the rank decides, not the role."""

    CONSTABLE = "constable", "Constable"
    SERGEANT = "sergeant", "Sergeant"
    INSPECTOR = "inspector", "Inspector"
    CHIEF_INSPECTOR = "chief_inspector", "Chief inspector"
    SUPERINTENDENT = "superintendent", "Superintendent"
    CHIEF_SUPERINTENDENT = "chief_superintendent", "Chief superintendent"
    STAFF = "staff", "Police staff"


# Seniority of warranted ranks; police staff and an unrecorded rank hold none.
RANK_ORDER: dict[str, int] = {
    Rank.CONSTABLE: 1,
    Rank.SERGEANT: 2,
    Rank.INSPECTOR: 3,
    Rank.CHIEF_INSPECTOR: 4,
    Rank.SUPERINTENDENT: 5,
    Rank.CHIEF_SUPERINTENDENT: 6,
}


def rank_at_least(rank: str, wanted: str) -> bool:
    """True when `rank` is `wanted` or above it (a chief inspector may do what an inspector may)."""
    return RANK_ORDER.get(rank, 0) >= RANK_ORDER[wanted]


PARTNER_ROLES = frozenset({Role.SCHOOL_PARTNER, Role.LA_PARTNER})

# Roles whose work is force-wide: the control room, central teams and analysts see any child's
# record without giving a reason (every view is still an access event).
FORCE_WIDE_ROLES = frozenset({Role.CALL_HANDLER, Role.FIM, Role.VAT, Role.MHET, Role.OMU, Role.DFU, Role.ANALYST})
# Roles that work in one command area: outside it, or a record they are not involved in, they give
# a reason first (the force's setting CHILDSAFE_REQUIRE_JUSTIFICATION_OUTSIDE_AREA).
AREA_ROLES = frozenset({Role.CII, Role.RESPONSE_OFFICER, Role.SUPERVISOR, Role.INVESTIGATOR})
# Oversight roles read records only with a stated reason.
REASON_ROLES = frozenset({Role.SENIOR_LEADER, Role.INFORMATION_MANAGER})


class Capability(models.TextChoices):
    PERSON_VIEW = "person.view", "View a person's record"
    PERSON_CREATE = "person.create", "Record a person"
    PERSON_EDIT = "person.edit", "Change a person's details"
    MARKER_MANAGE = "marker.manage", "Add and end warning markers"
    IDENTITY_LINK = "identity.link", "Link and unlink duplicate records"
    AUDIT_VIEW = "audit.view", "Read the audit log"
    SETTINGS_CHANGE = "settings.change", "Change timings and force settings"
    USERS_MANAGE = "users.manage", "Manage accounts, teams and skills"
    OUTBOX_MANAGE = "outbox.manage", "Retry dead-lettered messages"
    ALERTS_TEAM = "alerts.team", "See the team's alerts"
    PARTNER_PORTAL = "partner.portal", "Use the partner portal"
    STATISTICS_VIEW = "statistics.view", "See force-level figures"
    INCIDENT_RECORD = "incident.record", "Record and update incidents"
    INCIDENT_SUPERVISE = "incident.supervise", "Approve a downgrade or a closure as a supervisor"
    MISSING_GRADE = "missing.grade", "Grade a missing child's risk"
    MISSING_WORK = "missing.work", "Work a missing-child investigation"
    MISSING_SIGN_OFF = "missing.sign_off", "Sign off the closure of a missing episode"
    TRIGGER_PLAN_MANAGE = "trigger_plan.manage", "Create and review trigger plans"
    RHI_RECORD = "rhi.record", "Record a return home interview"
    HOTSPOT_MANAGE = "hotspot.manage", "Own a hotspot's problem-solving plan"
    STRATEGY_OUTCOME_RETURN = "strategy.return", "Return a strategy meeting's outcome through the partner portal"
    PROTECTION_START = "protection.start", "Take children into police protection"
    PROTECTION_DECIDE = "protection.decide", "Act as or name a designated officer for police protection"
    INVESTIGATION_WORK = "investigation.work", "Open and work child-abuse investigations"
    INVESTIGATION_SUPERVISE = "investigation.supervise", "Allocate, supervise and close child-abuse investigations"
    DFU_EXAMINE = "dfu.examine", "Work the digital forensic unit's queue and offer victim identification"
    OFFENDER_VIEW = "offender.view", "See registered sex offenders' records"
    OFFENDER_MANAGE = "offender.manage", "Manage registered sex offenders"
    EXPLOITATION_ASSESS = "exploitation.assess", "Record a child's exploitation risk assessment"
    EXPLOITATION_VIEW = "exploitation.view", "See exploitation assessments, perpetrators, briefings and profiles"
    PERPETRATOR_MANAGE = "perpetrator.manage", "Flag exploitation perpetrators and keep their 4P plans"
    DISRUPTION_RECORD = "disruption.record", "Record a disruption or arrest of a perpetrator"
    CRIME_RECORD = "crime.record", "Record a crime"
    MACE_MANAGE = "mace.manage", "Hold MACE meetings and record their actions"
    PROFILE_PUBLISH = "profile.publish", "Publish the CSE and CCE profiles"
    FILE_ATTACH = "file.attach", "Attach documents and photographs to records"
    FILE_WITHDRAW = "file.withdraw", "Withdraw a document or photograph someone else attached"
    DASHBOARD_VIEW = "dashboard.view", "See the performance dashboard (force-wide or for one's own area)"
    DASHBOARD_RECORDS = "dashboard.records", "Follow a dashboard figure to the records behind it"
    CASE_AUDIT = "case.audit", "Grade sampled cases in the case audit programme"
    ACTION_PLAN_VIEW = "action_plan.view", "See the action plan and its evidence"
    ACTION_PLAN_MANAGE = "action_plan.manage", "Add actions to the action plan and name their owners"
    CASE_AUDIT_CRITERIA = "case_audit.criteria", "Add, change and retire the case audit programme's questions"
    CASE_SHARE_PFCC = "case.share_pfcc", "Share a named child's case with the PFCC's scrutiny team"
    CASE_SHARED_LIST = "case.shared_list", "See the list of cases shared with the PFCC's scrutiny team"


_POLICE_RECORD_ROLES = FORCE_WIDE_ROLES | AREA_ROLES | REASON_ROLES
_CREATORS = (FORCE_WIDE_ROLES | AREA_ROLES) - {Role.ANALYST}
_SUPERVISING = {Role.FIM, Role.CII, Role.SUPERVISOR, Role.SENIOR_LEADER, Role.MHET, Role.VAT}

CAPABILITIES: dict[str, frozenset[str]] = {
    Capability.PERSON_VIEW: frozenset(_POLICE_RECORD_ROLES),
    Capability.PERSON_CREATE: frozenset(_CREATORS),
    Capability.PERSON_EDIT: frozenset(_CREATORS),
    Capability.MARKER_MANAGE: frozenset(_CREATORS),
    Capability.IDENTITY_LINK: frozenset(
        {Role.MHET, Role.VAT, Role.ANALYST, Role.INFORMATION_MANAGER, Role.SUPERVISOR, Role.FIM}
    ),
    Capability.AUDIT_VIEW: frozenset({Role.INFORMATION_MANAGER}),
    Capability.SETTINGS_CHANGE: frozenset({Role.ADMINISTRATOR}),
    Capability.USERS_MANAGE: frozenset({Role.ADMINISTRATOR}),
    Capability.OUTBOX_MANAGE: frozenset({Role.ADMINISTRATOR, Role.INFORMATION_MANAGER}),
    Capability.ALERTS_TEAM: frozenset(_SUPERVISING),
    Capability.PARTNER_PORTAL: frozenset(PARTNER_ROLES),
    Capability.STATISTICS_VIEW: frozenset({Role.SENIOR_LEADER, Role.PFCC_SCRUTINY, Role.ANALYST}),
    Capability.INCIDENT_RECORD: frozenset(
        {
            Role.CALL_HANDLER,
            Role.FIM,
            Role.CII,
            Role.RESPONSE_OFFICER,
            Role.SUPERVISOR,
            Role.INVESTIGATOR,
            Role.MHET,
            Role.VAT,
        }
    ),
    Capability.INCIDENT_SUPERVISE: frozenset({Role.FIM, Role.CII, Role.SUPERVISOR}),
    # MP-2: the FIM grades; an area CII regrades the medium-risk children it owns.
    Capability.MISSING_GRADE: frozenset({Role.FIM, Role.CII}),
    Capability.MISSING_WORK: frozenset(
        {Role.CALL_HANDLER, Role.FIM, Role.CII, Role.RESPONSE_OFFICER, Role.SUPERVISOR, Role.INVESTIGATOR, Role.MHET}
    ),
    Capability.MISSING_SIGN_OFF: frozenset({Role.FIM, Role.CII, Role.SUPERVISOR}),
    Capability.TRIGGER_PLAN_MANAGE: frozenset({Role.MHET, Role.FIM, Role.CII, Role.SUPERVISOR, Role.RESPONSE_OFFICER}),
    Capability.RHI_RECORD: frozenset({Role.MHET, Role.LA_PARTNER}),
    Capability.HOTSPOT_MANAGE: frozenset({Role.MHET, Role.SUPERVISOR, Role.CII, Role.SENIOR_LEADER}),
    # RF-10: children's services chair strategy meetings and send the outcome back; schools attend, not return.
    Capability.STRATEGY_OUTCOME_RETURN: frozenset({Role.LA_PARTNER}),
    # s46 is a constable's power; the designated officer's acts are decided by rank (PP-1), not by role.
    Capability.PROTECTION_START: frozenset(
        {Role.RESPONSE_OFFICER, Role.SUPERVISOR, Role.CII, Role.FIM, Role.INVESTIGATOR, Role.MHET}
    ),
    Capability.PROTECTION_DECIDE: frozenset(
        {Role.RESPONSE_OFFICER, Role.SUPERVISOR, Role.CII, Role.FIM, Role.INVESTIGATOR, Role.MHET, Role.SENIOR_LEADER}
    ),
    # INV-1..8: officers open and work investigations; sergeants and inspectors allocate, supervise, close.
    Capability.INVESTIGATION_WORK: frozenset(
        {Role.RESPONSE_OFFICER, Role.INVESTIGATOR, Role.SUPERVISOR, Role.CII, Role.FIM, Role.MHET}
    ),
    Capability.INVESTIGATION_SUPERVISE: frozenset({Role.SUPERVISOR}),
    Capability.DFU_EXAMINE: frozenset({Role.DFU}),
    # RSO: the offender management unit and its supervisors manage; roles that protect children need to know.
    Capability.OFFENDER_VIEW: frozenset(
        {
            Role.OMU,
            Role.SUPERVISOR,
            Role.SENIOR_LEADER,
            Role.INVESTIGATOR,
            Role.VAT,
            Role.MHET,
            Role.FIM,
            Role.CII,
            Role.CALL_HANDLER,
            Role.RESPONSE_OFFICER,
        }
    ),
    Capability.OFFENDER_MANAGE: frozenset({Role.OMU, Role.SUPERVISOR}),
    # EX-1: the partnership's tool, used by the police teams that assess children at risk.
    Capability.EXPLOITATION_ASSESS: frozenset({Role.MHET, Role.VAT, Role.CII, Role.SUPERVISOR, Role.INVESTIGATOR}),
    Capability.EXPLOITATION_VIEW: frozenset(_POLICE_RECORD_ROLES),
    Capability.PERPETRATOR_MANAGE: frozenset({Role.MHET, Role.SUPERVISOR, Role.CII, Role.INVESTIGATOR, Role.OMU}),
    Capability.DISRUPTION_RECORD: frozenset(
        {Role.MHET, Role.SUPERVISOR, Role.CII, Role.INVESTIGATOR, Role.OMU, Role.RESPONSE_OFFICER}
    ),
    Capability.CRIME_RECORD: frozenset(
        {Role.RESPONSE_OFFICER, Role.INVESTIGATOR, Role.SUPERVISOR, Role.CII, Role.MHET, Role.VAT, Role.OMU}
    ),
    Capability.MACE_MANAGE: frozenset({Role.MHET, Role.SUPERVISOR, Role.CII, Role.SENIOR_LEADER, Role.VAT}),
    Capability.PROFILE_PUBLISH: frozenset({Role.ANALYST}),
    # Files (ADR 0025): whoever records on a child attaches; reading a file is reading the child's record.
    Capability.FILE_ATTACH: frozenset(_CREATORS),
    Capability.FILE_WITHDRAW: frozenset(_SUPERVISING | {Role.INFORMATION_MANAGER}),
    # QG-3: leaders, analysts and the PFCC see the force; supervisors and CIIs their own area.
    Capability.DASHBOARD_VIEW: frozenset(
        {Role.SENIOR_LEADER, Role.ANALYST, Role.PFCC_SCRUTINY, Role.SUPERVISOR, Role.CII}
    ),
    # The records behind a figure name children: never the PFCC's scrutiny team (no personal data).
    Capability.DASHBOARD_RECORDS: frozenset({Role.SENIOR_LEADER, Role.ANALYST, Role.SUPERVISOR, Role.CII}),
    Capability.CASE_AUDIT: frozenset({Role.SENIOR_LEADER, Role.SUPERVISOR, Role.CII}),
    Capability.ACTION_PLAN_MANAGE: frozenset({Role.SENIOR_LEADER}),
    # The audit programme's lead is a senior leader: the questions are the force's standard of practice.
    Capability.CASE_AUDIT_CRITERIA: frozenset({Role.SENIOR_LEADER}),
    # A named case goes to the PFCC's scrutiny team only on a senior leader's decision (DPA 2018 s62).
    Capability.CASE_SHARE_PFCC: frozenset({Role.SENIOR_LEADER}),
    Capability.CASE_SHARED_LIST: frozenset({Role.SENIOR_LEADER, Role.PFCC_SCRUTINY}),
    Capability.ACTION_PLAN_VIEW: frozenset(
        {Role.SENIOR_LEADER, Role.ANALYST, Role.PFCC_SCRUTINY, Role.SUPERVISOR, Role.CII, Role.INFORMATION_MANAGER}
    ),
}

# Roles that may approve as a supervisor (CR-1 downgrade, MP-7 closure reason).
SUPERVISING_ROLES = frozenset({Role.SUPERVISOR, Role.FIM, Role.CII, Role.SENIOR_LEADER})

# Who an alert goes to when the owner leaves it: the next level up.
ESCALATION: dict[str, str] = {
    Role.CALL_HANDLER: Role.FIM,
    Role.RESPONSE_OFFICER: Role.SUPERVISOR,
    Role.INVESTIGATOR: Role.SUPERVISOR,
    Role.VAT: Role.SUPERVISOR,
    Role.MHET: Role.SUPERVISOR,
    Role.OMU: Role.SUPERVISOR,
    Role.DFU: Role.SUPERVISOR,
    Role.ADMINISTRATOR: Role.INFORMATION_MANAGER,
    Role.SUPERVISOR: Role.SENIOR_LEADER,
    Role.FIM: Role.SENIOR_LEADER,
    Role.CII: Role.SENIOR_LEADER,
    Role.INFORMATION_MANAGER: Role.SENIOR_LEADER,
}
