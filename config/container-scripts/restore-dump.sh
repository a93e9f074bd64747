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
# --- time: UTC arithmetic in POSIX sh; `date -d` and `date +%s` are not POSIX. The same functions
# are in backup-job.sh, backup-scheduler.sh, backup-health.sh, restore-plan.sh and
# restore-bootstrap.sh (each script is uploaded on its own; a unit test keeps the copies identical).
# epoch_of YYYY MM DD hh mm ss: seconds since 1970-01-01T00:00:00Z, into $epoch.
epoch_of() {
  _y=$((1$1 - 10000)); _m=$((1$2 - 100)); _d=$((1$3 - 100))
  _y=$((_y - (_m <= 2)))
  _e=$(((_y >= 0 ? _y : _y - 399) / 400)); _o=$((_y - _e * 400))
  _doy=$(((153 * ((_m + 9) % 12) + 2) / 5 + _d - 1))
  _days=$((_e * 146097 + _o * 365 + _o / 4 - _o / 100 + _doy - 719468))
  epoch=$((_days * 86400 + (1$4 - 100) * 3600 + (1$5 - 100) * 60 + 1$6 - 100))
}
# now: the current time, into $epoch.
now() {
  # shellcheck disable=SC2046
  set -- $(date -u '+%Y %m %d %H %M %S')
  epoch_of "$@"
}
# --- end of time

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
