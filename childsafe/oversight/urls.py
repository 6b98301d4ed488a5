from django.urls import path

from childsafe.oversight import dashboard_views, plan_views, views

app_name = "oversight"
urlpatterns = [
    path("dashboard/", dashboard_views.dashboard_page, name="dashboard"),
    path("dashboard/alerts/", dashboard_views.dashboard_alerts, name="dashboard_alerts"),
    path("case-audits/", plan_views.case_audits, name="case_audits"),
    path("case-audits/<int:pk>/", plan_views.case_audit, name="case_audit"),
    path("action-plan/", plan_views.action_plan, name="action_plan"),
    path("action-plan/<str:reference>/new/", plan_views.action_new, name="action_new"),
    path("action-plan/<int:pk>/", plan_views.action_detail, name="action_detail"),
    path("action-plan/<int:pk>/complete/", plan_views.action_complete, name="action_complete"),
    path("evidence/<int:pk>/", plan_views.evidence_download, name="evidence_download"),
    path("alerts/", views.my_alerts, name="my_alerts"),
    path("alerts/team/", views.team_alerts, name="team_alerts"),
    path("alerts/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("approvals/", views.approvals_list, name="approvals"),
    path("approvals/<int:pk>/", views.approval_decide, name="approval_decide"),
    path("audit/", views.audit, name="audit"),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/<int:pk>/", views.outbox_message, name="outbox_message"),
    path("accounts/", views.accounts, name="accounts"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/<int:pk>/close/", views.account_close, name="account_close"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/new/", views.token_issue, name="token_issue"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("accounts/skills/", views.skill_award, name="skill_award"),
    path("language/", views.language, name="language"),
    path("encompass/", views.encompass_reconciliation, name="encompass"),
    path("settings/", views.settings_list, name="settings"),
    path("settings/<str:key>/", views.setting_change, name="setting_change"),
]
