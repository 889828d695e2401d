from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("report/", views.report, name="report"),
    path("nearby/", views.nearby, name="nearby"),
    path("assets-near/", views.assets_near, name="assets-near"),
    path("track/<str:token>/", views.track, name="track"),
    path("features/", views.features, name="features"),
    path("heat/", views.heat, name="heat"),
    path("overdue/", views.overdue, name="overdue"),
    path("stats/", views.stats, name="stats"),
    path("notifications/", views.notifications, name="notifications"),
    path("photo/<int:pk>/", views.photo, name="photo"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/add/", views.add, name="add"),
    path("<int:pk>/act/<str:action>/", views.act, name="act"),
]
