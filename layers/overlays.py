"""Imported overlay layers as layers of their own: a list with each layer's map (the OGC API Features page of its
collection, coloured by a chosen property), its API address, the export form and a delete with confirmation.
Who reads, exports and deletes a layer is the access policy's answer for overlay layers (administrators and those
given the layer permissions)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from common.hooks import access_policy as policy
from common.params import ParamError, raw
from layers import export
from layers.models import Feature, FeatureLayer
from layers.readers import LayerFileError
from layers.visibility import readable_layers

FORMATS = [("gpkg", "GeoPackage"), ("shp", "Shapefile"), ("geojson", "GeoJSON"), ("csv", "CSV"), ("xlsx", "XLSX")]
MAX_COLUMNS = 50


def layer_or_404(user, pk, action="view"):
    layer = readable_layers(user).filter(pk=pk).first()
    if layer is None:
        raise Http404(_("No such overlay layer."))
    if action != "view":
        policy.require(user, action, layer)
    return layer


class VisibilityForm(forms.ModelForm):
    class Meta:
        model = FeatureLayer
        fields = ["visibility", "community"]


@login_required
def overlays(request):
    layers = readable_layers(request.user).annotate(n=Count("features")).select_related("community").order_by("name")
    rows = [
        {
            "layer": layer,
            "map": reverse("ogc:items", args=[f"layer-{layer.pk}"]) + "?f=html&limit=1000",
            "api": request.build_absolute_uri(reverse("ogc:items", args=[f"layer-{layer.pk}"])),
            "may_delete": policy.allows(request.user, "delete", layer),
            "visibility": VisibilityForm(instance=layer, prefix=f"v{layer.pk}")
            if policy.allows(request.user, "change", layer)
            else None,
        }
        for layer in layers
    ]
    return render(
        request,
        "layers/overlays.html",
        {"rows": rows, "formats": FORMATS, "ogc": request.build_absolute_uri(reverse("ogc:landing"))},
    )


@login_required
def overlay_export(request, pk):
    """?format=gpkg|shp|geojson|csv|xlsx&crs=4326: the layer's features with its columns."""
    layer = layer_or_404(request.user, pk)
    fmt = raw(request.GET, "format") or "gpkg"
    if fmt not in export.FORMATS:
        raise ParamError("format", export.unknown_format(fmt))
    try:
        srid = export.export_srid(raw(request.GET, "crs"))
    except LayerFileError as exc:
        raise ParamError("crs", str(exc)) from None
    features = export.with_export_geometry(Feature.objects.filter(layer=layer).order_by("pk"), "geom", srid)
    features = list(features[: export.MAX_ROWS])
    kinds = sorted({f.export_geom.geom_type.replace("Multi", "") for f in features if f.export_geom})
    if fmt == "shp" and len(kinds) > 1:
        raise ParamError(
            "format",
            _("A shapefile holds one kind of geometry; this layer has %(kinds)s. Choose GeoPackage or GeoJSON.")
            % {"kinds": ", ".join(kinds)},
        )
    extra = []
    for f in features:
        for key in f.properties or {}:
            if key not in extra and key not in ("key", "name") and len(extra) < MAX_COLUMNS:
                extra.append(key)
    columns = ["key", "name", *extra]
    rows = [(f.pk, f.export_geom, [f.key, f.name, *[(f.properties or {}).get(k) for k in extra]]) for f in features]
    return export.export_response(
        name=f"layer-{layer.pk}", fmt=fmt, srid=srid, columns=columns, rows=rows, request=request
    )


@login_required
def overlay_delete(request, pk):
    layer = layer_or_404(request.user, pk, "delete")
    count = layer.features.count()
    if request.method == "POST":
        with transaction.atomic():
            layer.delete()
        messages.success(
            request,
            _("The overlay layer %(name)s and its %(n)s features were deleted.") % {"name": layer.name, "n": count},
        )
        return redirect("layers:overlays")
    return render(request, "layers/overlay_delete.html", {"layer": layer, "count": count})


@login_required
def overlay_visibility(request, pk):
    """POST: who sees the layer (administrators only / staff of an area / everyone), by whoever may change it."""
    layer = layer_or_404(request.user, pk, "change")
    if request.method != "POST":
        return redirect("layers:overlays")
    form = VisibilityForm(request.POST, instance=layer, prefix=f"v{layer.pk}")
    if form.is_valid():
        form.save()
        messages.success(request, _("Who sees %(name)s was changed.") % {"name": layer.name})
    else:
        errors = "; ".join(" ".join(e) for e in form.errors.values())
        messages.error(request, _("Not changed: %(errors)s") % {"errors": errors})
    return redirect("layers:overlays")
