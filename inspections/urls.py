from django.urls import path

from inspections import api, views

app_name = "inspections"

urlpatterns = [
    path("", views.home, name="home"),
    path("report/<int:pk>/<str:fmt>/", views.report_download, name="report"),
    path("api/results/", api.ResultView.as_view(), name="api-result"),
]
