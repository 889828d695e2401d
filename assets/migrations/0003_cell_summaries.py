"""Kept sanitation distances, reach and green pieces per grid cell, and the triggers that queue changes (the code
that reads and refreshes them: assets/summary.py).

The SQL is written out here as assets/summary.py had it when this migration was made (commit 77539d7): the tables,
the trigger functions and triggers, and the first fill. A migration does not import the live module, so a later
edit of it never changes what this migration does on a fresh database; a change to the triggers needs a new
migration."""

from django.db import migrations
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
    """SQL: the EPSG code of the WGS 84 UTM zone holding point expression `p`."""
    hemisphere = f"(CASE WHEN ST_Y({p}) >= 0 THEN 32600 ELSE 32700 END)"
    return f"({hemisphere} + mod(floor((ST_X({p}) + 180.0) / 6.0)::int, 60) + 1)"


def degrees(metres, p):
    """SQL: a radius in degrees that surely holds `metres` around point `p`."""
    return f"({metres} / (111320.0 * cos(radians(least(abs(ST_Y({p})) + 1.0, 89.0)))) * 1.02 + 1e-7)"


CREATE = f"""
CREATE TABLE {DISTANCE_TABLE} (
    household_id integer NOT NULL,
    type_id integer NOT NULL,
    distance_m double precision,
    PRIMARY KEY (household_id, type_id)
);
CREATE TABLE {REACH_TABLE} (
    cell_id integer PRIMARY KEY,
    households integer NOT NULL,
    {", ".join(f"within_{r} integer NOT NULL" for r in STANDARD_RADII)}
);
CREATE TABLE {PIECE_TABLE} (
    cell_id integer NOT NULL,
    asset_id integer NOT NULL,
    area_m2 double precision NOT NULL,
    PRIMARY KEY (cell_id, asset_id)
);
CREATE TABLE {HOUSEHOLD_QUEUE} (household_id integer NOT NULL);
CREATE TABLE {CELL_QUEUE} (cell_id integer NOT NULL);
CREATE TABLE {ASSET_QUEUE} (type_id integer NOT NULL, anchor geometry(Point, 4326), geom geometry(Geometry, 4326));
"""
DROP = "".join(
    f"DROP TABLE IF EXISTS {t};"
    for t in (DISTANCE_TABLE, REACH_TABLE, PIECE_TABLE, HOUSEHOLD_QUEUE, CELL_QUEUE, ASSET_QUEUE)
)

# --- triggers ------------------------------------------------------------------------------------------------------

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


# --- the first fill: every household and cell queued, then the queues worked off -----------------------------------

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

# 2. The queued households' nearest distance per sanitation type.
DISTANCES_SQL = f"""
WITH done AS (DELETE FROM {HOUSEHOLD_QUEUE} RETURNING household_id),
hh AS (SELECT h.id, h.location, h.cell_id FROM grids_household h WHERE h.id IN (SELECT household_id FROM done)),
types AS (SELECT unnest(%(types)s::int[]) AS type_id),
near AS (
    SELECT hh.id, t.type_id,
           (SELECT min(ST_Distance(ST_Transform(a.anchor, {utm("hh.location")}),
                                   ST_Transform(hh.location, {utm("hh.location")})))
              FROM assets_asset a
             WHERE a.type_id = t.type_id
               AND ST_DWithin(a.anchor, hh.location,
                              least(k.deg / cos(radians(least(abs(ST_Y(hh.location)) + 1.0, 89.0))) * 1.02 + 1e-7,
                                    {degrees(MAX_REACH_M, "hh.location")}))) AS m
      FROM hh CROSS JOIN types t
      LEFT JOIN LATERAL (
          SELECT a.anchor <-> hh.location AS deg FROM assets_asset a
           WHERE a.type_id = t.type_id AND a.anchor IS NOT NULL
           ORDER BY a.anchor <-> hh.location LIMIT 1) k ON true
     WHERE hh.location IS NOT NULL),
cells AS (INSERT INTO {CELL_QUEUE} SELECT DISTINCT cell_id FROM hh WHERE cell_id IS NOT NULL RETURNING 1)
INSERT INTO {DISTANCE_TABLE} (household_id, type_id, distance_m)
SELECT id, type_id, CASE WHEN m <= {MAX_REACH_M} THEN m END FROM near
ON CONFLICT (household_id, type_id) DO UPDATE SET distance_m = EXCLUDED.distance_m"""

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

QUEUE_ALL_SQL = (
    f"DELETE FROM {ASSET_QUEUE}; DELETE FROM {PIECE_TABLE}; DELETE FROM {REACH_TABLE};"
    f"INSERT INTO {HOUSEHOLD_QUEUE} SELECT id FROM grids_household;"
    f"INSERT INTO {CELL_QUEUE} SELECT id FROM grids_gridcell;"
)


def sanitation_type_ids(apps, using):
    AssetType = apps.get_model("assets", "AssetType")
    q = Q()
    for fam, code in SANITATION_TYPES:
        q |= Q(family__code=fam, code=code)
    return sorted(AssetType.objects.using(using).filter(q).values_list("pk", flat=True))


def fill(apps, schema_editor):
    """Every household and cell from scratch: all queued, then the queues worked off in order."""
    connection = schema_editor.connection
    types = sanitation_type_ids(apps, connection.alias)
    with connection.cursor() as cur:
        cur.execute(QUEUE_ALL_SQL)
        for sql in (ASSET_CHANGES_SQL, DISTANCES_SQL, CELLS_SQL):
            cur.execute(sql, {"types": types})


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0002_asset_type_search_terms"),
        ("grids", "0004_household_summary"),
    ]

    operations = [
        migrations.RunSQL(CREATE, DROP),
        migrations.RunSQL(trigger_sql(), trigger_sql(drop=True)),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
