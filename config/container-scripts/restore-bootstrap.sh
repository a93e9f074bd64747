#!/bin/sh
# Bootstraps an empty primary from backup storage (pgstack:restore), as postgres: the chosen base
# backup is extracted and verified, archived WAL is replayed up to the target (or to the end), the
# server promotes, and the superuser gets this stack's password. All of it happens in a temporary
# directory that becomes PGDATA only when it worked, so a failed restore leaves nothing behind.
#   restore-bootstrap.sh <storage dir> [<target time>]
set -eu
src="$1"
target="${2:-}"
PGDATA=/var/lib/postgresql/data/pgdata
work="$PGDATA.restore"
run=/pgstack/run
sock="$work.sock"

say() { echo "pgstack[${PGSTACK_MEMBER:-restore}]: restore: $*" >&2; }
fail() { say "FAILED: $*"; [ -f "$work/postmaster.pid" ] && pg_ctl -D "$work" -m immediate stop >/dev/null 2>&1; exit 1; }

plan=$(sh /pgstack/bin/restore-plan.sh "$src" base "$target") || exit 1
base=$(echo "$plan" | sed -n 's/^base=//p')
say "restoring base backup $base from $src, then archived WAL up to ${target:-the newest archived segment}"
echo "$plan" | sed 's/^/  /' >&2

rm -rf "$work" "$sock"
mkdir -p "$work" "$sock"
chmod 700 "$work"
gzip -dc "$src/base/$base/base.tar.gz" | tar -C "$work" -xf - || fail "base backup $base does not extract"
cp "$src/base/$base/backup_manifest" "$work/backup_manifest"
pg_verifybackup -q -n "$work" || fail "base backup $base fails pg_verifybackup (corrupted); remove it from $src/base to use an older one"
# The backup carries the old primary's own files; this stack writes its own.
rm -f "$work/standby.signal" "$work/pgstack.live.conf" "$work/pgstack.bootstrap.conf" "$work/postmaster.pid" "$work/backup_manifest"

# One recovery run on a private socket: nobody can connect until it is promoted and handed over.
# archive_mode stays on with no archive_command yet, so the new timeline's history and first
# segments wait (.ready) and are archived into this stack's storage once the live settings arrive.
{
  echo "include '/pgstack/conf/postgresql.conf'"
  echo "listen_addresses = ''"
  echo "unix_socket_directories = '$sock'"
  echo "restore_command = 'sh /pgstack/bin/restore-wal.sh $src/wal %f %p'"
  echo "recovery_target_timeline = 'latest'"
  # PostgreSQL reads timestamps its own way and refuses ISO 8601's trailing Z.
  [ -n "$target" ] && echo "recovery_target_time = '$(date -u -d "$target" '+%Y-%m-%d %H:%M:%S.%3N+00')'"
  echo "recovery_target_action = 'promote'"
} > "$work/pgstack.restore.conf"
touch "$work/recovery.signal"
started=$(date +%s)
pg_ctl -D "$work" -o "-c config_file=$work/pgstack.restore.conf" -l "$work/restore.log" -w -t 3600 start >/dev/null \
  || fail "recovery did not start: $(tail -n 5 "$work/restore.log" | tr '\n' ' ')"
i=0
while [ "$(psql -h "$sock" -d postgres -XAtq -c 'select pg_is_in_recovery()' 2>/dev/null)" != f ]; do
  if [ ! -f "$work/postmaster.pid" ]; then
    fail "PostgreSQL stopped during recovery: $(grep -E 'FATAL|PANIC' "$work/restore.log" | tail -n 2 | tr '\n' ' ')"
  fi
  i=$((i + 1))
  [ "$i" -lt 7200 ] || fail "recovery did not finish within 2 hours"
  sleep 1
done
say "recovered and promoted in $(( $(date +%s) - started )) s on timeline $(psql -h "$sock" -d postgres -XAtq -c 'select timeline_id from pg_control_checkpoint()')"
# The restored catalog holds the old stack's superuser password; this stack's verifier replaces it.
printf "alter role postgres password :'verifier';\n" | psql -h "$sock" -d postgres -XAtq -v ON_ERROR_STOP=1 -v verifier="$(cat "$run/superuser.verifier")" \
  || fail "could not set the superuser password"
pg_ctl -D "$work" -m fast -w stop >/dev/null || fail "could not stop after recovery"
rm -f "$work/pgstack.restore.conf" "$work/recovery.signal"
mv "$work/restore.log" "$work/pgstack.restore.log"
rm -rf "$sock"
mv "$work" "$PGDATA"
say "done: $PGDATA holds the restored cluster"
