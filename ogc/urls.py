from django.urls import path

from ogc import views

app_name = "ogc"
urlpatterns = [
    path("", views.Landing.as_view(), name="landing"),
    path("conformance", views.Conformance.as_view(), name="conformance"),
    path("collections", views.Collections.as_view(), name="collections"),
    path("collections/<slug:collection_id>", views.CollectionView.as_view(), name="collection"),
    path("collections/<slug:collection_id>/items", views.Items.as_view(), name="items"),
    path("collections/<slug:collection_id>/items/<int:fid>", views.Item.as_view(), name="item"),
]
