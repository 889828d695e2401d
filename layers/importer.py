"""Running an import: read, reproject, repair, map fields, write through the model's rules, report per row.

The file is read and checked whole before anything is written, so a bad file changes nothing. Rows are
then written in one transaction with a savepoint per row: a row the model refuses is skipped with its
reason and the others stay. Re-imports update the row whose key field matches instead of adding one.
"""

import contextlib
import logging
import shutil

import shapely
import shapely.geometry
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.files import local_path, storage_path
from layers import progress, targets
from layers.models import ImportJob
from layers.notes import in_every_language, joined, note
from layers.readers import LayerFileError, Source

log = logging.getLogger(__name__)

IMPORTED, UPDATED, SKIPPED = "imported", "updated", "skipped"
PROGRESS_EVERY = 50


@contextlib.contextmanager
def open_job_source(job):
    """The job's file as a Source for the block (a temporary local copy when the media storage has no folder)."""
    with local_path(job.file) as path:
        yield Source(
            path, format=job.format or None, layer=job.source_layer or None, crs_override=job.crs_override
        )


def repair(geom):
    """(geometry, note) for a valid or safely repaired shapely geometry; raises ValueError when unsafe.

    A repair is safe when make_valid keeps the kind and the number of parts (a duplicate vertex, a spike, a
    ring touching itself). It is refused when it would split or merge parts, as a bow-tie or a hole outside
    its shell would be: the file's intent is then unclear.
    """
    if shapely.is_valid(geom):
        return geom, ""
    reason = shapely.is_valid_reason(geom)
    fixed = shapely.make_valid(geom)
    dim = shapely.get_dimensions(geom)
    if fixed.geom_type == "GeometryCollection":
        parts = [p for p in shapely.get_parts(fixed) if shapely.get_dimensions(p) == dim]
        fixed = shapely.union_all(parts) if parts else None
    if fixed is None or fixed.is_empty or shapely.get_dimensions(fixed) != dim:
        raise ValueError(note("unrepairable", reason=reason))
    if shapely.get_num_geometries(fixed) != shapely.get_num_geometries(geom):
        raise ValueError(
            note(
                "repair_parts",
                reason=reason,
                a=int(shapely.get_num_geometries(geom)),
                b=int(shapely.get_num_geometries(fixed)),
            )
        )
    return fixed, note("repaired", reason=reason)


def convert(model, name, value):
    try:
        f = model._meta.get_field(name)
    except FieldDoesNotExist:
        return value
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None if f.null else ("" if f.get_internal_type() in ("CharField", "TextField") else f.get_default())
    if f.get_internal_type() in ("CharField", "TextField"):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()
    if f.choices and isinstance(value, str):
        labels = {str(label).lower(): key for key, label in f.flatchoices}
        value = labels.get(value.strip().lower(), value.strip())
    return f.to_python(value)


def run_import(job: ImportJob):
    """Run a job to its end; the job row records the outcome (done with a report, or failed with an error)."""
    job.status = ImportJob.Status.RUNNING
    job.error = ""
    job.save(update_fields=["status", "error", "updated_at"])
    try:
        target = targets.get(job.target)
        with open_job_source(job) as source:
            batch = source.read()
        job.total = len(batch.rows)
        job.save(update_fields=["total", "updated_at"])
        with transaction.atomic():
            report = write_rows(job, target, batch)
    except LayerFileError as exc:
        return fail(job, str(exc))
    except Exception as exc:
        log.exception("import job %s failed", job.pk)
        return fail(
            job,
            _("The import stopped on an unexpected error (%(kind)s); nothing was imported.")
            % {"kind": exc.__class__.__name__},
        )
    finally:
        cleanup(job)
    job.report = report
    job.imported = sum(1 for r in report if r[1] == IMPORTED)
    job.updated = sum(1 for r in report if r[1] == UPDATED)
    job.skipped = sum(1 for r in report if r[1] == SKIPPED)
    job.processed = job.total
    job.status = ImportJob.Status.DONE
    job.save()
    progress.publish(job.pk, job.total, job.total, job.status)
    return job


def fail(job, message):
    job.status = ImportJob.Status.FAILED
    job.error = message
    job.processed = job.imported = job.updated = job.skipped = 0
    job.report = []
    job.save()
    progress.publish(job.pk, 0, job.total, job.status)
    return job


def cleanup(job):
    """Remove the folder an archive was unpacked into beside a file kept in a folder storage (a temporary copy's
    folder goes with the copy)."""
    path = storage_path(job.file.storage, job.file.name)
    if path is not None:
        shutil.rmtree(path.parent / (path.name + ".d"), ignore_errors=True)


MERGE_PIECES = "_merge_pieces"  # in job.mapping: rows of the file sharing a key are merged into one geometry


def write_rows(job, target, batch):
    """Write every row; returns [[row, status, object id, note], ...].

    Rows sharing a key value within the file are reported as such: only the first is written, or, when the job
    asks to merge pieces (a building clipped into parts under one id), the first carries the union of all of
    them and the others say where they went."""
    model = target.model
    mapping = {k: v for k, v in (job.mapping or {}).items() if v and k in target.fields}
    key = job.key_field if job.key_field in mapping else ""
    existing = target.queryset(job)
    rows, geoms = batch.rows.tolist(), list(batch.geoms)
    done, extra = {}, {}
    for value, indexes in duplicate_keys(model, key, mapping, batch.attrs).items():
        first, others = indexes[0], indexes[1:]
        if (job.mapping or {}).get(MERGE_PIECES):
            geoms[first] = merge_pieces([geoms[i] for i in indexes])
            extra[first] = note("merged", key=key, value=value, rows=", ".join(str(rows[i]) for i in others))
            for i in others:
                done[i] = [rows[i], SKIPPED, None, note("merged_into", first=rows[first], key=key, value=value)]
        else:
            for i in others:
                done[i] = [rows[i], SKIPPED, None, note("duplicate_key", key=key, value=value, first=rows[first])]
    report = []
    total = len(rows)
    for i, (row, geom, attrs) in enumerate(zip(rows, geoms, batch.attrs, strict=True)):
        result = done.get(i) or write_row(job, target, model, existing, mapping, key, row, geom, attrs)
        if i in batch.split:
            result[3] = joined(note("antimeridian"), result[3])
        if i in extra:
            result[3] = joined(extra[i], result[3])
        report.append(result)
        if (i + 1) % PROGRESS_EVERY == 0:
            progress.publish(job.pk, i + 1, total, ImportJob.Status.RUNNING)
    return report


