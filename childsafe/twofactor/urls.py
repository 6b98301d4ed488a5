from django.urls import path

from childsafe.twofactor import views

app_name = "twofactor"
urlpatterns = [
    path("", views.verify, name="verify"),
    path("enrol/", views.enrol, name="enrol"),
    path("reset/<int:user_id>/", views.reset, name="reset"),
]
