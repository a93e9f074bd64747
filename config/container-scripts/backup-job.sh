#!/bin/sh
# Sourced by each backup job (backup-dumps.sh, backup-base.sh, backup-drill.sh) after `set -eu`:
# the storage, the run's stamp, the shared log, error capture, the job's status, and what every
# run does on exit, however it ends. A job calls `job_begin <kind>` first, `step <name>` before each
# stage, `fail <message>` to stop (its status then names the step), `job_done` with its outcome.
#
# Status (status/last-run, last-base, last-drill) is written in this container's run directory
# first, then in the storage: a full, read-only or missing storage must not leave an older "ok"
# as the last word. A run records `status=running` with its pid and step while it works, so one
# killed half way (kill -9, no trap runs) is seen as interrupted, and the next run takes over.
# shellcheck source=/dev/null
. "${PGSTACK_CONF:-/pgstack/conf}/backup.env"

root=$BACKUP_ROOT
bin=${PGSTACK_BIN:-/pgstack/bin}
run_dir=${PGSTACK_RUN:-/pgstack/run}
logfile="$root/log/backups.log"
LC_ALL=C
export LC_ALL

# shellcheck source=utc-time.sh
. "${PGSTACK_BIN:-/pgstack/bin}/utc-time.sh"
# shellcheck source=job-alive.sh
. "${PGSTACK_BIN:-/pgstack/bin}/job-alive.sh"

# stamp: the run's UTC time, also its name (base/<stamp>, dumps/<db>/<db>-<stamp>.dump).
stamp=$(date -u +%Y%m%dT%H%M%SZ)
now
job_started=$epoch
mkdir -p "$run_dir"
errfile="$run_dir/job.$$.err"
printf '' > "$errfile"

job_kind=""
job_status_name=""
job_step=start
job_armed=0
job_recorded=0
storage_ok=0

say() {
  line="$(date -u +%Y-%m-%dT%H:%M:%SZ) pgstack-backup: $*"
  echo "$line"
  if [ "$storage_ok" = 1 ]; then echo "$line" 2>/dev/null >> "$logfile" || :; fi
}
# last_error: the last failed command's error in one line: from its first line that says error to
# the end (the first names the cause: pg_basebackup's "background process terminated unexpectedly"
# follows the write that failed; PostgreSQL's DETAIL and HINT follow too; its "removing ..."
# clean-up does not count), or else its last line.
last_error() {
  _from=$(grep -in 'error' "$errfile" 2>/dev/null | head -n 1 | cut -d: -f1)
  if [ -n "$_from" ]; then
    sed -n "$_from,\$p" "$errfile" | grep -v ': removing ' | tr '\n' ' ' | sed 's/ *$//' | cut -c1-400
  else
    tail -n 1 "$errfile" 2>/dev/null | tr -d '\n' | cut -c1-400
  fi
}
elapsed() { now; echo $((epoch - job_started)); }

# write_status LINE...: the job's status file, here first, then in the storage if it can be written.
write_status() {
  mkdir -p "$run_dir/status"
  printf '%s\n' "$@" > "$run_dir/status/$job_status_name.tmp"
  mv "$run_dir/status/$job_status_name.tmp" "$run_dir/status/$job_status_name"
  if [ "$storage_ok" = 1 ]; then
    if ! { printf '%s\n' "$@" > "$root/status/$job_status_name.tmp" && mv "$root/status/$job_status_name.tmp" "$root/status/$job_status_name"; } 2>/dev/null; then
      rm -f "$root/status/$job_status_name.tmp" 2>/dev/null || :
    fi
  fi
}

# step NAME: what the job does now; a failure or a kill from here on names it.
step() {
  job_step=$1
  write_status "run=$stamp" "status=running" "step=$job_step" "pid=$$" "started=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
}

# job_done STATUS EXIT [LINE...]: the run's outcome, with any lines of the job's own.
job_done() {
  _status=$1; _exit=$2; shift 2
  write_status "run=$stamp" "status=$_status" "exit=$_exit" "step=$job_step" "$@" "finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  job_recorded=1
}

# fail MESSAGE: the job stops here, recorded as failed at the current step.
fail() {
  say "run=$stamp kind=$job_kind status=failed step=$job_step error=\"$1\""
  job_done failed 1 "error=$1"
  exit 1
}

job_cleanup() { :; }

job_exit() {
  _code=$?
  if [ "$job_armed" = 1 ]; then
    job_cleanup || :
    if [ "$job_recorded" != 1 ]; then
      # Stopped by a signal, or by a command that failed under set -e.
      _why="stopped (exit $_code) during $job_step: $(last_error)"
      say "run=$stamp kind=$job_kind status=failed step=$job_step error=\"$_why\""
      job_done failed "$_code" "error=$_why" || :
    fi
    rm -rf "$run_dir/$job_kind.lock"
    if [ "$storage_ok" = 1 ]; then sh "$bin/backup-manifest.sh" >/dev/null 2>&1 || :; fi
  fi
  rm -f "$errfile"
  exit "$_code"
}

# job_begin KIND STATUS-FILE: takes this kind's lock (one run at a time; a lock whose process is
# gone is a run that was killed, and is taken over), then checks the storage before writing to it.
job_begin() {
  job_kind=$1
  job_status_name=$2
  lock="$run_dir/$job_kind.lock"
  previous=""
  if ! mkdir "$lock" 2>/dev/null; then
    other=$(cat "$lock/pid" 2>/dev/null || :)
    if [ -n "$other" ] && [ "$other" != "$$" ] && job_alive "$other" "${0##*/}"; then
      say "run=$stamp kind=$job_kind status=skipped error=\"another $job_kind run (pid $other) is in progress\""
      rm -f "$errfile"
      exit 75
    fi
    previous=$other
    rm -rf "$lock"
    mkdir "$lock"
  fi
  echo "$$" > "$lock/pid"
  job_armed=1
  trap 'job_exit' EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT
  trap 'exit 129' HUP

  job_step=storage
  if [ ! -d "$root" ]; then
    fail "the backup storage is not mounted: $root does not exist"
  fi
  if [ ! -f "$root/.pgstack-backups" ]; then
    fail "the backup storage is not mounted at $root (no .pgstack-backups marker); nothing is written into what may be an empty mount point"
  fi
  if ! mkdir -p "$root/log" "$root/status" 2>"$errfile" || ! (printf '' > "$root/status/.probe.$$") 2>"$errfile"; then
    fail "the backup storage $root is not writable: $(last_error)"
  fi
  rm -f "$root/status/.probe.$$"
  storage_ok=1
  if [ -n "$previous" ]; then
    say "run=$stamp kind=$job_kind-takeover previous_pid=$previous note=\"the previous $job_kind run was interrupted; its leftovers are removed\""
  fi
}

# sync_path PATH...: durable before it counts. `sync FILE` is GNU's and BusyBox's; plain sync elsewhere.
sync_path() { sync "$@" 2>/dev/null || sync; }
