"""“Who is responsible here?” — the routing core: point → grid cell, its workers, every area covering the point."""

from dataclasses import dataclass, field

from django.contrib.gis.geos import Point
from django.utils import timezone

from grids.models import GridAssignment, GridCell
from responsibility.models import Duty, ResponsibilityArea


@dataclass
class Responsibility:
    point: Point
    day: object
    cell: GridCell | None = None
    boundary_cells: list = field(default_factory=list)
    workers: list = field(default_factory=list)
    areas: list = field(default_factory=list)
    adoptions: list = field(default_factory=list)


def who_is_responsible(lon, lat, day=None):
    """Three indexed queries: the covering cell(s), their workers on that day, the areas covering the point.

    A point on the edge between cells belongs to the cell with the lowest id (as bulk assignment decides);
    the other cells sharing that edge are listed in boundary_cells.
    """
    day = day or timezone.localdate()
    point = Point(float(lon), float(lat), srid=4326)
    result = Responsibility(point=point, day=day)
    # The units' outlines are not part of the answer: leaving them out spares reading and parsing a district's
    # polygon (tens of kB) on every lookup.
    cells = list(
        GridCell.objects.filter(boundary__covers=point)
        .select_related("community__street__district")
        .defer(
            "boundary",
            "community__boundary",
            "community__street__boundary",
            "community__street__district__boundary",
        )
        .order_by("id")
    )
    if cells:
        result.cell, result.boundary_cells = cells[0], cells[1:]
        result.workers = list(
            GridAssignment.objects.active_on(day)
            .filter(cell=result.cell)
            .select_related("worker")
            .primary_first()
        )
    result.areas = list(
        ResponsibilityArea.objects.active_on(day)
        .filter(area__covers=point)
        .select_related("party__user", "party__household__building")
        .defer("area", "party__household__building__footprint", "party__household__location")
        .order_by("kind", "name")
    )
    result.adoptions = adoptions_covering(point, day)
    return result


def adoptions_covering(point, day):
    """Green spaces and other assets adopted (认养) on that day whose geometry covers the point (assets app)."""
    from django.apps import apps

    if not apps.is_installed("assets"):
        return []
    from assets.models import Adoption

    return list(
        Adoption.objects.active_on(day)
        .filter(asset__geom__covers=point)
        .select_related("asset")
        .defer("asset__geom")
        .order_by("asset__name")
    )


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
        ]
        + [
            {
                "id": None,
                "adoption": a.id,
                "kind": "adoption",
                "kind_label": str(ResponsibilityArea.Kind.ADOPTION.label),
                "name": a.asset.name,
                # an organisation by its name; a household adopter masked like every personal name
                "party": a.adopter_name if a.adopter_kind == "organisation" else a.masked("adopter_name"),
                "party_kind": a.adopter_kind,
                "duties": [str(Duty.GREEN.label)],
                "start": a.start.isoformat(),
                "end": a.end.isoformat() if a.end else None,
            }
            for a in r.adoptions
        ],
    }
