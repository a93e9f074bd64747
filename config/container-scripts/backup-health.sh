#!/bin/sh
# Healthcheck of the backup container: the scheduler is alive (heartbeat under 3 minutes old; it is
# kept fresh during long runs too) and the last dump run, base backup and restore drill, where there
# is one, all succeeded. An unhealthy backup container shows in `docker ps`.
. /pgstack/conf/backup.env
heartbeat=/pgstack/run/scheduler.heartbeat
[ -f "$heartbeat" ] || exit 1
age=$(( $(date +%s) - $(stat -c %Y "$heartbeat") ))
if [ "$age" -ge 180 ]; then
  echo "scheduler heartbeat is $age s old"
  exit 1
fi
for status in last-run last-base last-drill; do
  if [ -f "$BACKUP_ROOT/status/$status" ] && grep -q '^status=failed' "$BACKUP_ROOT/status/$status"; then
    echo "$status failed: see $BACKUP_ROOT/log/backups.log"
    exit 1
  fi
done
exit 0
