from django.urls import path

from childsafe.protection import views

app_name = "protection"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("start/", views.start, name="start"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/designate/", views.designate, name="designate"),
    path("<int:pk>/handover/", views.handover, name="handover"),
    path("<int:pk>/end/", views.end, name="end"),
    path("<int:pk>/offences/", views.offences, name="offences"),
]
