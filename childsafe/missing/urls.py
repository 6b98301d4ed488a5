from django.urls import path

from childsafe.missing import views

app_name = "missing"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("report/", views.report, name="report"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/intelligence-check/", views.intelligence, name="intelligence"),
    path("<int:pk>/grade/", views.grade, name="grade"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/actions/", views.action, name="action"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/found/", views.found, name="found"),
    path("<int:pk>/believed/", views.believed, name="believed"),
    path("<int:pk>/safe-and-well/", views.safe_and_well, name="safe_and_well"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/return-home-interview/", views.rhi, name="rhi"),
    path("<int:pk>/documents/", views.documents, name="documents"),
    path("trigger-plans/<int:person_pk>/", views.trigger_plan, name="trigger_plan"),
    path("places/<int:location_id>/", views.place, name="place"),
]
