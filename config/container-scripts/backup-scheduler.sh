#!/bin/sh
# Runs as postgres in the backup container. Wakes at every minute boundary (UTC) and runs the
# dumps when the schedule matches. The schedule arrives pre-expanded (config/cron.ts), so this
# only tests membership. Runs never overlap: minutes that pass during a run are skipped.
set -eu
. /pgstack/conf/backup.env

heartbeat=/pgstack/run/scheduler.heartbeat
say() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) pgstack-backup: $*"; }

# in_set VALUE ",a,b,c,"  (VALUE without leading zeros)
in_set() { case "$2" in *",$1,"*) return 0 ;; esac; return 1; }
strip0() { echo "$1" | sed 's/^0*\([0-9]\)/\1/'; }

matches() {
  minute=$(strip0 "$1"); hour=$(strip0 "$2"); dom=$(strip0 "$3"); month=$(strip0 "$4"); dow=$5
  in_set "$minute" "$CRON_MINUTES" || return 1
  in_set "$hour" "$CRON_HOURS" || return 1
  in_set "$month" "$CRON_MONTHS" || return 1
  dom_ok=1; dow_ok=1
  in_set "$dom" "$CRON_DAYS_OF_MONTH" || dom_ok=0
  in_set "$dow" "$CRON_DAYS_OF_WEEK" || dow_ok=0
  # cron: with both day fields restricted, either may match
  if [ "$CRON_DOM_RESTRICTED" = 1 ] && [ "$CRON_DOW_RESTRICTED" = 1 ]; then
    [ "$dom_ok" = 1 ] || [ "$dow_ok" = 1 ]
  else
    [ "$dom_ok" = 1 ] && [ "$dow_ok" = 1 ]
  fi
}

say "scheduler up: dumps on '$BACKUP_SCHEDULE' (UTC), kept $RETENTION_DAYS days, from $PGHOST"
while :; do
  touch "$heartbeat"
  # shellcheck disable=SC2046
  if matches $(date -u '+%M %H %d %m %w'); then
    sh /pgstack/bin/backup-dumps.sh || true  # the run records its own exit status
    touch "$heartbeat"
  fi
  seconds=$(strip0 "$(date -u +%S)")
  sleep $((60 - seconds))
done
