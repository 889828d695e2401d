"""Sanitation reach and green area per grid cell, kept instead of recomputed on every dashboard view.

Three kept tables (created in assets/migrations/0003_cell_summaries.py):

- `assets_sanitation_distance`: each household's distance in metres to the nearest asset of each sanitation type
  (garbage bins, collection points, public toilets), NULL when none is within MAX_REACH_M (the largest radius the
  dashboard accepts). Any radius is then a comparison.
- `assets_cell_reach`: per grid cell, its households and how many lie within each of STANDARD_RADII of a sanitation
  point (the dashboard's default radius is one of them; another radius compares the stored distances).
- `assets_green_piece`: per grid cell, the area in metres of each green asset's part inside it. The adopted area of
  any day is the sum of the pieces whose asset has an adoption active that day, so nothing time-dependent is kept.

Statement-level triggers (with transition tables: bulk imports, queryset updates and the cell assignment are caught
as well as single saves; signals would miss all of those) queue what changed: households (moved, added, deleted:
their distances and their cells), assets (their old and new anchor and geometry) and grid cells (a new boundary).
`refresh()` works the queues off with set-based statements, in order:

1. asset changes → the households within MAX_REACH_M of an old or new anchor of a sanitation type whose stored
   distance could change (none stored, or no nearer than that anchor) and the cells the old or new geometry touches;
2. the queued households' distances, in one INSERT … ON CONFLICT DO UPDATE (a KNN probe per type bounds the metric
   search, as in services.nearest), queuing their cells;
3. the queued cells' green pieces and reach, in one statement.

Areas and distances are measured on the UTM zone of the cell's centroid and of the household's location
(common.geometry.metric_srid, written in SQL below), as services.service_area and services.adoption_coverage do.
"""

from django.db import connection as default_connection
from django.db.models import Q

SANITATION_TYPES = [("03", "01"), ("03", "02"), ("03", "04")]  # garbage bins, collection points, public toilets
STANDARD_RADII = (100, 200, 300, 500, 1000)
MAX_REACH_M = 5000.0

DISTANCE_TABLE = "assets_sanitation_distance"
REACH_TABLE = "assets_cell_reach"
PIECE_TABLE = "assets_green_piece"
HOUSEHOLD_QUEUE = "assets_household_stale"
CELL_QUEUE = "assets_cell_stale"
ASSET_QUEUE = "assets_asset_change"


def utm(p):
    """SQL: the EPSG code of the WGS 84 UTM zone holding point expression `p` (common.geometry.metric_srid)."""
    hemisphere = f"(CASE WHEN ST_Y({p}) >= 0 THEN 32600 ELSE 32700 END)"
    return f"({hemisphere} + mod(floor((ST_X({p}) + 180.0) / 6.0)::int, 60) + 1)"


def degrees(metres, p):
    """SQL: a radius in degrees that surely holds `metres` around point `p` (services._metres_to_degrees)."""
    return f"({metres} / (111320.0 * cos(radians(least(abs(ST_Y({p})) + 1.0, 89.0)))) * 1.02 + 1e-7)"


def sanitation_type_ids():
    from assets.models import AssetType

    q = Q()
    for fam, code in SANITATION_TYPES:
        q |= Q(family__code=fam, code=code)
    return sorted(AssetType.objects.filter(q).values_list("pk", flat=True))


# --- triggers ------------------------------------------------------------------------------------------------------

# The migration that created the tables (assets 0003) installed the triggers from this module as it
# was then: a change to the trigger SQL below needs a new migration that drops and re-creates them.

_HOUSEHOLD_MOVED = "(o.location, o.deleted_at IS NULL) IS DISTINCT FROM (n.location, n.deleted_at IS NULL)"
_HOUSEHOLD_CELL = (
    "(o.cell_id, o.location, o.deleted_at IS NULL) IS DISTINCT FROM (n.cell_id, n.location, n.deleted_at IS NULL)"
)
_ASSET_CHANGED = "(o.type_id, o.anchor, o.geom) IS DISTINCT FROM (n.type_id, n.anchor, n.geom)"

