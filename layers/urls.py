from django.urls import path

from layers import overlays, raster_views, views

app_name = "layers"

urlpatterns = [
    path("imports/", views.imports, name="imports"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import-progress"),
    path("imports/<int:pk>/preview/", views.import_preview, name="import-preview"),
    path("overlays/", overlays.overlays, name="overlays"),
    path("overlays/<int:pk>/export/", overlays.overlay_export, name="overlay-export"),
    path("overlays/<int:pk>/delete/", overlays.overlay_delete, name="overlay-delete"),
    path("overlays/<int:pk>/visibility/", overlays.overlay_visibility, name="overlay-visibility"),
    path("raster/", raster_views.rasters, name="rasters"),
    path("raster/compare/", raster_views.compare, name="raster-compare"),
    path("raster/<int:pk>/", raster_views.raster, name="raster"),
    path("raster/<int:pk>/progress/", raster_views.raster_progress, name="raster-progress"),
    path("raster/<int:pk>/coverage/", raster_views.raster_coverage, name="raster-coverage"),
    path("raster/<int:pk>/tiles/<int:z>/<int:x>/<int:y>.png", raster_views.raster_tile, name="raster-tile"),
]
