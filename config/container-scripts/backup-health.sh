#!/bin/sh
# Healthcheck of the backup container: the scheduler is alive (heartbeat under 3 minutes old) and
# the last run, if any, succeeded. An unhealthy backup container shows in `docker ps`.
. /pgstack/conf/backup.env
heartbeat=/pgstack/run/scheduler.heartbeat
[ -f "$heartbeat" ] || exit 1
age=$(( $(date +%s) - $(stat -c %Y "$heartbeat") ))
[ "$age" -lt 180 ] || exit 1
if [ -f "$BACKUP_ROOT/status/last-run" ] && grep -q '^status=failed' "$BACKUP_ROOT/status/last-run"; then
  exit 1
fi
exit 0
