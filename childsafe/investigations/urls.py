from django.urls import path

from childsafe.investigations import views

app_name = "investigations"
urlpatterns = [
    path("", views.investigation_list, name="list"),
    path("new/", views.open_investigation, name="open"),
    path("dfu/", views.dfu_queue, name="dfu_queue"),
    path("dfu/<int:request_pk>/start/", views.dfu_start, name="dfu_start"),
    path("dfu/<int:request_pk>/complete/", views.dfu_complete, name="dfu_complete"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/allocate/", views.allocate, name="allocate"),
    path("<int:pk>/supervise/", views.supervise, name="supervise"),
    path("<int:pk>/activity/", views.activity, name="activity"),
    path("<int:pk>/access/", views.access_to_children, name="access"),
    path("<int:pk>/bail/", views.bail, name="bail"),
    path("<int:pk>/bail/<int:bail_pk>/end/", views.bail_end, name="bail_end"),
    path("<int:pk>/dfu/", views.dfu_submit, name="dfu_submit"),
    path("<int:pk>/offers/<int:offer_pk>/", views.vio_respond, name="vio_respond"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/offers/", views.vio_offer, name="vio_offer"),
    path("<int:pk>/forensic/", views.forensic, name="forensic"),
]
