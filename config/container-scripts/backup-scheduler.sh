#!/bin/sh
# Runs as postgres in the backup container. Wakes at least every 15 s and runs what is due: dumps,
# base backups, restore drills, each on its own schedule (UTC). The schedules arrive pre-expanded
# (config/cron.ts), so this only tests membership. Runs never overlap.
#
# Each wake-up looks at every minute since the last one it looked at, so a minute is never
# skipped: a schedule that came due while a long run went on, or that the clock jumped over, runs
# once afterwards (several missed minutes of one schedule still make one run, and a jump of more
# than a day looks back one day only). A clock that goes back does not repeat minutes already
# looked at: they wait until the clock passes them again, unless it went back more than a day,
# which is taken for a clock that was wrong before (said in the log; the schedules go on from the
# new time). A storage with no base backup gets one at once, so a new stack can be restored to a
# point in time from its first minutes, and a run a stop or a kill cut short is run again at once.
set -eu
conf=${PGSTACK_CONF:-/pgstack/conf}
bin=${PGSTACK_BIN:-/pgstack/bin}
run_dir=${PGSTACK_RUN:-/pgstack/run}
# shellcheck source=/dev/null
. "$conf/backup.env"
LC_ALL=C
export LC_ALL

heartbeat="$run_dir/scheduler.heartbeat"
say() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) pgstack-backup: $*"; }

# shellcheck source=utc-time.sh
. "${PGSTACK_BIN:-/pgstack/bin}/utc-time.sh"
# shellcheck source=job-alive.sh
. "${PGSTACK_BIN:-/pgstack/bin}/job-alive.sh"

# in_set VALUE ",a,b,c,"
in_set() { case "$2" in *",$1,"*) return 0 ;; esac; return 1; }

# field SCHEDULE FIELD: one expanded field of a schedule (backup.env), into $_v.
_v=""
field() { eval "_v=\${CRON_$1_$2}"; }

# due SCHEDULE: whether the minute in $minute $hour $day $month $dow (civil_of) is in it.
due() {
  field "$1" MINUTES; in_set "$minute" "$_v" || return 1
  field "$1" HOURS; in_set "$hour" "$_v" || return 1
  field "$1" MONTHS; in_set "$month" "$_v" || return 1
  _dom_ok=0; _dow_ok=0
  field "$1" DAYS_OF_MONTH; if in_set "$day" "$_v"; then _dom_ok=1; fi
  field "$1" DAYS_OF_WEEK; if in_set "$dow" "$_v"; then _dow_ok=1; fi
  # cron: with both day fields restricted, either may match
  field "$1" DOM_RESTRICTED; _domr=$_v
  field "$1" DOW_RESTRICTED
  if [ "$_domr" = 1 ] && [ "$_v" = 1 ]; then
    [ "$_dom_ok" = 1 ] || [ "$_dow_ok" = 1 ]
  else
    [ "$_dom_ok" = 1 ] && [ "$_dow_ok" = 1 ]
  fi
}

# due_between SCHEDULE FIRST LAST: whether any minute from FIRST to LAST (minutes since the epoch) is due.
due_between() {
  _at=$2
  while [ "$_at" -le "$3" ]; do
    civil_of $((_at * 60))
    if due "$1"; then return 0; fi
    _at=$((_at + 1))
  done
  return 1
}

beat() {
  now
  echo "$epoch" > "$heartbeat.tmp"
  mv "$heartbeat.tmp" "$heartbeat"
}

# Each run records its own exit status; the scheduler goes on whatever happens, and keeps its
# heartbeat fresh while a long run (a big base backup) is in progress.
job=""
run() {
  say "running $1"
  sh "$bin/$1" &
  job=$!
  while kill -0 "$job" 2>/dev/null; do
    beat
    sleep 5 &
    wait $! || :
  done
  wait "$job" || :
  job=""
}

# This shell is the container's PID 1, which ignores SIGTERM unless it traps it: `docker stop`
# would wait its whole timeout and then kill. Sleeps run in the background, so the trap runs at once.
trap 'say "stopping"; if [ -n "$job" ]; then kill "$job" 2>/dev/null || :; fi; exit 0' TERM INT
say "scheduler up: dumps '$CRON_DUMPS_EXPR' (kept $RETENTION_DAYS days), base backups '$CRON_BASE_EXPR' (kept $BASE_KEEP, at most $BASE_MAX_AGE_DAYS days), drills '$CRON_DRILL_EXPR', all UTC, from $PGHOST"
beat
sh "$bin/backup-manifest.sh" || :
has_base=no
for d in "$BACKUP_ROOT"/base/*; do
  case ${d##*/} in
    [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z) has_base=yes ;;
  esac
done
if [ "$has_base" = no ]; then
  say "no base backup yet: taking the first one now"
  run backup-base.sh
fi

# A run that a container stop or a kill cut short is run again now, rather than leaving the
# container unhealthy until its next scheduled time.
for pair in last-base:backup-base.sh last-run:backup-dumps.sh last-drill:backup-drill.sh; do
  f="$run_dir/status/${pair%%:*}"
  [ -f "$f" ] || f="$BACKUP_ROOT/status/${pair%%:*}"
  [ -f "$f" ] || continue
  st=$(sed -n 's/^status=//p' "$f" | head -n 1)
  pid=$(sed -n 's/^pid=//p' "$f" | head -n 1)
  code=$(sed -n 's/^exit=//p' "$f" | head -n 1)
  cut=""
  if [ "$st" = running ] && ! job_alive "$pid" "${pair#*:}"; then cut="was interrupted"; fi
  case "$st:$code" in failed:129 | failed:130 | failed:143) cut="was stopped" ;; esac
  if [ -n "$cut" ]; then
    say "the last ${pair#*:} run $cut at step $(sed -n 's/^step=//p' "$f" | head -n 1): running it again now"
    run "${pair#*:}"
  fi
done

# The minutes looked at so far end with `seen` (minutes since the epoch); the current minute is next.
now
seen=$((epoch / 60 - 1))
while :; do
  beat
  current=$((epoch / 60))
  if [ "$current" -gt "$seen" ]; then
    first=$((seen + 1))
    if [ $((current - seen)) -gt 1441 ]; then
      say "the clock moved forward by $(((current - seen) * 60)) s: schedules that came due in the last day run once now"
      first=$((current - 1440))
    fi
    # What was due is decided before anything runs: minutes that pass during the runs are the next wake-up's.
    base_due=no; dumps_due=no; drill_due=no
    if due_between BASE "$first" "$current"; then base_due=yes; fi
    if due_between DUMPS "$first" "$current"; then dumps_due=yes; fi
    if due_between DRILL "$first" "$current"; then drill_due=yes; fi
    seen=$current
    if [ "$base_due" = yes ]; then run backup-base.sh; fi
    if [ "$dumps_due" = yes ]; then run backup-dumps.sh; fi
    if [ "$drill_due" = yes ]; then run backup-drill.sh; fi
  elif [ $((seen - current)) -gt 1440 ]; then
    say "the clock went back by $(((seen - current) * 60)) s, more than a day: taking the new time as right; schedules go on from it"
    seen=$((current - 1))
    continue
  elif [ "$current" -lt "$seen" ] && [ "${warned_back:-}" != "$seen" ]; then
    say "the clock went back by $(((seen - current) * 60)) s: minutes up to the last one looked at are not run again"
    warned_back=$seen
  fi
  now
  civil_of "$epoch"
  nap=$((60 - second))
  if [ "$nap" -gt 15 ]; then nap=15; fi
  sleep "$nap" &
  wait $! || :
done
