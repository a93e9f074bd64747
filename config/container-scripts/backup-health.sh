#!/bin/sh
# Healthcheck of the backup container (also by hand: `docker exec <stack>-backup sh
# /pgstack/bin/backup-health.sh`). Unhealthy, with one line saying why, when the scheduler's
# heartbeat is 3 minutes old (it is kept fresh during long runs too); when the backup storage is
# not mounted or not writable; when the last dump run, base backup or restore drill failed, or was
# killed half way (its status says running, its process is gone); or when WAL archiving is failing
# on the primary (pg_stat_archiver: its last attempt failed). A primary that does not answer is
# its own healthcheck's business, not counted here.
set -eu
conf=${PGSTACK_CONF:-/pgstack/conf}
run_dir=${PGSTACK_RUN:-/pgstack/run}
# shellcheck source=/dev/null
. "$conf/backup.env"
root=$BACKUP_ROOT
LC_ALL=C
export LC_ALL

# shellcheck source=utc-time.sh
. "${PGSTACK_BIN:-/pgstack/bin}/utc-time.sh"
# shellcheck source=job-alive.sh
. "${PGSTACK_BIN:-/pgstack/bin}/job-alive.sh"

problems=""
problem() { problems="$problems${problems:+; }$*"; }
kv() { sed -n "s/^$2=//p" "$1" 2>/dev/null | head -n 1; }

heartbeat="$run_dir/scheduler.heartbeat"
if [ ! -f "$heartbeat" ]; then
  problem "the scheduler has written no heartbeat yet ($heartbeat)"
else
  beat=$(cat "$heartbeat" 2>/dev/null || :)
  now
  case $beat in
    '' | *[!0-9]*) problem "the scheduler heartbeat $heartbeat is unreadable" ;;
    *)
      # A clock that went back makes the heartbeat look younger, never older: not a failure.
      age=$((epoch - beat))
      if [ "$age" -ge 180 ]; then problem "scheduler heartbeat is $age s old"; fi
      ;;
  esac
fi

if [ ! -f "$root/.pgstack-backups" ]; then
  problem "the backup storage is not mounted at $root (no .pgstack-backups marker)"
elif ! err=$( (printf '' > "$root/status/.health-probe") 2>&1); then
  problem "the backup storage $root is not writable: $err"
else
  rm -f "$root/status/.health-probe"
fi

# The container's own copy is the newest word on a run; the storage's copy is there after a
# container replacement.
for name in last-run last-base last-drill; do
  f="$run_dir/status/$name"
  [ -f "$f" ] || f="$root/status/$name"
  [ -f "$f" ] || continue
  case $(kv "$f" status) in
    failed) problem "$name failed at step $(kv "$f" step): $(kv "$f" error | cut -c1-200) (see $root/log/backups.log)" ;;
    running)
      pid=$(kv "$f" pid)
      if ! job_alive "$pid" "$(job_script "$name")"; then
        problem "$name was interrupted at step $(kv "$f" step) (run $(kv "$f" run), pid ${pid:-?} is gone); the next run takes over"
      fi
      ;;
  esac
done

# A failed attempt newer than the last success: the primary keeps the segment and retries.
query="select failed_count, archived_count, coalesce(last_failed_wal, '-'), coalesce(to_char(last_failed_time at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '-'), coalesce(last_archived_wal, '-'), coalesce(to_char(last_archived_time at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '-'), last_failed_time is not null and (last_archived_time is null or last_failed_time > last_archived_time) from pg_stat_archiver"
if archiver=$(PGCONNECT_TIMEOUT=3 psql -XAtq -F ' ' -d postgres -c "$query" 2>/dev/null); then
  # shellcheck disable=SC2086
  set -- $archiver
  if [ "${7:-f}" = t ]; then
    problem "WAL archiving is failing on $PGHOST: $1 failed attempt(s) so far, the last for $3 at $4 (the primary keeps the WAL and retries; see its log)"
  fi
fi

if [ -n "$problems" ]; then
  echo "$problems"
  exit 1
fi
exit 0
