"""The clusters of the public facility map (tile layer "asset-map" below CLUSTER_BELOW), kept instead of grouped
from the assets on every tile.

`assets_map_cluster` holds, per (zoom, tile x, tile y, bin x, bin y, family), the figures of one cluster as
assets.map_tiles.direct_cluster_sql groups them: the bins are the CELL_PX-pixel cells of the TILE_PX-pixel tile
(degrees from the tile's south-west corner, as that query cuts them), a facility counts in the tile holding its
anchor (west <= x < east, south <= y < north, with the bounds computed as layers.tiles.tile_bounds computes them)
and in one bin there. A row keeps how many (`n`), how many are open for adoption and not adopted (`n_open`), offered
(`n_offered`) and adopted (`n_adopted`), and the sums of their ids and anchor coordinates: a tile reads its rows
(a few hundred at most) from the primary key, the position is sum / n and a cluster of one names its asset by the
sum of ids. The sums of coordinates are exact (numeric, from the shortest decimal that gives back the double), so
the kept mean is the true mean however many edits went by.

`assets_map_member` holds what each counted facility contributes (public facilities only: its family, anchor and
adoption flags), so a change is applied as a difference: what the facility gave before is taken out of its bins and
what it gives now is added. Statement-level triggers with transition tables (single saves, queryset updates, bulk
imports and deletes alike: signals would miss all but the saves) do it in the writing transaction, on

- assets: a new, deleted or moved facility, another type, the open-for-adoption flag;
- asset types: made public or not, moved to another family (every facility of the type);
- adoptions: a new, changed or removed adoption (its facility).

The summary is therefore as consistent as the tables it sums (a rolled-back write leaves it as it was, a read replica
has it too) and nothing is kept in a cache that a change would have to reach. Writers of facilities take one advisory
lock until they commit, so two transactions never apply differences of the same facility at once; they take it
before their statement locks any row (a BEFORE STATEMENT trigger, assets 0007), so that queue cannot close into a
deadlock with the row locks.

"Adopted" is as of a day (`assets_map_meta.day`, local days of settings.TIME_ZONE): `roll(today)` moves the
summary to a new day by re-applying the facilities whose adoption started or ended since (every facility marked
adopted and every facility with an adoption active on the new day, a few of them), and fills it from scratch
(`rebuild()`, ~43 s at the medium city) when the meta row is missing (a flush, a restore). Only the worker does
that: the task assets.roll_map_clusters (assets/tasks.py), run by the beat a minute after local midnight and sent by
`request_roll()`. No request writes here. A cluster tile reads the kept day on the database it reads the tile from
(the read replica when the router sends the request there; assets.map_tiles.map_tile_sql): when it is today the
tile is drawn from the kept clusters, otherwise from the direct grouping of the facilities (right, but seconds for a
tile holding a whole city) and the worker is asked to roll, at most once per ROLL_REQUEST_S per cache.

Without a worker (`./dev up` and every compose deployment run one with the beat), nothing rolls: from the first
local midnight after the migration (or from a flush or restore) every cluster tile is the direct grouping until the
task runs, e.g. `./dev manage shell -c "from assets.tasks import roll_map_clusters; roll_map_clusters()"`.
"""

import logging

from django.core.cache import cache
from django.db import connections, transaction
from django.utils import timezone

from assets.map_tiles import CELL_PX, CLUSTER_BELOW, TILE_PX

CLUSTER_TABLE = "assets_map_cluster"
MEMBER_TABLE = "assets_map_member"
META_TABLE = "assets_map_meta"
LOCK = "hashtext('assets_map_cluster')"

log = logging.getLogger(__name__)

