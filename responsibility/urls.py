from django.urls import path

from responsibility import views
from responsibility.entities import area

app_name = "responsibility"

urlpatterns = [
    path("", views.LookupMapView.as_view(), name="lookup"),
    path("community/<int:pk>/assign/", views.AssignView.as_view(), name="assign"),
    path("community/<int:pk>/coverage/", views.CoverageView.as_view(), name="coverage"),
    path("community/<int:pk>/coverage.<str:fmt>", views.CoverageView.as_view(), name="coverage-export"),
    path("responsibilityarea/new/", views.AreaEditorView.as_view(), name="responsibilityarea-create"),
    path("responsibilityarea/<int:pk>/edit/", views.AreaEditorView.as_view(), name="responsibilityarea-update"),
    *area.urls(),
]