TRIGGERS = {
    # (table, operation): the statements run for each statement on that table
    ("grids_household", "INSERT"): [
        f"INSERT INTO {HOUSEHOLD_QUEUE} SELECT n.id FROM new_rows n",
        f"INSERT INTO {CELL_QUEUE} SELECT DISTINCT n.cell_id FROM new_rows n WHERE n.cell_id IS NOT NULL",
    ],
    ("grids_household", "DELETE"): [
        f"INSERT INTO {CELL_QUEUE} SELECT DISTINCT o.cell_id FROM old_rows o WHERE o.cell_id IS NOT NULL",
    ],
    ("grids_household", "UPDATE"): [
        f"""INSERT INTO {HOUSEHOLD_QUEUE} SELECT n.id FROM old_rows o JOIN new_rows n ON n.id = o.id
             WHERE {_HOUSEHOLD_MOVED}""",
        f"""INSERT INTO {CELL_QUEUE} SELECT DISTINCT c FROM old_rows o JOIN new_rows n ON n.id = o.id
             CROSS JOIN LATERAL (VALUES (o.cell_id), (n.cell_id)) k(c) WHERE c IS NOT NULL AND {_HOUSEHOLD_CELL}""",
    ],
    ("grids_gridcell", "INSERT"): [f"INSERT INTO {CELL_QUEUE} SELECT n.id FROM new_rows n"],
    ("grids_gridcell", "DELETE"): [f"INSERT INTO {CELL_QUEUE} SELECT o.id FROM old_rows o"],
    ("grids_gridcell", "UPDATE"): [
        f"""INSERT INTO {CELL_QUEUE} SELECT n.id FROM old_rows o JOIN new_rows n ON n.id = o.id
             WHERE o.boundary IS DISTINCT FROM n.boundary""",
    ],
    ("assets_asset", "INSERT"): [f"INSERT INTO {ASSET_QUEUE} SELECT n.type_id, n.anchor, n.geom FROM new_rows n"],
    ("assets_asset", "DELETE"): [f"INSERT INTO {ASSET_QUEUE} SELECT o.type_id, o.anchor, o.geom FROM old_rows o"],
    ("assets_asset", "UPDATE"): [
        f"""INSERT INTO {ASSET_QUEUE} SELECT v.* FROM old_rows o JOIN new_rows n ON n.id = o.id
             CROSS JOIN LATERAL (VALUES (o.type_id, o.anchor, o.geom), (n.type_id, n.anchor, n.geom)) v
             WHERE {_ASSET_CHANGED}""",
    ],
    # TRUNCATE (a test database flushed between tests, a restore): what was kept of the table goes with it.
    ("grids_household", "TRUNCATE"): [f"DELETE FROM {HOUSEHOLD_QUEUE}", f"DELETE FROM {DISTANCE_TABLE}"],
    ("grids_gridcell", "TRUNCATE"): [
        f"DELETE FROM {CELL_QUEUE}",
        f"DELETE FROM {REACH_TABLE}",
        f"DELETE FROM {PIECE_TABLE}",
    ],
    ("assets_asset", "TRUNCATE"): [f"DELETE FROM {ASSET_QUEUE}", f"DELETE FROM {PIECE_TABLE}"],
    # A type that starts or stops counting as green: its assets' cells are recomputed.
    ("assets_assettype", "UPDATE"): [
        f"""INSERT INTO {ASSET_QUEUE} SELECT a.type_id, a.anchor, a.geom FROM assets_asset a
             JOIN new_rows n ON n.id = a.type_id JOIN old_rows o ON o.id = n.id
             WHERE o.green_area IS DISTINCT FROM n.green_area""",
    ],
}


def _name(table, op):
    return f"summary_{table}_{op.lower()[:3]}"


