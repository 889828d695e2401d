"""The public facility map's clusters, kept per (zoom, tile, bin, family) by triggers (the code that reads and keeps
them: assets/map_clusters.py).

The SQL is written out here as assets/map_clusters.py had it when this migration was made (commit 9e4f198): the
tables, the functions, the trigger functions and triggers, and the first fill (the tile constants of
assets/map_tiles.py as they were). A migration does not import the live module, so a later edit of it never changes
what this migration does on a fresh database; a change to the functions or triggers needs a new migration (0005
replaces assets_map_bins, 0007 adds the lock taken before a statement)."""

from django.db import migrations
from django.utils import timezone

# assets.map_tiles
CLUSTER_BELOW = 15
TILE_PX = 512
CELL_PX = 48

CLUSTER_TABLE = "assets_map_cluster"
MEMBER_TABLE = "assets_map_member"
META_TABLE = "assets_map_meta"
LOCK = "hashtext('assets_map_cluster')"

CREATE = f"""
CREATE TABLE {CLUSTER_TABLE} (
    z smallint NOT NULL,
    tx integer NOT NULL,
    ty integer NOT NULL,
    bin_x smallint NOT NULL,
    bin_y smallint NOT NULL,
    family_id bigint NOT NULL,
    n integer NOT NULL,
    n_open integer NOT NULL,
    n_offered integer NOT NULL,
    n_adopted integer NOT NULL,
    sum_id bigint NOT NULL,
    sum_x numeric NOT NULL,
    sum_y numeric NOT NULL,
    PRIMARY KEY (z, tx, ty, bin_x, bin_y, family_id)
);
-- The bins a change has just emptied, found without reading the table.
CREATE INDEX {CLUSTER_TABLE}_empty ON {CLUSTER_TABLE} (z) WHERE n = 0;
CREATE TABLE {MEMBER_TABLE} (
    asset_id bigint PRIMARY KEY,
    family_id bigint NOT NULL,
    x double precision NOT NULL,
    y double precision NOT NULL,
    offered boolean NOT NULL,
    adopted boolean NOT NULL
);
CREATE INDEX {MEMBER_TABLE}_adopted ON {MEMBER_TABLE} (asset_id) WHERE adopted;
CREATE TABLE {META_TABLE} (day date NOT NULL);
"""

DROP = f"DROP TABLE IF EXISTS {CLUSTER_TABLE}; DROP TABLE IF EXISTS {MEMBER_TABLE}; DROP TABLE IF EXISTS {META_TABLE};"

