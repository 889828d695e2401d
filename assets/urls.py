from django.urls import path

from assets import views
from assets.entities import ALL

app_name = "assets"

urlpatterns = [
    path("map/", views.PublicMapView.as_view(), name="map"),
    path("coverage/", views.coverage, name="coverage"),
    path("asset/<int:pk>/", views.asset_detail, name="asset-detail"),
    path("asset/<int:pk>/photo/", views.add_photo, name="asset-photo"),
    path("asset/<int:pk>/inspect/", views.add_inspection, name="asset-inspect"),
    path("asset/<int:pk>/adopt/", views.adopt, name="adopt"),
    path("adoptions/", views.adoption_list, name="adoption-list"),
    path("adoptions/<int:pk>/", views.adoption_detail, name="adoption-detail"),
    path("adoptions/<int:pk>/review/", views.adoption_review, name="adoption-review"),
    path("adoptions/<int:pk>/log/", views.adoption_log, name="adoption-log"),
]
for entity in ALL:
    urlpatterns += entity.urls()
