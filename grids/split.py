"""Split tool: propose grid cells for a community, preview them, then save them in one transaction.

Two modes:
- square: a regular grid of squares of a chosen size (metres, on the community's UTM zone) anchored at the
  north-west corner of the community and clipped to its boundary by PostGIS; clipped slivers smaller
  than a share of a square join the neighbour they share the longest edge with.
- households: recursive bisection along the longer side until every cell holds at most N households;
  each cut splits the households in proportion to the cells each side needs (ceil(n / N)).
Serials run west→east within rows, rows north→south.
"""

from dataclasses import dataclass, field

import numpy as np
import shapely
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext
from shapely.geometry import MultiPolygon, box
from shapely.strtree import STRtree

from common.geometry import as_multipolygon, metric_srid_for


@dataclass
class ProposedCell:
    serial: int
    geom: GEOSGeometry  # EPSG:4326 MultiPolygon
    area_m2: float
    households: int = 0
    sort_key: tuple = field(default=(), repr=False)

    def code(self, community):
        return f"{community.full_code}{self.serial:03d}"


def _polygonal(geom):
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon") and p.area > 0]
    flat = []
    for p in parts:
        flat.extend(shapely.get_parts(p) if p.geom_type == "MultiPolygon" else [p])
    return MultiPolygon(flat) if flat else None


def _metric_boundary(community, srid):
    return shapely.from_wkb(bytes(community.boundary.transform(srid, clone=True).wkb))


def _household_points(community, srid):
    with connection.cursor() as cur:
        cur.execute(
            """SELECT ST_X(p), ST_Y(p) FROM (
                   SELECT ST_Transform(h.location, %s) AS p
                     FROM grids_household h, grids_community c
                    WHERE c.id = %s AND h.deleted_at IS NULL AND ST_Covers(c.boundary, h.location)) t""",
            [srid, community.pk],
        )
        rows = cur.fetchall()
    return np.array(rows, dtype=float).reshape(-1, 2)


def square_grid(community, size_m, min_share=0.25):
    if size_m < 20 or size_m > 5000:
        raise ValidationError(gettext("The square size must be between 20 and 5000 metres."))
    srid = metric_srid_for(community.boundary)
    with connection.cursor() as cur:
        # Squares anchored at the north-west corner of the community's extent, clipped to its boundary.
        cur.execute(
            """WITH b AS (SELECT ST_Transform(boundary, %(srid)s) AS g FROM grids_community WHERE id = %(cid)s),
                    e AS (SELECT g, ST_XMin(g) AS x0, ST_YMax(g) AS y0,
                                 ceil((ST_XMax(g) - ST_XMin(g)) / %(size)s)::int AS nx,
                                 ceil((ST_YMax(g) - ST_YMin(g)) / %(size)s)::int AS ny FROM b),
                    sq AS (SELECT i, j, e.g,
                                  ST_MakeEnvelope(x0 + i * %(size)s, y0 - (j + 1) * %(size)s,
                                                  x0 + (i + 1) * %(size)s, y0 - j * %(size)s, %(srid)s) AS cell
                             FROM e, generate_series(0, e.nx - 1) AS i, generate_series(0, e.ny - 1) AS j)
               SELECT i, j, ST_AsBinary(ST_CollectionExtract(ST_Intersection(cell, g), 3))
                 FROM sq
                WHERE ST_Intersects(cell, g)""",
            {"srid": srid, "cid": community.pk, "size": float(size_m)},
        )
        rows = cur.fetchall()
    pieces = []
    for i, j, wkb in rows:
        g = _polygonal(shapely.from_wkb(bytes(wkb)))
        if g is not None:
            pieces.append({"geom": g, "key": (j, i)})
    _merge_slivers(pieces, min_share * size_m * size_m)
    return _finish(community, srid, pieces)


def _merge_slivers(pieces, min_area):
    """Join each piece below min_area to the neighbour sharing the longest edge with it."""
    while True:
        small = [p for p in pieces if p["geom"].area < min_area and not p.get("keep")]
        if not small or len(pieces) < 2:
            return
        sliver = min(small, key=lambda p: p["geom"].area)
        others = [p for p in pieces if p is not sliver]
        tree = STRtree([p["geom"] for p in others])
        best, best_len = None, 0.0
        for idx in tree.query(sliver["geom"], predicate="intersects"):
            shared = sliver["geom"].boundary.intersection(others[idx]["geom"].boundary).length
            if shared > best_len:
                best, best_len = others[idx], shared
        if best is None:
            # An island of the boundary: it stays a cell of its own.
            sliver["keep"] = True
            continue
        best["geom"] = _polygonal(shapely.union(best["geom"], sliver["geom"]))
        pieces.remove(sliver)