# Tile bounds as layers.tiles.tile_bounds computes them, operation for operation in double precision (Python's
# math.degrees multiplies by 180 / pi; PostgreSQL's degrees() divides, which can differ in the last bit), so a
# facility exactly on a tile's edge lands in the same tile and bin here as in the direct grouping.
FUNCTIONS = f"""
CREATE FUNCTION assets_map_west(t integer, n double precision) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT t::float8 / n * 360.0::float8 - 180.0::float8 $$;

CREATE FUNCTION assets_map_lat(r integer, n double precision) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT atan(sinh(pi() * (1.0::float8 - (2 * r)::float8 / n))) * (180.0::float8 / pi()) $$;

-- The (zoom, tile, bin) of a point at each cluster zoom: none at a zoom where it lies in no tile (beyond the
-- Mercator latitudes, or on the east edge of the world).
CREATE FUNCTION assets_map_bins(x double precision, y double precision)
    RETURNS TABLE (z smallint, tx integer, ty integer, bin_x smallint, bin_y smallint)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
SELECT g.z::smallint, c.tx, d.ty,
       floor((x - c.w) / ((c.e - c.w) / {TILE_PX}.0::float8 * {CELL_PX}.0::float8))::smallint,
       floor((y - d.s) / ((d.nn - d.s) / {TILE_PX}.0::float8 * {CELL_PX}.0::float8))::smallint
  FROM generate_series(0, {CLUSTER_BELOW - 1}) g(z)
 CROSS JOIN LATERAL (SELECT power(2.0::float8, g.z) AS n) a
 CROSS JOIN LATERAL (
    SELECT floor((x + 180.0::float8) / 360.0::float8 * a.n)::integer AS t0,
           floor((1.0::float8 - asinh(tan(radians(greatest(least(y, 89.9), -89.9)))) / pi())
                 / 2.0::float8 * a.n)::integer AS r0) b
 CROSS JOIN LATERAL (
    SELECT CASE WHEN x < assets_map_west(b.t0, a.n) THEN b.t0 - 1
                WHEN x >= assets_map_west(b.t0 + 1, a.n) THEN b.t0 + 1 ELSE b.t0 END AS tx) c0
 CROSS JOIN LATERAL (SELECT c0.tx, assets_map_west(c0.tx, a.n) AS w, assets_map_west(c0.tx + 1, a.n) AS e) c
 CROSS JOIN LATERAL (
    SELECT CASE WHEN y >= assets_map_lat(b.r0, a.n) THEN b.r0 - 1
                WHEN y < assets_map_lat(b.r0 + 1, a.n) THEN b.r0 + 1 ELSE b.r0 END AS ty) d0
 CROSS JOIN LATERAL (SELECT d0.ty, assets_map_lat(d0.ty + 1, a.n) AS s, assets_map_lat(d0.ty, a.n) AS nn) d
 WHERE c.tx >= 0 AND c.tx < a.n AND d.ty >= 0 AND d.ty < a.n
   AND x >= c.w AND x < c.e AND y >= d.s AND y < d.nn
$$;

-- What the given facilities contribute now (public ones with their family, anchor and adoption flags on `day`).
CREATE FUNCTION assets_map_state(ids bigint[], day date)
    RETURNS TABLE (asset_id bigint, family_id bigint, x double precision, y double precision,
                   offered boolean, adopted boolean)
    LANGUAGE sql STABLE
    AS $$
SELECT a.id, t.family_id, ST_X(a.anchor), ST_Y(a.anchor), a.open_for_adoption,
       EXISTS (SELECT 1 FROM assets_adoption d
                WHERE d.asset_id = a.id AND d.status = 'approved' AND d.start <= day AND d."end" >= day)
  FROM assets_asset a JOIN assets_assettype t ON t.id = a.type_id
 WHERE a.id = ANY(ids) AND t.public AND a.anchor IS NOT NULL
$$;

-- Apply the difference between what the given facilities contributed and what they contribute now.
CREATE FUNCTION assets_map_sync(ids bigint[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    today date;
BEGIN
    IF ids IS NULL OR cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock({LOCK});
    SELECT m.day INTO today FROM {META_TABLE} m;
    IF today IS NULL THEN
        RETURN;  -- not filled yet: rebuild() counts everything
    END IF;
    WITH now_ AS MATERIALIZED (SELECT * FROM assets_map_state(ids, today)),
    was AS MATERIALIZED (SELECT m.* FROM {MEMBER_TABLE} m WHERE m.asset_id = ANY(ids)),
    diff AS (
        SELECT -1 AS sign, w.* FROM was w
         WHERE NOT EXISTS (SELECT 1 FROM now_ n WHERE (n.asset_id, n.family_id, n.x, n.y, n.offered, n.adopted)
                                                    = (w.asset_id, w.family_id, w.x, w.y, w.offered, w.adopted))
        UNION ALL
        SELECT 1, n.* FROM now_ n
         WHERE NOT EXISTS (SELECT 1 FROM was w WHERE (n.asset_id, n.family_id, n.x, n.y, n.offered, n.adopted)
                                                   = (w.asset_id, w.family_id, w.x, w.y, w.offered, w.adopted))),
    delta AS (
        SELECT b.z, b.tx, b.ty, b.bin_x, b.bin_y, d.family_id,
               sum(d.sign)::integer AS n,
               (sum(d.sign) FILTER (WHERE d.offered AND NOT d.adopted))::integer AS n_open,
               (sum(d.sign) FILTER (WHERE d.offered))::integer AS n_offered,
               (sum(d.sign) FILTER (WHERE d.adopted))::integer AS n_adopted,
               sum(d.sign * d.asset_id)::bigint AS sum_id,
               sum(d.sign * d.x::text::numeric) AS sum_x,
               sum(d.sign * d.y::text::numeric) AS sum_y
          FROM diff d CROSS JOIN LATERAL assets_map_bins(d.x, d.y) b
         GROUP BY 1, 2, 3, 4, 5, 6)
    INSERT INTO {CLUSTER_TABLE} AS c (z, tx, ty, bin_x, bin_y, family_id, n, n_open, n_offered, n_adopted, sum_id,
                                     sum_x, sum_y)
    SELECT z, tx, ty, bin_x, bin_y, family_id, n, coalesce(n_open, 0), coalesce(n_offered, 0), coalesce(n_adopted, 0),
           sum_id, sum_x, sum_y
      FROM delta
    ON CONFLICT (z, tx, ty, bin_x, bin_y, family_id) DO UPDATE SET
        n = c.n + EXCLUDED.n, n_open = c.n_open + EXCLUDED.n_open, n_offered = c.n_offered + EXCLUDED.n_offered,
        n_adopted = c.n_adopted + EXCLUDED.n_adopted, sum_id = c.sum_id + EXCLUDED.sum_id,
        sum_x = c.sum_x + EXCLUDED.sum_x, sum_y = c.sum_y + EXCLUDED.sum_y;
    DELETE FROM {CLUSTER_TABLE} WHERE n = 0;  -- through the partial index: only the bins just emptied
    WITH now_ AS MATERIALIZED (SELECT * FROM assets_map_state(ids, today)),
    gone AS (
        DELETE FROM {MEMBER_TABLE} m
         WHERE m.asset_id = ANY(ids) AND NOT EXISTS (SELECT 1 FROM now_ n WHERE n.asset_id = m.asset_id))
    INSERT INTO {MEMBER_TABLE} AS m SELECT * FROM now_
    ON CONFLICT (asset_id) DO UPDATE SET family_id = EXCLUDED.family_id, x = EXCLUDED.x, y = EXCLUDED.y,
        offered = EXCLUDED.offered, adopted = EXCLUDED.adopted;
END $$;
"""

