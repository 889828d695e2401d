from django.urls import path

from grids import views
from grids.entities import ALL

app_name = "grids"

urlpatterns = [
    path("map/", views.MapView.as_view(), name="map"),
    path("community/<int:pk>/", views.community_detail, name="community-detail"),
    path("community/<int:pk>/split/", views.SplitView.as_view(), name="community-split"),
]
for entity in ALL:
    urlpatterns += entity.urls()