def by_households(community, max_households=300):
    if max_households < 1:
        raise ValidationError(gettext("The number of households per cell must be at least 1."))
    srid = metric_srid_for(community.boundary)
    region = _metric_boundary(community, srid)
    pts = _household_points(community, srid)
    regions = []
    _bisect(region, pts, max_households, regions)
    pieces = [{"geom": g} for g in (_polygonal(r) for r in regions) if g is not None]
    _order_by_rows(pieces)
    return _finish(community, srid, pieces)


def _cut_between(values, share):
    """A cut value leaving about share of the values below it, strictly between two distinct values."""
    v = np.sort(values)
    steps = np.nonzero(v[1:] > v[:-1])[0] + 1
    if steps.size == 0:
        return None
    k = steps[np.argmin(np.abs(steps - len(v) * share))]
    return (v[k - 1] + v[k]) / 2.0


def _bisect(region, pts, limit, out):
    if len(pts) <= limit or region.is_empty:
        out.append(region)
        return
    # Cells still needed for these households; the cut shares them out so both sides fill evenly.
    needed = -(-len(pts) // limit)
    share = (needed // 2) / needed
    minx, miny, maxx, maxy = region.bounds
    axes = (0, 1) if (maxx - minx) >= (maxy - miny) else (1, 0)
    for ax in axes:
        cut = _cut_between(pts[:, ax], share)
        if cut is None:
            continue
        if ax == 0:
            low, high = box(minx - 1, miny - 1, cut, maxy + 1), box(cut, miny - 1, maxx + 1, maxy + 1)
        else:
            low, high = box(minx - 1, miny - 1, maxx + 1, cut), box(minx - 1, cut, maxx + 1, maxy + 1)
        mask = pts[:, ax] < cut
        _bisect(region.intersection(low), pts[mask], limit, out)
        _bisect(region.intersection(high), pts[~mask], limit, out)
        return
    out.append(region)  # every household at one spot: the cell keeps them all


def _order_by_rows(pieces):
    """Rows north→south, west→east within a row; a row gathers centroids within half a typical cell height."""
    if not pieces:
        return
    height = float(np.sqrt(np.median([p["geom"].area for p in pieces])))
    ordered = sorted(pieces, key=lambda p: -p["geom"].centroid.y)
    row, row_top = 0, None
    for p in ordered:
        y = p["geom"].centroid.y
        if row_top is None or row_top - y > height / 2:
            row, row_top = row + 1, y
        p["key"] = (row, p["geom"].centroid.x)


def _finish(community, srid, pieces):
    pieces.sort(key=lambda p: p["key"])
    cells = []
    for serial, p in enumerate(pieces, start=1):
        g = GEOSGeometry(memoryview(shapely.to_wkb(p["geom"])), srid=srid)
        g.transform(4326)
        cells.append(ProposedCell(serial=serial, geom=as_multipolygon(g), area_m2=p["geom"].area, sort_key=p["key"]))
    _count_households(cells)
    return cells


def _count_households(cells):
    if not cells:
        return
    with connection.cursor() as cur:
        cur.execute(
            """SELECT n.idx, count(h.id)
                 FROM unnest(%s::int[], %s::text[]) AS n(idx, hex)
                 LEFT JOIN grids_household h
                        ON h.deleted_at IS NULL AND ST_Covers(ST_GeomFromEWKB(decode(n.hex, 'hex')), h.location)
                GROUP BY n.idx""",
            [list(range(len(cells))), [c.geom.hexewkb.decode() for c in cells]],
        )
        for idx, n in cur.fetchall():
            cells[idx].households = n


def propose(community, mode, size_m=None, max_households=None):
    if mode == "square":
        return square_grid(community, float(size_m or 300))
    if mode == "households":
        return by_households(community, int(max_households or 300))
    raise ValidationError(gettext("Unknown split mode: %(mode)s.") % {"mode": mode})


def save_split(community, proposal, replace=False):
    """Replace the community's cells by the proposal, after checking the tiling; all or nothing."""
    from grids.models import Building, GridCell, Household
    from grids.topology import tiling_problems

    with transaction.atomic():
        existing = list(community.cells.select_for_update().values_list("id", flat=True))
        if existing and not replace:
            raise ValidationError(
                gettext("Community %(c)s already has %(n)s grid cells; confirm replacing them.")
                % {"c": community.name, "n": len(existing)}
            )
        problems = tiling_problems(
            community, [(f"n{c.serial}", c.code(community), c.geom) for c in proposal], existing, full=True
        )
        if problems:
            raise ValidationError([p.message for p in problems])
        GridCell.objects.filter(id__in=existing).delete()
        created = GridCell.objects.bulk_create(
            GridCell(community=community, serial=c.serial, code=c.code(community), boundary=c.geom) for c in proposal
        )
        inside = {"location__coveredby": community.boundary}
        Household.objects.filter(**inside).assign_cells()
        Building.objects.filter(anchor__coveredby=community.boundary).assign_cells()
    return created