DROP_FUNCTIONS = (
    "DROP FUNCTION IF EXISTS assets_map_sync(bigint[]); DROP FUNCTION IF EXISTS assets_map_state(bigint[], date);"
    " DROP FUNCTION IF EXISTS assets_map_bins(double precision, double precision);"
    " DROP FUNCTION IF EXISTS assets_map_lat(integer, double precision);"
    " DROP FUNCTION IF EXISTS assets_map_west(integer, double precision);"
)

_WATCHED_ASSET = "(o.type_id, ST_X(o.anchor), ST_Y(o.anchor), o.open_for_adoption)"
_WATCHED_TYPE = "(o.public, o.family_id)"
_WATCHED_ADOPTION = '(o.asset_id, o.status, o.start, o."end")'

# (table, event, transition tables, the facility ids to apply)
TRIGGERS = {
    "asset_ins": ("assets_asset", "INSERT", "NEW TABLE AS new_rows", "SELECT n.id FROM new_rows n"),
    "asset_del": ("assets_asset", "DELETE", "OLD TABLE AS old_rows", "SELECT o.id FROM old_rows o"),
    "asset_upd": (
        "assets_asset",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "SELECT n.id FROM old_rows o JOIN new_rows n ON n.id = o.id"
        f" WHERE {_WATCHED_ASSET} IS DISTINCT FROM {_WATCHED_ASSET.replace('o.', 'n.')}",
    ),
    "type_upd": (
        "assets_assettype",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "SELECT a.id FROM assets_asset a WHERE a.type_id IN (SELECT n.id FROM old_rows o JOIN new_rows n ON n.id = o.id"
        f" WHERE {_WATCHED_TYPE} IS DISTINCT FROM {_WATCHED_TYPE.replace('o.', 'n.')})",
    ),
    "adoption_ins": ("assets_adoption", "INSERT", "NEW TABLE AS new_rows", "SELECT DISTINCT asset_id FROM new_rows"),
    "adoption_del": ("assets_adoption", "DELETE", "OLD TABLE AS old_rows", "SELECT DISTINCT asset_id FROM old_rows"),
    "adoption_upd": (
        "assets_adoption",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "SELECT DISTINCT k.id FROM old_rows o JOIN new_rows n ON n.id = o.id"
        " CROSS JOIN LATERAL (VALUES (o.asset_id), (n.asset_id)) k(id)"
        f" WHERE {_WATCHED_ADOPTION} IS DISTINCT FROM {_WATCHED_ADOPTION.replace('o.', 'n.')}",
    ),
    # TRUNCATE (a test database flushed between tests, a restore): the facilities' part goes with the table, and
    # the adoptions' part is taken back from the facilities marked adopted.
    "asset_trunc": ("assets_asset", "TRUNCATE", "", None),
    "adoption_trunc": ("assets_adoption", "TRUNCATE", "", f"SELECT m.asset_id FROM {MEMBER_TABLE} m WHERE m.adopted"),
}