def duplicate_keys(model, key, mapping, attrs):
    """{key value: [row indexes]} of the key values found on more than one row of the file."""
    if not key:
        return {}
    seen = {}
    for i, row in enumerate(attrs):
        try:
            value = convert(model, key, row.get(mapping[key]))
        except ValidationError:
            continue
        if value not in (None, ""):
            seen.setdefault(str(value), []).append(i)
    return {value: indexes for value, indexes in seen.items() if len(indexes) > 1}


def merge_pieces(pieces):
    """One geometry of the pieces: polygons dissolved into one (multi)polygon, lines and points as multi-parts."""
    parts = [p for g in pieces if g is not None for p in shapely.get_parts(g) if not p.is_empty]
    if not parts:
        return None
    kinds = {p.geom_type for p in parts}
    if kinds == {"Polygon"}:
        return shapely.union_all(parts)
    if kinds == {"LineString"}:
        return shapely.MultiLineString(parts)
    if kinds == {"Point"}:
        return shapely.MultiPoint(parts)
    return shapely.GeometryCollection(parts)


def write_row(job, target, model, existing, mapping, key, row, geom, attrs):
    if geom is None or shapely.is_empty(geom):
        return [row, SKIPPED, None, note("no_geometry")]
    try:
        geom, repaired = repair(geom)
    except ValueError as exc:
        return [row, SKIPPED, None, exc.args[0]]
    values = {}
    try:
        for field, column in mapping.items():
            values[field] = convert(model, field, attrs.get(column))
    except ValidationError as exc:
        message = in_every_language(lambda error=exc: " ".join(error.messages))  # Django's lazy messages
        return [row, SKIPPED, None, note("field", field=field, message=message)]
    obj, status = None, IMPORTED
    if key:
        if values.get(key) in (None, ""):
            return [row, SKIPPED, None, note("key_empty", key=key)]
        matches = list(existing.filter(**{key: values[key]})[:2])
        if len(matches) > 1:
            return [row, SKIPPED, None, note("several", key=key, value=str(values[key]))]
        if matches:
            obj, status = matches[0], UPDATED
    if obj is None:
        obj = target.new(job)
    for field, value in values.items():
        setattr(obj, field, value)
    if target.extra_properties:
        used = set(mapping.values())
        obj.properties = {k: v for k, v in attrs.items() if k not in used}
    setattr(obj, target.geom_field, target.coerce(GEOSGeometry(memoryview(shapely.to_wkb(geom)), srid=4326)))
    action = "change" if status == UPDATED else "add"
    exclude = [f.name for f in model._meta.fields if not f.editable]
    try:
        with transaction.atomic():
            if status == UPDATED:
                within_area(job, action, obj)
            if target.prepare:
                target.prepare(obj, job)
            obj.full_clean(exclude=exclude)
            obj.save()
            within_area(job, action, obj)  # where the row landed, with what the save derived
    except ValidationError as exc:
        return [row, SKIPPED, None, note("invalid", message=clean_messages(obj, exclude, exc))]
    except PermissionDenied:
        return [row, SKIPPED, None, note("outside_area")]
    return [row, status, obj.pk, repaired]


def within_area(job, action, obj):
    """Rows of a model that sits in an area are written only within the area of whoever started the import
    (accounts.policy); a job without a person (the command line) writes anywhere."""
    from common.hooks import access_policy as policy

    user = job.created_by
    if user is None:
        return
    try:
        place = policy.place_of(type(obj))
    except LookupError:
        return
    if any(place.path(level) for level in ("district", "street", "community", "cell")) or place.geometry:
        policy.require(user, action, obj)


def clean_messages(obj, exclude, exc):
    """The refusal of a row by the model's own rules, in every language of the site: clean() words its messages
    in the language active when it runs (the importer's), so it is asked again in each (reads only, the row's
    transaction is already rolled back)."""

    def words():
        try:
            obj.full_clean(exclude=exclude)
        except ValidationError as again:
            return "; ".join(_messages(again))
        return "; ".join(_messages(exc))

    return in_every_language(words)


def _messages(exc):
    if hasattr(exc, "error_dict"):
        return [f"{k}: {' '.join(v)}" if k != "__all__" else " ".join(v) for k, v in exc.message_dict.items()]
    return exc.messages


def preview_geojson(job, limit=500):
    """The first features of the file in EPSG:4326, as GeoJSON for the preview map."""
    with open_job_source(job) as source:
        batch = source.read(max_features=limit)
    features = []
    for row, geom, attrs in zip(batch.rows.tolist(), batch.geoms, batch.attrs, strict=True):
        if geom is None:
            continue
        props = {"row": row}
        props.update({k: v for k, v in list(attrs.items())[:6] if not isinstance(v, bytes)})
        features.append({"type": "Feature", "geometry": shapely.geometry.mapping(geom), "properties": props})
    return {"type": "FeatureCollection", "features": features}


def now():
    return timezone.now()