def trigger_sql(drop=False):
    sql = []
    for (table, op), statements in TRIGGERS.items():
        name = _name(table, op)
        if drop:
            sql.append(f"DROP TRIGGER IF EXISTS {name} ON {table}; DROP FUNCTION IF EXISTS {name}();")
            continue
        referencing = {
            "INSERT": "REFERENCING NEW TABLE AS new_rows",
            "DELETE": "REFERENCING OLD TABLE AS old_rows",
            "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
            "TRUNCATE": "",
        }[op]
        body = ";\n    ".join(statements)
        sql.append(f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {body};
    RETURN NULL;
END $$;
CREATE TRIGGER {name} AFTER {op} ON {table}
    {referencing} FOR EACH STATEMENT EXECUTE FUNCTION {name}();
""")
    return "".join(sql)


# --- refresh -------------------------------------------------------------------------------------------------------

# 1. Asset changes → households and cells to recompute.
ASSET_CHANGES_SQL = f"""
WITH ch AS (DELETE FROM {ASSET_QUEUE} RETURNING type_id, anchor, geom),
cells AS (
    INSERT INTO {CELL_QUEUE}
    SELECT DISTINCT c.id FROM ch JOIN grids_gridcell c ON ch.geom IS NOT NULL AND ST_Intersects(c.boundary, ch.geom)
    RETURNING 1)
INSERT INTO {HOUSEHOLD_QUEUE}
SELECT DISTINCT h.id
  FROM ch
  JOIN grids_household h
    ON ch.type_id = ANY(%(types)s) AND ch.anchor IS NOT NULL
   AND ST_DWithin(h.location, ch.anchor, {degrees(MAX_REACH_M, "ch.anchor")})
  LEFT JOIN {DISTANCE_TABLE} d ON d.household_id = h.id AND d.type_id = ch.type_id
 WHERE d.distance_m IS NULL
    OR d.distance_m >= ST_Distance(ST_Transform(ch.anchor, {utm("h.location")}),
                                   ST_Transform(h.location, {utm("h.location")})) - 1e-6"""

# 2. The queued households' nearest distance per sanitation type, set-based: the households are taken in batches
# (their grid cell and UTM zone; a household outside every cell is a batch of its own), and each ring of
# SEARCH_RINGS_M (the last one MAX_REACH_M) gathers, once per batch and type, the sanitation points inside the
# batch's extent widened by the ring into one multipoint in metres (one index probe per batch, as
# services.service_area does), then measures every household of the batch against it. A distance within the ring
# is the nearest of all (every point that near lies inside the widened extent, the neighbouring cells' included);
# the households of a type with nothing within the ring go on to the next ring, the last leaves NULL.
SEARCH_RINGS_M = (250.0, 1000.0, MAX_REACH_M)


def _degrees_at(metres, lat):
    """SQL: a radius in degrees that surely holds `metres` at latitude expression `lat` (see degrees())."""
    return f"({metres} / (111320.0 * cos(radians(least({lat} + 1.0, 89.0)))) * 1.02 + 1e-7)"


def _rings_sql():
    first = SEARCH_RINGS_M[0]
    ctes = [
        # Ring 1, for every type at once: one box per batch.
        f"""box1 AS MATERIALIZED (
    SELECT batch, srid,
           ST_SetSRID(ST_Expand(ST_Extent(location), {_degrees_at(first, "max(abs(ST_Y(location)))")})::geometry,
                      4326) AS box
      FROM hh WHERE location IS NOT NULL GROUP BY batch, srid)""",
        """cand1 AS MATERIALIZED (
    SELECT b.batch, b.srid, a.type_id, ST_Collect(ST_Transform(a.anchor, b.srid)) AS pts
      FROM box1 b JOIN assets_asset a ON a.type_id = ANY(%(types)s) AND a.anchor && b.box
     GROUP BY b.batch, b.srid, a.type_id)""",
        """d1 AS MATERIALIZED (
    SELECT hh.id, c.type_id, ST_Distance(c.pts, hh.here) AS d
      FROM hh JOIN cand1 c ON c.batch = hh.batch AND c.srid = hh.srid WHERE hh.location IS NOT NULL)""",
        f"""left1 AS MATERIALIZED (
    SELECT hh.id, hh.batch, hh.srid, t.type_id
      FROM hh CROSS JOIN unnest(%(types)s::int[]) t(type_id)
     WHERE hh.location IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM d1 WHERE d1.id = hh.id AND d1.type_id = t.type_id AND d1.d <= {first}))""",
    ]
    found = [f"SELECT id, type_id, d FROM d1 WHERE d <= {first}"]
    for k, metres in enumerate(SEARCH_RINGS_M[1:], start=2):
        ctes += [
            f"""box{k} AS MATERIALIZED (
    SELECT l.batch, l.srid, l.type_id,
           ST_SetSRID(ST_Expand(ST_Extent(hh.location),
                                {_degrees_at(metres, "max(abs(ST_Y(hh.location)))")})::geometry, 4326) AS box
      FROM left{k - 1} l JOIN hh ON hh.id = l.id GROUP BY l.batch, l.srid, l.type_id)""",
            f"""cand{k} AS MATERIALIZED (
    SELECT b.batch, b.srid, b.type_id, ST_Collect(ST_Transform(a.anchor, b.srid)) AS pts
      FROM box{k} b JOIN assets_asset a ON a.type_id = b.type_id AND a.anchor && b.box
     GROUP BY b.batch, b.srid, b.type_id)""",
            f"""d{k} AS MATERIALIZED (
    SELECT l.id, l.type_id, ST_Distance(c.pts, hh.here) AS d
      FROM left{k - 1} l JOIN hh ON hh.id = l.id
      JOIN cand{k} c ON c.batch = l.batch AND c.srid = l.srid AND c.type_id = l.type_id)""",
            f"""left{k} AS MATERIALIZED (
    SELECT l.* FROM left{k - 1} l
     WHERE NOT EXISTS (SELECT 1 FROM d{k} WHERE d{k}.id = l.id AND d{k}.type_id = l.type_id AND d{k}.d <= {metres}))""",
        ]
        found.append(f"SELECT id, type_id, d FROM d{k} WHERE d <= {metres}")
    last = len(SEARCH_RINGS_M)
    found.append(f"SELECT id, type_id, NULL::double precision FROM left{last}")
    return ctes, "\n    UNION ALL ".join(found)


_RING_CTES, _NEAREST = _rings_sql()
_RINGS = ",\n".join(_RING_CTES)


def _households(where):
    return f"""hh AS MATERIALIZED (
    SELECT h.id, h.location, h.cell_id, coalesce(h.cell_id, -h.id) AS batch, s.srid,
           ST_Transform(h.location, s.srid) AS here
      FROM grids_household h CROSS JOIN LATERAL (SELECT {utm("h.location")} AS srid) s {where})"""


DISTANCES_SQL = f"""
WITH done AS (DELETE FROM {HOUSEHOLD_QUEUE} RETURNING household_id),
{_households("WHERE h.id IN (SELECT household_id FROM done)")},
{_RINGS},
near AS ({_NEAREST}),
cells AS (INSERT INTO {CELL_QUEUE} SELECT DISTINCT cell_id FROM hh WHERE cell_id IS NOT NULL RETURNING 1)
INSERT INTO {DISTANCE_TABLE} (household_id, type_id, distance_m)
SELECT id, type_id, d FROM near
ON CONFLICT (household_id, type_id) DO UPDATE SET distance_m = EXCLUDED.distance_m"""

# The first fill (and any rebuild): every household, into the emptied table, without the queue and the conflict test.
FILL_SQL = f"""
WITH {_households("")},
{_RINGS},
near AS ({_NEAREST})
INSERT INTO {DISTANCE_TABLE} (household_id, type_id, distance_m) SELECT id, type_id, d FROM near"""

_REACH_COLUMNS = ", ".join(f"within_{r}" for r in STANDARD_RADII)
# 3. The queued cells' green pieces and reach.
CELLS_SQL = f"""
WITH done AS (DELETE FROM {CELL_QUEUE} RETURNING cell_id),
keys AS (SELECT c.id, c.boundary, {utm("ST_Centroid(c.boundary)")} AS srid
           FROM grids_gridcell c WHERE c.id IN (SELECT cell_id FROM done)),
