#!/bin/bash
# A streaming hot standby of $PRIMARY_HOST: on first start a copy of it (pg_basebackup -R writes standby.signal and
# primary_conninfo), then PostgreSQL in recovery. Promoted (pg_ctl promote), it keeps running as a primary.
set -euo pipefail
export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h "$PRIMARY_HOST" -q; do sleep 1; done
  echo "copying $PRIMARY_HOST into $PGDATA"
  PGPASSWORD="${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}" pg_basebackup -h "$PRIMARY_HOST" -U replicator \
    -D "$PGDATA" -R -X stream --checkpoint=fast --progress
  # the replica's own password file for the WAL receiver's later reconnections
  printf '%s:5432:replication:replicator:%s\n' "$PRIMARY_HOST" "$REPLICATION_PASSWORD" >"$HOME/.pgpass"
  chmod 600 "$HOME/.pgpass"
  chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on -c hot_standby_feedback=on -c listen_addresses='*'
