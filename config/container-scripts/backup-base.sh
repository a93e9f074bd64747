#!/bin/sh
# One base backup, as postgres in the backup container (also by hand: `docker exec <stack>-backup
# sh /pgstack/bin/backup-base.sh`). pg_basebackup (plain format, WAL streamed) into a temporary
# directory, checked with pg_verifybackup, then compressed and renamed into base/<stamp>/ with its
# manifest and an `info` file. Retention keeps the newest BASE_KEEP backups younger than
# BASE_MAX_AGE_DAYS, never the newest good one, and removes archived WAL older than what the oldest
# kept backup needs. Exits non-zero when the backup failed; nothing half-written is left.
set -u
. /pgstack/bin/backup-job.sh

mkdir -p "$root/base"
work="$root/base/.$stamp.partial"
job_cleanup() { rm -rf "$work"; }

record() { printf 'run=%s\nstatus=%s\nexit=%s\nfinished=%s\n' "$stamp" "$1" "$2" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$root/status/last-base.tmp" && mv "$root/status/last-base.tmp" "$root/status/last-base"; }
fail() { say "run=$stamp kind=base status=failed step=$1 error=\"$(last_error)\""; record failed 1; exit 1; }

started=$(date +%s)
start_time=$(date -u +%Y-%m-%dT%H:%M:%SZ)
mkdir -p "$work"
pg_basebackup -D "$work/data" -Fp -X stream -c fast --no-password -l "pgstack $stamp" 2>"$errfile" || fail pg_basebackup
pg_verifybackup -q "$work/data" 2>"$errfile" || fail pg_verifybackup
end_time=$(date -u +%Y-%m-%dT%H:%M:%SZ)

# backup_label names the first WAL file the backup needs; the manifest holds the WAL range.
start_wal=$(sed -n 's/^START WAL LOCATION: .* (file \([0-9A-F]\{24\}\))$/\1/p' "$work/data/backup_label")
start_lsn=$(sed -n 's/^START WAL LOCATION: \([0-9A-F]*\/[0-9A-F]*\) .*/\1/p' "$work/data/backup_label")
timeline=$(sed -n 's/^START TIMELINE: \([0-9]*\)$/\1/p' "$work/data/backup_label")
end_lsn=$(sed -n 's/.*"End-LSN": "\([0-9A-F]*\/[0-9A-F]*\)".*/\1/p' "$work/data/backup_manifest" | tail -n 1)
cp "$work/data/backup_manifest" "$work/backup_manifest"
tar -C "$work/data" -cf - . 2>"$errfile" | gzip -1 > "$work/base.tar.gz" || fail compress
gzip -t "$work/base.tar.gz" 2>"$errfile" || fail compress
rm -rf "$work/data"
bytes=$(wc -c < "$work/base.tar.gz" | tr -d ' ')
{
  echo "stamp=$stamp"
  echo "start_time=$start_time"
  echo "end_time=$end_time"
  echo "start_wal=$start_wal"
  echo "start_lsn=$start_lsn"
  echo "end_lsn=$end_lsn"
  echo "timeline=$timeline"
  echo "bytes=$bytes"
  echo "verified_at=$end_time"
} > "$work/info"
sync "$work/base.tar.gz" "$work/info" "$work/backup_manifest"
mv "$work" "$root/base/$stamp"
say "run=$stamp kind=base status=ok bytes=$bytes start_wal=$start_wal duration_s=$(( $(date +%s) - started ))"
record ok 0

# Retention: newest first; keep while within both the count and the age, and always the newest.
max_age_s=$((BASE_MAX_AGE_DAYS * 86400))
now=$(date +%s)
kept=0
removed=0
for dir in $(ls -1 "$root/base" | grep -E '^[0-9]{8}T[0-9]{6}Z$' | sort -r); do
  [ -f "$root/base/$dir/info" ] || continue
  finished=$(stat -c %Y "$root/base/$dir/info")
  if [ "$kept" -eq 0 ] || { [ "$kept" -lt "$BASE_KEEP" ] && [ $((now - finished)) -le "$max_age_s" ]; }; then
    kept=$((kept + 1))
    oldest_kept=$dir
  else
    rm -rf "${root:?}/base/$dir"
    removed=$((removed + 1))
  fi
done
# Stale partial directories are leftovers of a killed run.
find "$root/base" -maxdepth 1 -name '.*.partial' -mmin +1440 -exec rm -rf {} +
if [ -n "${oldest_kept:-}" ] && [ -d "$root/wal" ]; then
  keep_from=$(sed -n 's/^start_wal=//p' "$root/base/$oldest_kept/info")
  [ -n "$keep_from" ] && pg_archivecleanup "$root/wal" "$keep_from"
fi
say "run=$stamp kind=base-retention kept=$kept removed=$removed oldest_kept=${oldest_kept:-none}"
exit 0
