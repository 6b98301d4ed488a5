from django.urls import path

from childsafe.people import views, web

app_name = "people"
urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.create, name="create"),
    path("pick/", views.pick, name="pick"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/reason/", web.reason, name="reason"),
    path("<int:pk>/markers/new/", views.marker_add, name="marker_add"),
    path("<int:pk>/markers/<int:marker_pk>/end/", views.marker_end, name="marker_end"),
    path("<int:pk>/link/", views.link, name="link"),
    path("<int:pk>/links/<int:link_pk>/unlink/", views.unlink, name="unlink"),
]
