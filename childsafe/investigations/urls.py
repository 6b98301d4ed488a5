from django.urls import path

app_name = "investigations"
urlpatterns: list = []
