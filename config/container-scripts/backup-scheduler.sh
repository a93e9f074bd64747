#!/bin/sh
# Runs as postgres in the backup container. Wakes at every minute boundary (UTC) and runs what is
# due: dumps, base backups, restore drills, each on its own schedule. The schedules arrive
# pre-expanded (config/cron.ts), so this only tests membership. Runs never overlap: minutes that
# pass during a run are skipped. A storage with no base backup gets one at once, so a new stack can
# be restored to a point in time from its first minutes.
set -eu
. /pgstack/conf/backup.env

heartbeat=/pgstack/run/scheduler.heartbeat
say() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) pgstack-backup: $*"; }

# in_set VALUE ",a,b,c,"  (VALUE without leading zeros)
in_set() { case "$2" in *",$1,"*) return 0 ;; esac; return 1; }
strip0() { echo "$1" | sed 's/^0*\([0-9]\)/\1/'; }
field() { eval "echo \"\$CRON_$1_$2\""; }

# due SCHEDULE minute hour day-of-month month day-of-week
due() {
  s=$1
  minute=$(strip0 "$2"); hour=$(strip0 "$3"); dom=$(strip0 "$4"); month=$(strip0 "$5"); dow=$6
  in_set "$minute" "$(field "$s" MINUTES)" || return 1
  in_set "$hour" "$(field "$s" HOURS)" || return 1
  in_set "$month" "$(field "$s" MONTHS)" || return 1
  dom_ok=1; dow_ok=1
  in_set "$dom" "$(field "$s" DAYS_OF_MONTH)" || dom_ok=0
  in_set "$dow" "$(field "$s" DAYS_OF_WEEK)" || dow_ok=0
  # cron: with both day fields restricted, either may match
  if [ "$(field "$s" DOM_RESTRICTED)" = 1 ] && [ "$(field "$s" DOW_RESTRICTED)" = 1 ]; then
    [ "$dom_ok" = 1 ] || [ "$dow_ok" = 1 ]
  else
    [ "$dom_ok" = 1 ] && [ "$dow_ok" = 1 ]
  fi
}

# Each run records its own exit status; the scheduler goes on whatever happens, and keeps its
# heartbeat fresh while a long run (a big base backup) is in progress.
run() {
  sh "/pgstack/bin/$1" &
  job=$!
  while kill -0 "$job" 2>/dev/null; do
    touch "$heartbeat"
    sleep 5 & wait $!
  done
  wait "$job" || true
}

# This shell is the container's PID 1, which ignores SIGTERM unless it traps it: `docker stop`
# would wait its whole timeout and then kill. Sleeps run in the background, so the trap runs at once.
job=""
trap 'say "stopping"; if [ -n "$job" ]; then kill "$job" 2>/dev/null || true; fi; exit 0' TERM INT
say "scheduler up: dumps '$CRON_DUMPS_EXPR' (kept $RETENTION_DAYS days), base backups '$CRON_BASE_EXPR' (kept $BASE_KEEP, at most $BASE_MAX_AGE_DAYS days), drills '$CRON_DRILL_EXPR', all UTC, from $PGHOST"
touch "$heartbeat"
sh /pgstack/bin/backup-manifest.sh || true
if ! ls -1 "$BACKUP_ROOT/base" 2>/dev/null | grep -qE '^[0-9]{8}T[0-9]{6}Z$'; then
  say "no base backup yet: taking the first one now"
  run backup-base.sh
fi
while :; do
  touch "$heartbeat"
  # shellcheck disable=SC2046
  set -- $(date -u '+%M %H %d %m %w')
  if due BASE "$@"; then run backup-base.sh; fi
  if due DUMPS "$@"; then run backup-dumps.sh; fi
  if due DRILL "$@"; then run backup-drill.sh; fi
  seconds=$(strip0 "$(date -u +%S)")
  sleep $((60 - seconds)) & wait $!
done
