#!/bin/bash
# Run once by the postgres image on a new database (docker-entrypoint-initdb.d): a role for the replicas'
# connections and the pg_hba.conf line that lets it replicate. wal_level=replica and 10 WAL senders are the defaults.
set -euo pipefail
psql -v ON_ERROR_STOP=1 -v pw="${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}" \
  --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
SELECT format('CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD %L', :'pw')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'replicator') \gexec
SQL
echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
