from django.urls import path

from childsafe.partners import views

app_name = "partners"
urlpatterns = [
    path("", views.home, name="home"),
    path("encompass/<int:pk>/", views.encompass, name="encompass"),
    path("encompass/<int:pk>/acknowledge/", views.encompass_acknowledge, name="encompass_acknowledge"),
    path("ppns/<int:pk>/", views.ppn, name="ppn"),
    path("ppns/<int:pk>/acknowledge/", views.ppn_acknowledge, name="ppn_acknowledge"),
    path("police-protection/<int:pk>/", views.protection, name="protection"),
    path("police-protection/<int:pk>/acknowledge/", views.protection_acknowledge, name="protection_acknowledge"),
    path("children/<int:person_id>/strategy-meeting/", views.strategy_outcome, name="strategy_outcome"),
]
