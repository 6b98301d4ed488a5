from django.urls import path

from childsafe.files import briefing, views

app_name = "files"
urlpatterns = [
    path("attach/<str:subject_type>/<str:subject_id>/", views.attach, name="attach"),
    path("people/<int:pk>/photographs/add/", views.photo_add, name="photo_add"),
    path("body-map/<int:pk>/", views.body_map, name="body_map"),
    path("briefing/<int:pk>/", briefing.sheet, name="briefing"),
    path("briefing/<int:pk>/publicity/", briefing.publicity, name="publicity"),
    path("<str:token>/", views.download, name="download"),
    path("<str:token>/thumbnail/", views.thumbnail, name="thumbnail"),
    path("<str:token>/withdraw/", views.withdraw, name="withdraw"),
]
