"""Import targets: where the rows of a file can go.

    register(Target(name="building", label=_("buildings"), model=Building, geom_field="footprint",
                    fields={"name": _("name"), ...}, key_fields=["name"]))

A target names its model, the geometry field, the fields a file column may be mapped onto and the fields
that identify a row for re-imports (update by key instead of duplicating). Hooks let a target fill fields
the file does not carry (e.g. the community of a new grid cell) and scope look-ups (e.g. one overlay layer).
Rows are written through the model's full_clean() and save(), so imports obey the same rules as the forms.
Apps register their targets in their AppConfig.ready().
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon, Polygon

_REGISTRY = {}


@dataclass
class Target:
    name: str
    label: Any
    model: type
    geom_field: str
    fields: dict  # model field -> label shown in the mapping form
    key_fields: list
    geom_kinds: tuple = ()  # accepted OGC types after coercion; empty = any
    required: tuple = ()  # fields that must be mapped
    extra_properties: bool = False  # unmapped columns go to a JSON "properties" field
    permission: str = ""  # e.g. "grids.add_building"; checked by pages and the command's user
    scope: Any = None  # callable(job) -> dict of lookups that bound the key search and fill new rows
    prepare: Any = None  # callable(obj, job) before full_clean, e.g. derive a parent from the geometry
    options: dict = field(default_factory=dict)

    def queryset(self, job):
        qs = self.model._default_manager.all()
        return qs.filter(**self.scope(job)) if self.scope else qs

    def new(self, job):
        return self.model(**(self.scope(job) if self.scope else {}))

    def coerce(self, geom: GEOSGeometry):
        """Fit a geometry to the field's kind: Polygon ↔ one-part MultiPolygon."""
        kinds = self.geom_kinds
        if not kinds or geom.geom_type in kinds:
            return geom
        if "MultiPolygon" in kinds and isinstance(geom, Polygon):
            return MultiPolygon(geom, srid=geom.srid)
        if "Polygon" in kinds and isinstance(geom, MultiPolygon) and len(geom) == 1:
            return geom[0]
        if "Point" in kinds and geom.geom_type == "MultiPoint" and len(geom) == 1:
            return geom[0]
        return geom


def register(target: Target):
    _REGISTRY[target.name] = target
    return target


def get(name) -> Target:
    return _REGISTRY[name]


def all_targets():
    return list(_REGISTRY.values())