# Tile bounds as layers.tiles.tile_bounds computes them, operation for operation in double precision (Python's
# math.degrees multiplies by 180 / pi; PostgreSQL's degrees() divides, which can differ in the last bit), so a
# facility exactly on a tile's edge lands in the same tile and bin here as in the direct grouping.
FUNCTIONS = """
CREATE FUNCTION assets_map_west(t integer, n double precision) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT t::float8 / n * 360.0::float8 - 180.0::float8 $$;

CREATE FUNCTION assets_map_lat(r integer, n double precision) RETURNS double precision
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT atan(sinh(pi() * (1.0::float8 - (2 * r)::float8 / n))) * (180.0::float8 / pi()) $$;

"""

# The (zoom, tile, bin) of a point at each cluster zoom: none at a zoom where it lies in no tile (beyond the Mercator
# latitudes, or on the east edge of the world). The tile is estimated, then set by the exact bounds (one step at
# most). In PL/pgSQL with variables, each bound is computed once (as one SQL statement the planner repeated the
# expressions wherever they were used, and filling the medium city took twice as long).
BINS_FUNCTION = f"""
CREATE OR REPLACE FUNCTION assets_map_bins(x double precision, y double precision)
    RETURNS TABLE (z smallint, tx integer, ty integer, bin_x smallint, bin_y smallint)
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE
    AS $$
DECLARE
    n float8; t integer; r integer; w float8; e float8; s float8; nn float8; est float8;
BEGIN
    est := asinh(tan(radians(greatest(least(y, 89.9), -89.9)))) / pi();
    FOR zz IN 0..{CLUSTER_BELOW - 1} LOOP
        n := power(2.0::float8, zz);
        t := floor((x + 180.0::float8) / 360.0::float8 * n)::integer;
        w := assets_map_west(t, n);
        e := assets_map_west(t + 1, n);
        IF x < w THEN
            t := t - 1; e := w; w := assets_map_west(t, n);
        ELSIF x >= e THEN
            t := t + 1; w := e; e := assets_map_west(t + 1, n);
        END IF;
        r := floor((1.0::float8 - est) / 2.0::float8 * n)::integer;
        nn := assets_map_lat(r, n);
        s := assets_map_lat(r + 1, n);
        IF y >= nn THEN
            r := r - 1; s := nn; nn := assets_map_lat(r, n);
        ELSIF y < s THEN
            r := r + 1; nn := s; s := assets_map_lat(r + 1, n);
        END IF;
        IF t >= 0 AND t < n AND r >= 0 AND r < n AND x >= w AND x < e AND y >= s AND y < nn THEN
            z := zz; tx := t; ty := r;
            bin_x := floor((x - w) / ((e - w) / {TILE_PX}.0::float8 * {CELL_PX}.0::float8));
            bin_y := floor((y - s) / ((nn - s) / {TILE_PX}.0::float8 * {CELL_PX}.0::float8));
            RETURN NEXT;
        END IF;
    END LOOP;
END $$;
"""

