"""The file writer of the generic entity pages (common.entity), plugged into common.hooks.exporter by
LayersConfig.ready(): the list of an entity with its current filters, as GeoPackage, Shapefile, GeoJSON, CSV or
XLSX, written by layers.export."""

from common.params import ParamError
from layers import export
from layers.readers import LayerFileError

FORMATS = export.FORMATS
LABELS = export.LABELS
MAX_ROWS = export.MAX_ROWS
unknown_format = export.unknown_format
with_export_geometry = export.with_export_geometry
export_response = export.export_response


def export_srid(text):
    """The coordinate system to write in (?crs=); an unknown one is a 400 naming the parameter."""
    try:
        return export.export_srid(text)
    except LayerFileError as exc:
        raise ParamError("crs", str(exc)) from exc
