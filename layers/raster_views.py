"""Imagery pages: upload, conversion progress, the raster map with its tiles and green coverage, before/after."""

import hashlib
import json
import logging

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseNotModified, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from kombu.exceptions import OperationalError

from common.errors import add_to_form
from common.params import parse_id
from layers import coverage, imagery, progress
from layers.models import GreenCoverage, RasterLayer
from layers.tiles import MAX_ZOOM
from layers.views import too_large

log = logging.getLogger(__name__)


class RasterForm(forms.ModelForm):
    file = forms.FileField(label=gettext_lazy("GeoTIFF"), help_text=gettext_lazy("Any CRS; .tif or .tiff"))

    class Meta:
        model = RasterLayer
        fields = ["name", "kind", "acquired", "red_band", "green_band", "blue_band", "nir_band", "green_classes"]
        widgets = {"acquired": forms.DateInput(attrs={"type": "date"})}

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > settings.LAYERS["MAX_UPLOAD_MB"] * 1024 * 1024:
            raise ValidationError(
                _("The file is larger than %(limit)s MB.") % {"limit": settings.LAYERS["MAX_UPLOAD_MB"]}
            )
        return f

    def _post_clean(self):
        # The band ranges are checked against the file in imagery.create_layer, once it has been read.
        pass


def list_context(form):
    return {"form": form, "rasters": RasterLayer.objects.all()[:50]}


@login_required
def rasters(request):
    can_add = request.user.has_perm("layers.add_rasterlayer")
    if request.method == "POST":
        if not can_add:
            return HttpResponse(status=403)
        if too_large(request):
            form = RasterForm()
            form.errors["file"] = form.error_class(
                [_("The file is larger than %(limit)s MB.") % {"limit": settings.LAYERS["MAX_UPLOAD_MB"]}]
            )
            return render(request, "layers/rasters.html", list_context(form) | {"can_add": can_add}, status=413)
        form = RasterForm(request.POST, request.FILES)
        if form.is_valid():
            data = dict(form.cleaned_data)
            upload = data.pop("file")
            name = data.pop("name")
            try:
                layer = imagery.create_layer(upload, name, created_by=request.user, **data)
            except imagery.RasterError as exc:
                form.add_error("file", str(exc))
            except ValidationError as exc:
                add_to_form(form, exc)
            else:
                enqueue(layer)
                return redirect("layers:raster", pk=layer.pk)
        status = 400 if form.errors else 200
        return render(request, "layers/rasters.html", list_context(form) | {"can_add": can_add}, status=status)
    return render(request, "layers/rasters.html", list_context(RasterForm()) | {"can_add": can_add})


def enqueue(layer):
    from layers.tasks import convert_raster

    try:
        convert_raster.apply_async(args=[layer.pk], retry=False)
    except OperationalError as exc:
        log.warning("raster %s not queued: %s", layer.pk, exc)
        layer.status = RasterLayer.Status.FAILED
        layer.error = _("The job queue cannot be reached; the conversion was not started. Upload the file again.")
        layer.save(update_fields=["status", "error", "updated_at"])
        return False
    return True


def tile_template(layer):
    return reverse("layers:raster-tile", args=[layer.pk, 0, 0, 0]).replace("/0/0/0.png", "/{z}/{x}/{y}.png")


@login_required
def raster(request, pk):
    layer = get_object_or_404(RasterLayer, pk=pk)
    config = {
        "tiles": tile_template(layer),
        "coverage": reverse("layers:raster-coverage", args=[layer.pk]),
        "bounds": list(layer.bounds.extent) if layer.bounds else None,
        "bandCount": layer.band_count,
        "coverageLabel": _("Green coverage"),
    }
    return render(
        request,
        "layers/raster.html",
        {
            "layer": layer,
            "config": config,
            "progress_url": reverse("layers:raster-progress", args=[layer.pk]),
            "others": RasterLayer.objects.filter(status=RasterLayer.Status.DONE).exclude(pk=layer.pk),
        },
    )


@login_required
def raster_progress(request, pk):
    layer = get_object_or_404(RasterLayer, pk=pk)
    live = progress.read(imagery.progress_key(layer.pk)) if not layer.finished else None
    step = live["processed"] if live else (imagery.STEPS if layer.status == RasterLayer.Status.DONE else 0)
    percent = 100 if layer.status == RasterLayer.Status.DONE else int(100 * step / imagery.STEPS)
    return JsonResponse(
        {
            "status": layer.status,
            "status_label": layer.get_status_display(),
            "percent": percent,
            "error": layer.error,
            "finished": layer.finished,
        }
    )


@login_required
def raster_tile(request, pk, z, x, y):
    layer = get_object_or_404(RasterLayer, pk=pk)
    if layer.status != RasterLayer.Status.DONE or not layer.cog:
        raise Http404(_("The image is not converted yet."))
    if not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        return HttpResponseBadRequest(_("Tile out of range."))
    try:
        params = imagery.parse_tile_params(layer, request.GET)
    except imagery.RasterError as exc:
        return HttpResponseBadRequest(str(exc))
    digest = hashlib.sha1(f"{layer.pk}:{layer.updated_at.isoformat()}:{z}/{x}/{y}:{request.GET.urlencode()}".encode())
    etag = f'"{digest.hexdigest()}"'
    if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponseNotModified()
    else:
        body = imagery.render_tile(params, z, x, y)
        response = HttpResponse(status=204) if body is None else HttpResponse(body, content_type="image/png")
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=86400"
    return response


@login_required
def raster_coverage(request, pk):
    """Green coverage per grid cell (and zone) as GeoJSON for the choropleth."""
    layer = get_object_or_404(RasterLayer, pk=pk)
    rows = list(GreenCoverage.objects.filter(raster=layer).select_related("cell").order_by("zone_id", "cell__code"))
    zones = coverage.areas("zone", {r.zone_id for r in rows if r.zone_id}) if any(r.zone_id for r in rows) else {}
    features = []
    for row in rows:
        area = row.cell or zones.get(row.zone_id)
        if area is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(area.boundary.geojson),
                "properties": {
                    "kind": "cell" if row.cell_id else "zone",
                    "label": row.cell.code if row.cell_id else str(area),
                    "share": round(row.share, 6),
                    "green_m2": round(row.green_m2, 1),
                    "area_m2": round(row.area_m2, 1),
                },
            }
        )
    return JsonResponse({"type": "FeatureCollection", "features": features}, json_dumps_params={"ensure_ascii": False})


@login_required
def compare(request):
    """Before/after: two imagery layers of the same place, the upper one clipped by a draggable divider."""
    done = RasterLayer.objects.filter(status=RasterLayer.Status.DONE)
    before_id, after_id = parse_id(request.GET, "before"), parse_id(request.GET, "after")
    before = get_object_or_404(done, pk=before_id) if before_id else None
    after = get_object_or_404(done, pk=after_id) if after_id else None
    if before is None or after is None:
        return redirect("layers:rasters")
    extent = before.bounds.union(after.bounds).extent
    config = {"before": tile_template(before), "after": tile_template(after), "bounds": list(extent)}
    return render(request, "layers/compare.html", {"before": before, "after": after, "config": config})
