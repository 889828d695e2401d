"""Writers of facilities, types and adoptions take the public map clusters' lock before their statement locks any
row (a BEFORE STATEMENT trigger), not after (the AFTER STATEMENT triggers of 0004). Every writer adds to the same few
low-zoom cluster rows, so writers queue behind each other in any case; taken after the statement's row locks, that
queue could close into a cycle: one transaction saves facility A and then B while another, holding B's row, waits
for the lock A's save took, and PostgreSQL aborted one of them (deadlock detected). The SQL is written out here, as
it was when this migration was made."""

from django.db import migrations

LOCK = "hashtext('assets_map_cluster')"  # assets.map_clusters.LOCK
EVENTS = {
    "asset": ("assets_asset", "INSERT OR DELETE OR UPDATE OF type_id, anchor, open_for_adoption"),
    "type": ("assets_assettype", "UPDATE OF public, family_id"),
    "adoption": ("assets_adoption", 'INSERT OR DELETE OR UPDATE OF asset_id, status, start, "end"'),
}

FORWARD = f"""
CREATE FUNCTION assets_map_lock_first() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({LOCK});
    RETURN NULL;
END $$;
""" + "".join(
    f"CREATE TRIGGER assets_map_lock_{name} BEFORE {event} ON {table} FOR EACH STATEMENT"
    f" EXECUTE FUNCTION assets_map_lock_first();\n"
    for name, (table, event) in EVENTS.items()
)
BACKWARD = (
    "".join(f"DROP TRIGGER IF EXISTS assets_map_lock_{name} ON {table};" for name, (table, _event) in EVENTS.items())
    + "DROP FUNCTION IF EXISTS assets_map_lock_first();"
)


class Migration(migrations.Migration):
    dependencies = [("assets", "0006_map_member_extent")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
