"""Patrols: saving one sent from a phone (the same id answers the same patrol), and a cell's patrols of a day with
the km walked and the coverage of the cell's roads.

Roads: the project has no road network of its own; the street segments (责任路段) of the responsibility areas are
the roads it knows, each with its centreline. Coverage = length of those centrelines inside the cell that lie within
30 m of a track of the day / their whole length inside the cell, computed in one SQL query on the cell's UTM zone.
A cell without street segments has no coverage figure (None), and the page says why."""

from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.aggregates import Union
from django.contrib.gis.db.models.functions import GeoFunc, Intersection, Length, Transform
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, FloatField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext as _

from accounts import policy
from common.geometry import metric_srid_for, to_metric
from field.models import Patrol

COVERAGE_DISTANCE_M = 30
EDGE_MARGIN_M = 1.0


class Buffer(GeoFunc):
    function = "ST_Buffer"


def record(worker, client_id, started_at, ended_at, walking_seconds, track):
    """Save a patrol sent from the phone: (patrol, created). Sending it again answers the same patrol."""
    existing = Patrol.objects.filter(client_id=client_id).first()
    if existing is not None:
        if existing.worker_id != worker.pk:
            raise ValidationError({"client_id": _("This patrol id is already in use.")})
        return existing, False
    patrol = Patrol(
        client_id=client_id,
        worker=worker,
        started_at=started_at,
        ended_at=ended_at,
        walking_seconds=walking_seconds,
        track=track,
    )
    patrol.full_clean(exclude=["cell", "length_m", "client_id", "worker"])
    try:
        with transaction.atomic():
            patrol.save()
            place(patrol)
            # The cell the track was placed in must be within the walker's area (a track through somebody else's
            # cells would count in their figures); a refusal undoes the save.
            patrol.refresh_from_db()
            policy.require(worker, "add", patrol)
    except IntegrityError:
        existing = Patrol.objects.filter(client_id=client_id, worker=worker).first()
        if existing is None:
            raise
        return existing, False
    patrol.refresh_from_db()
    return patrol, True


def place(patrol):
    """The patrol's length (spheroid, metres) and its cell: of the cells its track runs through, one the walker
    holds today if any (a walk along a border is theirs), else the one it runs through longest; in SQL."""
    from grids.models import GridCell

    walked = Value(patrol.track, output_field=GeometryField(srid=4326))
    own = Exists(policy.worker_cells(patrol.worker).filter(cell=OuterRef("pk")))
    longest = (
        GridCell.objects.filter(boundary__intersects=patrol.track)
        .annotate(run=Length(Intersection("boundary", walked)), own=own)
        .order_by("-own", "-run", "pk")
        .values("pk")[:1]
    )
    Patrol.objects.filter(pk=patrol.pk).update(length_m=Length("track"), cell=Subquery(longest))


def day_figures(cell, day, patrols):
    """A cell's patrols of one day (`patrols`: those the reader may see; a track counts in every cell it runs
    through, so a walk along a border counts on both sides): km walked inside the cell and road coverage (0–1, None
    without street segments), with the length of the roads inside the cell. Two SQL queries on the UTM zone."""
    from responsibility.models import ResponsibilityArea

    srid = metric_srid_for(cell.boundary)
    metric = GeometryField(srid=srid)
    cell_m = Transform(Value(cell.boundary, output_field=GeometryField(srid=4326)), srid)
    # A track walked along the cell's edge is on it within GPS and float precision: the cell and a margin.
    edge = to_metric(cell.boundary, srid).buffer(EDGE_MARGIN_M)
    edge_m = Value(edge, output_field=metric)
    edge.transform(4326)
    tracks = patrols.filter(track__intersects=edge, started_at__date=day)
    walked = tracks.aggregate(
        n=Count("pk"),
        m=Sum(Cast(Length(Intersection(Transform("track", srid), edge_m, output_field=metric)), FloatField())),
    )
    buffered = Subquery(
        tracks.order_by()
        .annotate(one=Value(1))
        .values("one")
        .annotate(b=Buffer(Union(Transform("track", srid)), Value(float(COVERAGE_DISTANCE_M)), output_field=metric))
        .values("b")[:1],
        output_field=metric,
    )
    inside = Intersection(Transform("line", srid), cell_m, output_field=metric)
    roads = ResponsibilityArea.objects.filter(
        kind=ResponsibilityArea.Kind.ROAD, line__isnull=False, line__intersects=cell.boundary
    )
    figures = roads.aggregate(
        total=Coalesce(Sum(Cast(Length(inside), FloatField())), Value(0.0)),
        covered=Coalesce(
            Sum(Cast(Length(Intersection(inside, buffered, output_field=metric)), FloatField())), Value(0.0)
        ),
    )
    total = figures["total"] or 0.0
    return {
        "patrols": walked["n"],
        "km": round((walked["m"] or 0.0) / 1000, 2),
        "roads_m": round(total, 1),
        "covered_m": round(figures["covered"] or 0.0, 1),
        "coverage": (figures["covered"] or 0.0) / total if total > 0 else None,
    }
