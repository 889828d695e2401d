"""“Who is responsible here?” — the routing core: point → grid cell, its workers, every area covering the point."""

from dataclasses import dataclass, field

from django.contrib.gis.geos import Point
from django.utils import timezone

from grids.models import GridAssignment, GridCell
from responsibility.models import ResponsibilityArea


@dataclass
class Responsibility:
    point: Point
    day: object
    cell: GridCell | None = None
    boundary_cells: list = field(default_factory=list)
    workers: list = field(default_factory=list)
    areas: list = field(default_factory=list)


def who_is_responsible(lon, lat, day=None):
    """Three indexed queries: the covering cell(s), their workers on that day, the areas covering the point.

    A point on the edge between cells belongs to the cell with the lowest id (as bulk assignment decides);
    the other cells sharing that edge are listed in boundary_cells.
    """
    day = day or timezone.localdate()
    point = Point(float(lon), float(lat), srid=4326)
    result = Responsibility(point=point, day=day)
    cells = list(
        GridCell.objects.filter(boundary__covers=point).select_related("community__street__district").order_by("id")
    )
    if cells:
        result.cell, result.boundary_cells = cells[0], cells[1:]
        result.workers = list(
            GridAssignment.objects.active_on(day)
            .filter(cell=result.cell)
            .select_related("worker")
            .order_by("role", "start")
        )
    result.areas = list(
        ResponsibilityArea.objects.active_on(day)
        .filter(area__covers=point)
        .select_related("party__user", "party__household__building")
        .order_by("kind", "name")
    )
    return result


def as_dict(r):
    def worker(a):
        return {"name": a.worker.get_full_name() or a.worker.username, "role": a.role, "since": a.start.isoformat()}

    return {
        "lon": r.point.x,
        "lat": r.point.y,
        "date": r.day.isoformat(),
        "cell": ({"id": r.cell.id, "code": r.cell.code, "community": r.cell.community.name} if r.cell else None),
        "boundary_cells": [c.code for c in r.boundary_cells],
        "workers": [worker(a) for a in r.workers],
        "areas": [
            {
                "id": a.id,
                "kind": a.kind,
                "kind_label": str(a.get_kind_display()),
                "name": a.name,
                "party": a.party.label,
                "party_kind": a.party.kind,
                "duties": [str(d) for d in a.duty_labels()],
                "start": a.start.isoformat(),
                "end": a.end.isoformat() if a.end else None,
            }
            for a in r.areas
        ],
    }