def trigger_sql(drop=False):
    if drop:
        return "".join(
            f"DROP TRIGGER IF EXISTS assets_map_{name} ON {table}; DROP FUNCTION IF EXISTS assets_map_{name}();"
            for name, (table, *_rest) in TRIGGERS.items()
        )
    sql = []
    for name, (table, event, referencing, ids) in TRIGGERS.items():
        body = (
            f"DELETE FROM {MEMBER_TABLE}; DELETE FROM {CLUSTER_TABLE};"
            if ids is None
            else f"PERFORM assets_map_sync(ARRAY({ids}));"
        )
        sql.append(f"""
CREATE FUNCTION assets_map_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {body}
    RETURN NULL;
END $$;
CREATE TRIGGER assets_map_{name} AFTER {event} ON {table}
    {"REFERENCING " + referencing if referencing else ""} FOR EACH STATEMENT EXECUTE FUNCTION assets_map_{name}();
""")
    return "".join(sql)


REBUILD_SQL = f"""
INSERT INTO {MEMBER_TABLE}
SELECT * FROM assets_map_state(ARRAY(SELECT a.id FROM assets_asset a), %(day)s);
INSERT INTO {CLUSTER_TABLE} (z, tx, ty, bin_x, bin_y, family_id, n, n_open, n_offered, n_adopted, sum_id, sum_x, sum_y)
SELECT b.z, b.tx, b.ty, b.bin_x, b.bin_y, m.family_id, count(*),
       count(*) FILTER (WHERE m.offered AND NOT m.adopted), count(*) FILTER (WHERE m.offered),
       count(*) FILTER (WHERE m.adopted), sum(m.asset_id), sum(m.x::text::numeric), sum(m.y::text::numeric)
  FROM {MEMBER_TABLE} m CROSS JOIN LATERAL assets_map_bins(m.x, m.y) b
 GROUP BY 1, 2, 3, 4, 5, 6;
"""


def fill(apps, schema_editor):
    """Every cluster from scratch, set-based, as of today (local days of settings.TIME_ZONE)."""
    day = timezone.localdate()
    with schema_editor.connection.cursor() as cur:
        cur.execute(f"SELECT pg_advisory_xact_lock({LOCK})")
        cur.execute(f"DELETE FROM {MEMBER_TABLE}; DELETE FROM {CLUSTER_TABLE}; DELETE FROM {META_TABLE};")
        cur.execute(f"INSERT INTO {META_TABLE} (day) VALUES (%s)", [day])
        cur.execute(REBUILD_SQL, {"day": day})
        cur.execute(f"ANALYZE {MEMBER_TABLE}; ANALYZE {CLUSTER_TABLE};")


class Migration(migrations.Migration):
    dependencies = [("assets", "0003_cell_summaries")]

    operations = [
        migrations.RunSQL(CREATE, DROP),
        migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS),
        migrations.RunSQL(trigger_sql(), trigger_sql(drop=True)),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
