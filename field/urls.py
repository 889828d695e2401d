from django.urls import path

from field import api, views

app_name = "field"

urlpatterns = [
    path("", views.workspace, name="workspace"),
    path("sw.js", views.service_worker, name="sw"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("data.json", views.data, name="data"),
    path("search/", views.search, name="search"),
    path("patrols/", views.patrols, name="patrols"),
    path("api/patrols/", api.PatrolView.as_view(), name="api-patrol"),
    path("api/report/", api.ReportView.as_view(), name="api-report"),
    path("api/cases/<int:pk>/<str:action>/", api.ActView.as_view(), name="api-act"),
]