gone_cells AS (
    DELETE FROM {REACH_TABLE} r WHERE r.cell_id IN (SELECT cell_id FROM done)
       AND NOT EXISTS (SELECT 1 FROM keys k WHERE k.id = r.cell_id) RETURNING 1),
fresh AS (
    SELECT k.id AS cell_id, a.id AS asset_id,
           ST_Area(ST_Transform(ST_Intersection(a.geom, k.boundary), k.srid)) AS area_m2
      FROM keys k
      JOIN assets_asset a ON ST_Intersects(a.geom, k.boundary)
      JOIN assets_assettype t ON t.id = a.type_id AND t.green_area),
gone AS (
    DELETE FROM {PIECE_TABLE} p WHERE p.cell_id IN (SELECT cell_id FROM done)
       AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.cell_id = p.cell_id AND f.asset_id = p.asset_id) RETURNING 1),
reach AS (
    INSERT INTO {REACH_TABLE} (cell_id, households, {_REACH_COLUMNS})
    SELECT k.id, count(h.id), {", ".join(f"count(h.id) FILTER (WHERE m.d <= {r})" for r in STANDARD_RADII)}
      FROM keys k
      LEFT JOIN grids_household h ON h.cell_id = k.id AND h.deleted_at IS NULL
      LEFT JOIN LATERAL (
          SELECT min(sd.distance_m) AS d FROM {DISTANCE_TABLE} sd
           WHERE sd.household_id = h.id AND sd.type_id = ANY(%(types)s)) m ON true
     GROUP BY k.id
    ON CONFLICT (cell_id) DO UPDATE SET households = EXCLUDED.households,
        {", ".join(f"within_{r} = EXCLUDED.within_{r}" for r in STANDARD_RADII)}
    RETURNING 1)
