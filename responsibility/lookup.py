"""“Who is responsible here?” — the routing core: point → grid cell, its workers, every area covering the point.

`who_is_responsible` gives the records (case routing works with them); `lookup` gives the public API's answer
(`as_dict` of the same) from one SQL statement, for the lookup answered many times a second.
"""

from dataclasses import dataclass, field
from functools import cache

from django.apps import apps
from django.contrib.gis.geos import Point
from django.utils import timezone
from django.utils.translation import gettext

from common.db import prepared_cursor
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
            GridAssignment.objects.active_on(day).filter(cell=result.cell).select_related("worker").primary_first()
        )
    result.areas = list(
        ResponsibilityArea.objects.active_on(day)
        .filter(area__covers=point)
        .select_related("party__user", "party__household__building")
        .defer("area", "party__household__building__footprint", "party__household__location")
        .order_by("kind", "name", "pk")
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
        .order_by("asset__name", "pk")
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


# --- the public answer from one statement ----------------------------------------------------------------------------


@cache
def _lookup_sql():
    """The statement of `lookup`: the covering cells, the first one's workers on the day, the areas and adoptions
    covering the point, each as a JSON list in the order `who_is_responsible` reads them."""
    from django.contrib.auth import get_user_model

    from grids.models import Building, Community, Household
    from responsibility.models import Party

    t = {
        "cell": GridCell._meta.db_table,
        "community": Community._meta.db_table,
        "assignment": GridAssignment._meta.db_table,
        "user": get_user_model()._meta.db_table,
        "area": ResponsibilityArea._meta.db_table,
        "party": Party._meta.db_table,
        "household": Household._meta.db_table,
        "building": Building._meta.db_table,
    }
    adoptions = "NULL::json"
    if apps.is_installed("assets"):
        from assets.models import Adoption, Asset

        adoptions = f"""(
            SELECT json_agg(json_build_array(d.id, s.name, d.adopter_kind, d.adopter_name, d.start, d."end")
                            ORDER BY s.name, d.id)
              FROM {Adoption._meta.db_table} d JOIN {Asset._meta.db_table} s ON s.id = d.asset_id
             WHERE d.status = 'approved' AND d.start <= %(day)s AND d."end" >= %(day)s AND ST_Covers(s.geom, p.g))"""
    return f"""
        WITH p AS (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS g),
        cells AS MATERIALIZED (
            SELECT c.id, c.code, m.name AS community
              FROM {t["cell"]} c JOIN {t["community"]} m ON m.id = c.community_id, p
             WHERE ST_Covers(c.boundary, p.g))
        SELECT
            (SELECT json_agg(json_build_array(id, code, community) ORDER BY id) FROM cells),
            (SELECT json_agg(json_build_array(u.first_name, u.last_name, u.username, a.role, a.start)
                             ORDER BY a.role <> 'primary', a.start, a.id)
               FROM {t["assignment"]} a JOIN {t["user"]} u ON u.id = a.worker_id
              WHERE a.cell_id = (SELECT min(id) FROM cells)
                AND a.start <= %(day)s AND (a."end" IS NULL OR a."end" >= %(day)s)),
            (SELECT json_agg(json_build_array(r.id, r.kind, r.name, r.duties, r.start, r."end", y.kind, y.name,
                                              y.household_id, h.unit, h.room, h.address, b.name,
                                              y.user_id, pu.first_name, pu.last_name, pu.username)
                             ORDER BY r.kind, r.name, r.id)
               FROM {t["area"]} r
               JOIN {t["party"]} y ON y.id = r.party_id
               LEFT JOIN {t["household"]} h ON h.id = y.household_id
               LEFT JOIN {t["building"]} b ON b.id = h.building_id
               LEFT JOIN {t["user"]} pu ON pu.id = y.user_id, p
              WHERE r.deleted_at IS NULL AND ST_Covers(r.area, p.g)
                AND r.start <= %(day)s AND (r."end" IS NULL OR r."end" >= %(day)s)),
            {adoptions}
          FROM p"""


def _full_name(first, last, username):
    """The name as User.get_full_name() or the username gives it."""
    return f"{first} {last}".strip() or username


def _party_label(kind, name, household_id, unit, room, address, building, user_id, first, last, username):
    """Party.label from the party's columns: a household by its door plate (Household.door_plate), never by name."""
    from responsibility.models import Party

    if kind == Party.Kind.HOUSEHOLD and household_id:
        plate = "-".join(p for p in (building or "", unit, room) if p) or address
        return gettext("household %(plate)s") % {"plate": plate}
    if kind == Party.Kind.USER and user_id:
        return _full_name(first, last, username)
    return name


def lookup(lon, lat, day=None):
    """The public answer to "who is responsible here" (`as_dict(who_is_responsible(...))`) from one statement:
    the same cell, workers, areas and adoptions in the same order, adopters' personal names masked."""
    day = day or timezone.localdate()
    # Bound on the server and prepared once per connection: planning the statement (~2 ms) took longer than running
    # it (~0.5 ms). Read on the primary, like every request outside settings.REPLICA["VIEWS"].
    with prepared_cursor() as cur:
        cur.execute(_lookup_sql(), {"lon": float(lon), "lat": float(lat), "day": day})
        cells, workers, areas, adoptions = cur.fetchone()
    cells, workers, areas, adoptions = cells or [], workers or [], areas or [], adoptions or []
    kinds = dict(ResponsibilityArea.Kind.choices)
    duty_labels = dict(Duty.choices)
    if adoptions:  # found only with the assets app installed
        from assets.models import Adoption

        mask = Adoption.PERSONAL_FIELDS["adopter_name"]
    return {
        "lon": float(lon),
        "lat": float(lat),
        "date": day.isoformat(),
        "cell": {"id": cells[0][0], "code": cells[0][1], "community": cells[0][2]} if cells else None,
        "boundary_cells": [c[1] for c in cells[1:]],
        "workers": [{"name": _full_name(f, la, u), "role": role, "since": start} for f, la, u, role, start in workers],
        "areas": [
            {
                "id": a[0],
                "kind": a[1],
                "kind_label": str(kinds.get(a[1], a[1])),
                "name": a[2],
                "party": _party_label(*a[6:]),
                "party_kind": a[6],
                "duties": [str(duty_labels[d]) for d in a[3] if d in duty_labels],
                "start": a[4],
                "end": a[5],
            }
            for a in areas
        ]
        + [
            {
                "id": None,
                "adoption": d[0],
                "kind": "adoption",
                "kind_label": str(ResponsibilityArea.Kind.ADOPTION.label),
                "name": d[1],
                # an organisation by its name; a household adopter masked like every personal name
                "party": d[3] if d[2] == "organisation" else mask(d[3]),
                "party_kind": d[2],
                "duties": [str(Duty.GREEN.label)],
                "start": d[4],
                "end": d[5],
            }
            for d in adoptions
        ],
    }
