from django.urls import path

from childsafe.partners import views

app_name = "partners"
urlpatterns = [
    path("", views.home, name="home"),
]