INSERT INTO {PIECE_TABLE} (cell_id, asset_id, area_m2) SELECT cell_id, asset_id, area_m2 FROM fresh
ON CONFLICT (cell_id, asset_id) DO UPDATE SET area_m2 = EXCLUDED.area_m2"""


def _execute(sql, connection=None, **params):
    with (connection or default_connection).cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


def pending(connection=None):
    with (connection or default_connection).cursor() as cur:
        cur.execute(
            f"SELECT (SELECT count(*) FROM {ASSET_QUEUE}) * 100 + (SELECT count(*) FROM {HOUSEHOLD_QUEUE})"
            f" + (SELECT count(*) FROM {CELL_QUEUE})"
        )
        return cur.fetchone()[0]


def refresh(connection=None):
    """Work off the queues (asset changes, then households' distances, then cells), one statement each, in one
    transaction."""
    from django.db import transaction

    types = sanitation_type_ids()
    using = (connection or default_connection).alias
    with transaction.atomic(using=using):
        _execute(ASSET_CHANGES_SQL, connection, types=types)
        _execute(DISTANCES_SQL, connection, types=types)
        _execute(CELLS_SQL, connection, types=types)


def rebuild(connection=None):
    """Every household and cell from scratch (the migration's first fill; after a restore): the distances in one
    statement over every household, then every cell's reach and green pieces."""
    from django.db import transaction

    connection = connection or default_connection
    with transaction.atomic(using=connection.alias), connection.cursor() as cur:
        cur.execute(
            f"DELETE FROM {ASSET_QUEUE}; DELETE FROM {HOUSEHOLD_QUEUE}; DELETE FROM {CELL_QUEUE};"
            f"TRUNCATE {PIECE_TABLE}, {REACH_TABLE}, {DISTANCE_TABLE};"
        )
        cur.execute(FILL_SQL, {"types": sanitation_type_ids()})
        cur.execute(f"INSERT INTO {CELL_QUEUE} SELECT id FROM grids_gridcell")
        refresh(connection)


# --- reads ---------------------------------------------------------------------------------------------------------


def reach(cell_ids_sql, params, radius_m):
    """(households, households within radius_m of a sanitation point) over the cells selected by `cell_ids_sql`."""
    radius_m = float(radius_m)
    with default_connection.cursor() as cur:
        if radius_m in STANDARD_RADII:
            cur.execute(
                f"SELECT coalesce(sum(households), 0), coalesce(sum(within_{int(radius_m)}), 0) FROM {REACH_TABLE}"
                f" WHERE cell_id IN ({cell_ids_sql})",
                params,
            )
        else:
            cur.execute(
                f"""SELECT count(*), count(*) FILTER (WHERE EXISTS (
                        SELECT 1 FROM {DISTANCE_TABLE} sd WHERE sd.household_id = h.id
                           AND sd.type_id = ANY(%s) AND sd.distance_m <= %s))
                      FROM grids_household h WHERE h.deleted_at IS NULL AND h.cell_id IN ({cell_ids_sql})""",
                [sanitation_type_ids(), radius_m, *params],
            )
        households, covered = cur.fetchone()
        return int(households), int(covered)


def green(cell_ids_sql, params, day):
    """(green area, adopted green area on `day`) in m² over the cells selected by `cell_ids_sql`."""
    from assets.models import Adoption

    adopted_sql, adopted_params = Adoption.objects.active_on(day).values("asset_id").query.sql_with_params()
    with default_connection.cursor() as cur:
        cur.execute(
            f"""SELECT coalesce(sum(area_m2), 0), coalesce(sum(area_m2) FILTER (WHERE asset_id IN ({adopted_sql})), 0)
                  FROM {PIECE_TABLE} WHERE cell_id IN ({cell_ids_sql})""",
            [*adopted_params, *params],
        )
        return cur.fetchone()
