#!/bin/sh
# Logical restore (pgstack:restore.dump), run once by `pulumi up` in the new primary as postgres:
# seeds the application database from a pg_dump file in the restore source. It only ever fills an
# empty database; one that already holds tables is refused, never overwritten.
#   restore-dump.sh <storage dir> <latest | dumps/<db>/<file>.dump> <database> <owner>
set -eu
src="$1"
dump="$2"
db="$3"
owner="$4"
say() { echo "pgstack-restore: $*" >&2; }
# shellcheck source=utc-time.sh
. "${PGSTACK_BIN:-/pgstack/bin}/utc-time.sh"

plan=$(sh "${PGSTACK_BIN:-/pgstack/bin}/restore-plan.sh" "$src" dump "$db" "$dump") || exit 1
file=$(echo "$plan" | sed -n 's/^dump=//p')
psql_db() { psql -h /var/run/postgresql -d "$db" -XAtq -v ON_ERROR_STOP=1 "$@"; }
tables=$(psql_db -c "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'")
if [ "$tables" != 0 ]; then
  say "database $db already holds $tables table(s): a logical restore only seeds an empty database and never overwrites data"
  exit 1
fi
now
started=$epoch
say "restoring $file into $db (owner $owner)"
pg_restore -h /var/run/postgresql -d "$db" --no-owner --role="$owner" --exit-on-error --single-transaction "$src/$file"
tables=$(psql_db -c "select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'")
now
say "restored $file into $db: $tables table(s) in $((epoch - started)) s"
