from django.urls import path

from childsafe.offenders import views

app_name = "offenders"
urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("briefing/", views.briefing, name="briefing"),
    path("cover/", views.cover, name="cover"),
    path("court-results/", views.court_results, name="court_results"),
    path("register/<int:person_pk>/", views.register, name="register"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/release/", views.release, name="release"),
    path("<int:pk>/notifications/new/", views.notify, name="notify"),
    path("<int:pk>/risk/new/", views.risk, name="risk"),
    path("<int:pk>/visits/new/", views.visit, name="visit"),
    path("<int:pk>/devices/new/", views.device, name="device"),
    path("<int:pk>/breaches/new/", views.breach, name="breach"),
    path("<int:pk>/breaches/<int:breach_pk>/decision/", views.breach_decision, name="breach_decision"),
    path("<int:pk>/contacts/new/", views.child_contact, name="child_contact"),
    path("<int:pk>/contacts/children/<int:child_pk>/welfare/", views.welfare, name="welfare"),
    path("<int:pk>/disclosures/new/", views.disclosure, name="disclosure"),
    path("<int:pk>/orders/new/", views.order, name="order"),
    path("<int:pk>/supervision/new/", views.supervise, name="supervise"),
]
