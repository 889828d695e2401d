"""Imported overlay layers at /ogc/ (OGC API Features): one collection per layer, its file's columns as
properties; read as the layer's visibility says (layers.visibility), edited by those the access policy gives the
layer permissions."""

from ogc.registry import Collection, register_source


def layer_collections():
    from layers.models import Feature, FeatureLayer
    from layers.visibility import may_read

    for layer in FeatureLayer.objects.order_by("pk"):
        yield Collection(
            f"layer-{layer.pk}",
            layer.name,
            Feature,
            "geom",
            {"key": "key", "name": "name"},
            description=layer.description,
            base=lambda pk=layer.pk: Feature.objects.filter(layer_id=pk),
            filters=("key", "name"),
            json_properties="properties",
            editable={"key": "key", "name": "name"},
            create_defaults={"layer_id": layer.pk},
            # the layer's visibility decides who reads all of it; writes stay with the access policy
            public=layer.visibility == FeatureLayer.Visibility.PUBLIC,
            scoped=False,
            reader=lambda user, layer=layer: may_read(user, layer),
        )


def register_collections():
    register_source(layer_collections)
