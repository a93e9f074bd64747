#!/bin/sh
# Bootstraps an empty primary from backup storage (pgstack:restore), as postgres: the chosen base
# backup is extracted and verified, archived WAL is replayed up to the target (or to the end), the
# server promotes, and the superuser gets this stack's password. All of it happens in a temporary
# directory that becomes PGDATA only when it worked, so a failed restore leaves nothing behind.
# Every stage of the extraction pipeline is checked, and a restore that met a corrupted archived
# segment (restore-wal.sh refuses it and names it in pgstack.corrupt-wal) fails naming it, rather
# than promoting a cluster that quietly stops short of the archive's end.
#   restore-bootstrap.sh <storage dir> [<target time>]
set -eu
src="$1"
target="${2:-}"
PGDATA=${PGSTACK_PGDATA:-/var/lib/postgresql/data/pgdata}
bin=${PGSTACK_BIN:-/pgstack/bin}
conf=${PGSTACK_CONF:-/pgstack/conf}
run=${PGSTACK_RUN:-/pgstack/run}
work="$PGDATA.restore"
sock="$work.sock"

say() { echo "pgstack[${PGSTACK_MEMBER:-restore}]: restore: $*" >&2; }
fail() {
  say "FAILED: $*"
  if [ -f "$work/postmaster.pid" ]; then pg_ctl -D "$work" -m immediate stop >/dev/null 2>&1 || :; fi
  exit 1
}
corrupt_wal() {
  if [ -s "$work/pgstack.corrupt-wal" ]; then echo "archived WAL $(tr '\n' ' ' < "$work/pgstack.corrupt-wal")is corrupted (its checksum does not match its .sum); "; fi
}

# shellcheck source=utc-time.sh
. "${PGSTACK_BIN:-/pgstack/bin}/utc-time.sh"

now
started=$epoch
# The pulumi up that asked for this restore ran restore-plan.sh over the whole archive already;
# here restore-wal.sh checks each segment as it is replayed.
plan=$(PGSTACK_PLAN_WAL_CHECK=0 sh "$bin/restore-plan.sh" "$src" base "$target") || exit 1
base=$(echo "$plan" | sed -n 's/^base=//p')
say "restoring base backup $base from $src, then archived WAL up to ${target:-the newest archived segment}"
echo "$plan" | sed 's/^/  /' >&2

rm -rf "$work" "$sock"
mkdir -p "$work" "$sock"
chmod 700 "$work"
tar_status=0
{
  if gzip -dc "$src/base/$base/base.tar.gz"; then s=0; else s=$?; fi
  echo "$s" > "$work.gunzip.status"
} | tar -C "$work" -xf - || tar_status=$?
gunzip_status=$(cat "$work.gunzip.status" 2>/dev/null || echo "unknown (killed)")
rm -f "$work.gunzip.status"
[ "$gunzip_status" = 0 ] || fail "base backup $base does not decompress (gzip -d exited $gunzip_status)"
[ "$tar_status" = 0 ] || fail "base backup $base does not extract (tar exited $tar_status)"
cp "$src/base/$base/backup_manifest" "$work/backup_manifest"
pg_verifybackup -q -n "$work" || fail "base backup $base fails pg_verifybackup (corrupted); remove it from $src/base to use an older one"
# The backup carries the old primary's own files; this stack writes its own.
rm -f "$work/standby.signal" "$work/pgstack.live.conf" "$work/pgstack.bootstrap.conf" "$work/postmaster.pid" "$work/backup_manifest"

# One recovery run on a private socket: nobody can connect until it is promoted and handed over.
# archive_mode stays on with no archive_command yet, so the new timeline's history and first
# segments wait (.ready) and are archived into this stack's storage once the live settings arrive.
{
  echo "include '$conf/postgresql.conf'"
  echo "listen_addresses = ''"
  echo "unix_socket_directories = '$sock'"
  echo "restore_command = 'sh $bin/restore-wal.sh $src/wal %f %p'"
  echo "recovery_target_timeline = 'latest'"
  # PostgreSQL reads timestamps its own way and refuses ISO 8601's trailing Z.
  if [ -n "$target" ]; then echo "recovery_target_time = '$(echo "$target" | sed 's/^\([0-9-]*\)T\([0-9:.]*\)Z$/\1 \2+00/')'"; fi
  echo "recovery_target_action = 'promote'"
} > "$work/pgstack.restore.conf"
touch "$work/recovery.signal"
pg_ctl -D "$work" -o "-c config_file=$work/pgstack.restore.conf" -l "$work/restore.log" -w -t 3600 start >/dev/null \
  || fail "recovery did not start: $(tail -n 5 "$work/restore.log" | tr '\n' ' ')"
i=0
while [ "$(psql -h "$sock" -d postgres -XAtq -c 'select pg_is_in_recovery()' 2>/dev/null)" != f ]; do
  if [ ! -f "$work/postmaster.pid" ]; then
    fail "$(corrupt_wal)PostgreSQL stopped during recovery: $(grep -E 'FATAL|PANIC' "$work/restore.log" | tail -n 2 | tr '\n' ' ')"
  fi
  i=$((i + 1))
  [ "$i" -lt 7200 ] || fail "recovery did not finish within 2 hours"
  sleep 1
done
if [ -z "$target" ] && [ -s "$work/pgstack.corrupt-wal" ]; then
  fail "$(corrupt_wal)recovery stopped before it instead of at the end of the archive; set restore.targetTime to a time before that segment to restore up to there, or put an intact copy of it back"
fi
now
say "recovered and promoted in $((epoch - started)) s on timeline $(psql -h "$sock" -d postgres -XAtq -c 'select timeline_id from pg_control_checkpoint()')"
# The restored catalog holds the old stack's superuser password; this stack's verifier replaces it.
printf "alter role postgres password :'verifier';\n" | psql -h "$sock" -d postgres -XAtq -v ON_ERROR_STOP=1 -v verifier="$(cat "$run/superuser.verifier")" \
  || fail "could not set the superuser password"
pg_ctl -D "$work" -m fast -w stop >/dev/null || fail "could not stop after recovery"
rm -f "$work/pgstack.restore.conf" "$work/recovery.signal" "$work/pgstack.corrupt-wal"
mv "$work/restore.log" "$work/pgstack.restore.log"
rm -rf "$sock"
mv "$work" "$PGDATA"
say "done: $PGDATA holds the restored cluster"
