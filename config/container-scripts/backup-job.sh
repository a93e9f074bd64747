#!/bin/sh
# Sourced by each backup job (backup-dumps.sh, backup-base.sh, backup-drill.sh): the storage, the
# run's stamp, the shared log, error capture, and what every run does on exit, however it ends:
# the job's own clean-up (a job defines job_cleanup), then a fresh manifest, so a run started by
# hand leaves MANIFEST.txt as current as a scheduled one. The job's exit status is kept.
. /pgstack/conf/backup.env

root=$BACKUP_ROOT
mkdir -p "$root/log" "$root/status"
logfile="$root/log/backups.log"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
errfile=$(mktemp)

say() { line="$(date -u +%Y-%m-%dT%H:%M:%SZ) pgstack-backup: $*"; echo "$line"; echo "$line" >> "$logfile"; }
last_error() { tail -n 1 "$errfile" | tr -d '\n' | cut -c1-300; }
job_cleanup() { :; }

trap 'job_cleanup; rm -f "$errfile"; sh /pgstack/bin/backup-manifest.sh || true' EXIT
