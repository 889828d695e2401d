"""Responsibility areas as an import target of the layers app (GeoJSON, GeoPackage, Shapefile zip …).

Each row goes through the model's own rules (inside its community, no overlap with an area of the same kind
and period, simple lines), so the import's row report names what was refused and why. A file's line geometries
become street segments (centreline + width); polygons become the other kinds. The responsible party is named in
a column and found or created as an organisation.
"""

from django.contrib.gis.geos import LineString, MultiLineString, MultiPolygon, Polygon
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common.geometry import as_multipolygon
from responsibility.models import Party, ResponsibilityArea


def prepare(obj, job):
    geom = getattr(obj, "import_geometry", None)
    if isinstance(geom, MultiLineString) and len(geom) == 1:
        geom = geom[0]
    if isinstance(geom, LineString):
        obj.kind = obj.kind or ResponsibilityArea.Kind.ROAD
        obj.line = geom
    elif isinstance(geom, (Polygon, MultiPolygon)):
        obj.area = as_multipolygon(geom)
    else:
        raise ValidationError(gettext("A responsibility area is a polygon, or a line for a street segment."))
    name = (getattr(obj, "party_name", "") or "").strip()
    if not obj.party_id:
        if not name:
            raise ValidationError({"party": gettext("Name the responsible party in a column of the file.")})
        obj.party = Party.objects.filter(name=name).first() or Party.objects.create(
            kind=Party.Kind.ORGANISATION, name=name
        )


def register_import_target():
    from layers.targets import Target, register

    register(
        Target(
            name="responsibilityarea",
            label=_("responsibility areas"),
            model=ResponsibilityArea,
            geom_field="import_geometry",
            fields={
                "name": _("name"),
                "kind": _("kind"),
                "party_name": _("responsible party"),
                "start": _("start"),
                "end": _("end"),
                "width_m": _("width (m)"),
                "note": _("note"),
            },
            key_fields=["name"],
            required=("name",),
            permission="responsibility.add_responsibilityarea",
            prepare=prepare,
        )
    )
