from django.urls import path

from childsafe.referrals import strategy_views, views

app_name = "referrals"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("submit/", views.submit, name="submit"),
    path("drafts/", views.drafts, name="drafts"),
    path("drafts/<int:pk>/", views.draft, name="draft"),
    path("drafts/<int:pk>/discard/", views.draft_discard, name="draft_discard"),
    path("sample/", views.sample, name="sample"),
    path("sample/<int:pk>/", views.sample_review, name="sample_review"),
    path("sampling/", views.sampling, name="sampling"),
    path("delay/<int:check_pk>/", views.delay, name="delay"),
    path("requirement/<int:pk>/", views.requirement, name="requirement"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/triage/", views.triage, name="triage"),
    path("strategy-meetings/new/<int:person_id>/", strategy_views.strategy_meeting, name="strategy_meeting"),
    path("strategy-actions/<int:pk>/done/", strategy_views.strategy_action_done, name="strategy_action_done"),
]
