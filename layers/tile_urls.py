from django.urls import path

from layers.tiles import tile

urlpatterns = [path("<slug:layer>/<int:z>/<int:x>/<int:y>.pbf", tile, name="vector-tile")]
