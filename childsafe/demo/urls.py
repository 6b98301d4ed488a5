from django.urls import path

from childsafe.demo import views

app_name = "demo"
urlpatterns = [path("sent-email/", views.sent_email, name="sent_email")]
