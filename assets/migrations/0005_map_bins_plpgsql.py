"""assets_map_bins in PL/pgSQL: the same tiles and bins, each bound computed once (the code that keeps the clusters:
assets/map_clusters.py).

The SQL is written out here as assets/map_clusters.py had it when this migration was made (commit c6c9961), with
the tile constants of assets/map_tiles.py as they were. A migration does not import the live module, so a later edit
of it never changes what this migration does on a fresh database."""

from django.db import migrations

# assets.map_tiles
CLUSTER_BELOW = 15
TILE_PX = 512
CELL_PX = 48

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


class Migration(migrations.Migration):
    dependencies = [("assets", "0004_map_clusters")]

    # Backwards, the PL/pgSQL function stays: it gives the same tiles and bins as the one it replaced.
    operations = [migrations.RunSQL(BINS_FUNCTION, migrations.RunSQL.noop)]