FUNCTIONS = (
    FUNCTIONS
    + BINS_FUNCTION
    + f"""
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
)

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


# The migration that created the tables (assets 0004) installed the functions and triggers from this module as it was
# then: a change to the SQL above or below needs a new migration that drops and re-creates them.
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

# A new day: the facilities whose "adopted" may differ from the day before (marked adopted, or adopted on the new day)
# are applied again under the new day.
ROLL_SQL = f"""
SELECT assets_map_sync(ARRAY(
    SELECT m.asset_id FROM {MEMBER_TABLE} m WHERE m.adopted
    UNION
    SELECT d.asset_id FROM assets_adoption d WHERE d.status = 'approved' AND d.start <= %(day)s AND d."end" >= %(day)s
));
"""


def _db(using=None):
    return connections[using or "default"]


def rebuild(connection=None, day=None):
    """Every cluster from scratch, set-based (the migration's first fill, a restore)."""
    connection = connection or _db()
    day = day or timezone.localdate()
    with transaction.atomic(using=connection.alias), connection.cursor() as cur:
        cur.execute(f"SELECT pg_advisory_xact_lock({LOCK})")
        cur.execute(f"DELETE FROM {MEMBER_TABLE}; DELETE FROM {CLUSTER_TABLE}; DELETE FROM {META_TABLE};")
        cur.execute(f"INSERT INTO {META_TABLE} (day) VALUES (%s)", [day])
        cur.execute(REBUILD_SQL, {"day": day})
        cur.execute(f"ANALYZE {MEMBER_TABLE}; ANALYZE {CLUSTER_TABLE};")


def kept_day(using=None):
    with _db(using).cursor() as cur:
        cur.execute(f"SELECT day FROM {META_TABLE}")
        row = cur.fetchone()
    return row[0] if row else None


def roll(day=None, wait=True):
    """Move the kept clusters to `day` (today by default), rebuilding them when the meta row is missing; nothing
    when they are of that day already (a second run waits for the first, then finds its work done). Without `wait`,
    gives up (False) when a writer of facilities holds the lock. On the primary: for the worker, not for requests."""
    day = day or timezone.localdate()
    db = _db()
    with transaction.atomic(using=db.alias), db.cursor() as cur:
        if wait:
            cur.execute(f"SELECT pg_advisory_xact_lock({LOCK})")
        else:
            cur.execute(f"SELECT pg_try_advisory_xact_lock({LOCK})")
            if not cur.fetchone()[0]:
                return False
        cur.execute(f"SELECT day FROM {META_TABLE}")
        row = cur.fetchone()
        if row is None:
            rebuild(db, day)
        elif row[0] != day:
            cur.execute(f"UPDATE {META_TABLE} SET day = %s", [day])
            cur.execute(ROLL_SQL, {"day": day})
    return True


# The tile path asks the worker to roll at most this often (per day, per cache: the shared Redis cache, or each
# process with the local-memory one); a request lost with the broker down is sent again after it.
ROLL_REQUEST_S = 300


def request_roll(day=None):
    """Sends assets.roll_map_clusters unless it was sent for `day` (today) within ROLL_REQUEST_S; never raises (the
    cache or the broker down leaves the tiles on the direct grouping). True when it was sent."""
    day = day or timezone.localdate()
    try:
        if not cache.add(f"assets:map-roll:{day.isoformat()}", 1, ROLL_REQUEST_S):
            return False
        from assets.tasks import roll_map_clusters

        # One try at the broker (settings.CELERY_BROKER_TRANSPORT_OPTIONS): the tile is answered but for this.
        roll_map_clusters.apply_async(retry=False)
    except Exception as exc:
        log.warning("public map clusters: roll to %s not requested: %s", day, exc)
        return False
    return True


def cluster_sql(z, x, y):
    """The kept clusters of tile (z, x, y) as the direct grouping draws them: same properties, same types."""
    sql = (
        "SELECT ST_AsMVT(t, %s, 4096, 'mvt_geom') FROM ("
        " SELECT f.code AS family, c.n, c.n_open,"
        " CASE WHEN c.n = 1 THEN c.sum_id END AS asset,"
        " CASE WHEN c.n = 1 THEN CASE WHEN c.n_adopted > 0 THEN 'adopted' WHEN c.n_offered > 0 THEN 'open' END END"
        "  AS adoption,"
        " ST_AsMVTGeom(ST_Transform(ST_SetSRID(ST_MakePoint((c.sum_x / c.n)::float8, (c.sum_y / c.n)::float8), 4326),"
        "  3857), ST_TileEnvelope(%s, %s, %s)) AS mvt_geom"
        f" FROM {CLUSTER_TABLE} c JOIN assets_assetfamily f ON f.id = c.family_id"
        " WHERE c.z = %s AND c.tx = %s AND c.ty = %s AND c.n > 0"
        ") t WHERE t.mvt_geom IS NOT NULL"
    )
    from assets.map_tiles import NAME

    return sql, (NAME, z, x, y, z, x, y)
