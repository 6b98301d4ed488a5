from django.urls import path

from childsafe.incidents import views

app_name = "incidents"
urlpatterns = [
    path("", views.incident_list, name="list"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/intelligence-check/", views.intelligence_check, name="intelligence_check"),
    path("<int:pk>/thrive/", views.thrive, name="thrive"),
    path("<int:pk>/information/", views.add_information, name="add_information"),
    path("<int:pk>/regrade/", views.regrade, name="regrade"),
    path("<int:pk>/allocate/", views.allocate, name="allocate"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/review/", views.call_review, name="call_review"),
]
