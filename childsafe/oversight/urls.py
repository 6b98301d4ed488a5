from django.urls import path

from childsafe.oversight import views

app_name = "oversight"
urlpatterns = [
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
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("accounts/skills/", views.skill_award, name="skill_award"),
    path("language/", views.language, name="language"),
    path("encompass/", views.encompass_reconciliation, name="encompass"),
    path("settings/", views.settings_list, name="settings"),
    path("settings/<str:key>/", views.setting_change, name="setting_change"),
]
