#!/bin/sh
# One base backup, as postgres in the backup container (also by hand: `docker exec <stack>-backup
# sh /pgstack/bin/backup-base.sh`). pg_basebackup (plain format, WAL streamed) into a temporary
# directory, then tar | gzip into base.tar.gz. What counts is what is stored: base.tar.gz is
# extracted again into a scratch directory and checked there with pg_verifybackup against the
# stored manifest, and only then does the directory become base/<stamp>/ with its `info`. Every
# stage of every pipeline is checked (a pipeline's own status is only its last command's).
# Retention keeps the newest BASE_KEEP verified backups younger than BASE_MAX_AGE_DAYS and always
# the newest verified one; a backup not verified this way never counts towards BASE_KEEP, so it
# can never push a good one out. Archived WAL older than what the oldest kept backup needs goes.
# Exits non-zero when the backup failed; nothing half-written is left.
set -eu
# shellcheck source=backup-job.sh
. "${PGSTACK_BIN:-/pgstack/bin}/backup-job.sh"

job_begin base last-base
work="$root/base/.$stamp.partial"
# shellcheck disable=SC2317 # called by the exit trap (backup-job.sh)
job_cleanup() { rm -rf "$work"; }

step cleanup
mkdir -p "$root/base"
# Leftovers of killed runs: this run holds the lock, so no other base backup is writing them.
for old in "$root"/base/.*.partial; do
  if [ -e "$old" ]; then rm -rf "$old"; fi
done

step pg_basebackup
start_time=$(date -u +%Y-%m-%dT%H:%M:%SZ)
mkdir -p "$work"
pg_basebackup -D "$work/data" -Fp -X stream -c fast --no-password -l "pgstack $stamp" 2>"$errfile" || fail "$(last_error)"
end_time=$(date -u +%Y-%m-%dT%H:%M:%SZ)

step backup_label
# backup_label names the first WAL file the backup needs; the manifest holds the WAL range.
start_wal=$(sed -n 's/^START WAL LOCATION: .* (file \([0-9A-F]\{24\}\))$/\1/p' "$work/data/backup_label" 2>"$errfile")
start_lsn=$(sed -n 's/^START WAL LOCATION: \([0-9A-F]*\/[0-9A-F]*\) .*/\1/p' "$work/data/backup_label" 2>"$errfile")
timeline=$(sed -n 's/^START TIMELINE: \([0-9]*\)$/\1/p' "$work/data/backup_label" 2>"$errfile")
end_lsn=$(sed -n 's/.*"End-LSN": "\([0-9A-F]*\/[0-9A-F]*\)".*/\1/p' "$work/data/backup_manifest" 2>"$errfile" | tail -n 1)
if [ -z "$start_wal" ] || [ -z "$start_lsn" ] || [ -z "$timeline" ] || [ -z "$end_lsn" ]; then
  fail "backup_label or backup_manifest does not give the WAL range (start_wal='$start_wal' start_lsn='$start_lsn' timeline='$timeline' end_lsn='$end_lsn')"
fi

step compress
cp "$work/data/backup_manifest" "$work/backup_manifest"
gzip_status=0
{
  if tar -C "$work/data" -cf - . 2>"$work/tar.err"; then s=0; else s=$?; fi
  echo "$s" > "$work/tar.status"
} | gzip -1 > "$work/base.tar.gz" 2>"$errfile" || gzip_status=$?
tar_status=$(cat "$work/tar.status" 2>/dev/null || echo "unknown (killed)")
# When gzip dies, tar only sees a broken pipe: gzip's own error comes first.
[ "$gzip_status" = 0 ] || fail "gzip exited $gzip_status: $(last_error)"
[ "$tar_status" = 0 ] || fail "tar exited $tar_status: $(tail -n 1 "$work/tar.err" | cut -c1-300)"
sync_path "$work/base.tar.gz" "$work/backup_manifest"
rm -rf "$work/data"

step verify
# The stored file, read back: decompressed, extracted, and every file and the WAL checked against
# the stored manifest.
mkdir "$work/verify"
tar_status=0
{
  if gzip -dc "$work/base.tar.gz" 2>"$work/gunzip.err"; then s=0; else s=$?; fi
  echo "$s" > "$work/gunzip.status"
} | tar -C "$work/verify" -xf - 2>"$errfile" || tar_status=$?
gunzip_status=$(cat "$work/gunzip.status" 2>/dev/null || echo "unknown (killed)")
[ "$gunzip_status" = 0 ] || fail "the stored base.tar.gz does not decompress (gzip -d exited $gunzip_status): $(tail -n 1 "$work/gunzip.err" | cut -c1-300)"
[ "$tar_status" = 0 ] || fail "the stored base.tar.gz does not extract (tar exited $tar_status): $(last_error)"
cmp -s "$work/backup_manifest" "$work/verify/backup_manifest" || fail "the stored backup_manifest differs from the one inside base.tar.gz"
pg_verifybackup -q -m "$work/backup_manifest" "$work/verify" 2>"$errfile" || fail "pg_verifybackup rejects the stored backup: $(last_error)"
rm -rf "$work/verify"
rm -f "$work/tar.err" "$work/tar.status" "$work/gunzip.err" "$work/gunzip.status"

step store
bytes=$(wc -c < "$work/base.tar.gz" | tr -d ' ')
verified_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
{
  echo "stamp=$stamp"
  echo "start_time=$start_time"
  echo "end_time=$end_time"
  echo "start_wal=$start_wal"
  echo "start_lsn=$start_lsn"
  echo "end_lsn=$end_lsn"
  echo "timeline=$timeline"
  echo "bytes=$bytes"
  echo "verified=stored-archive"
  echo "verified_at=$verified_at"
} > "$work/info" 2>"$errfile" || fail "cannot write info: $(last_error)"
sync_path "$work/info"
# mv into an existing directory would nest this backup inside it.
[ ! -e "$root/base/$stamp" ] || fail "base/$stamp exists already (two base backups in the same second?); this one is not kept"
mv "$work" "$root/base/$stamp"
sync_path "$root/base"
say "run=$stamp kind=base status=ok bytes=$bytes start_wal=$start_wal duration_s=$(elapsed)"

step retention
# Newest first. A verified backup is kept while within both the count and the age, and always
# the newest verified one; one that was not verified is kept on the same terms but never counted.
max_age_s=$((BASE_MAX_AGE_DAYS * 86400))
now
now_s=$epoch
newest_first=""
for d in "$root"/base/*; do
  name=${d##*/}
  case $name in
    [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z) ;;
    *) continue ;;
  esac
  if [ -f "$d/info" ]; then newest_first="$name $newest_first"; fi
done
kept=0
removed=0
oldest_kept=""
for name in $newest_first; do
  info="$root/base/$name/info"
  verified=no
  if grep -q '^verified=stored-archive$' "$info"; then verified=yes; fi
  young=yes
  # An end time that cannot be read never makes a backup old.
  if epoch_iso "$(sed -n 's/^end_time=//p' "$info" | head -n 1)" && [ $((now_s - epoch)) -gt "$max_age_s" ]; then young=no; fi
  if [ "$kept" -eq 0 ] || { [ "$kept" -lt "$BASE_KEEP" ] && [ "$young" = yes ]; }; then
    oldest_kept=$name
    if [ "$verified" = yes ]; then kept=$((kept + 1)); fi
  else
    rm -rf "${root:?}/base/$name"
    removed=$((removed + 1))
  fi
done
if [ -n "$oldest_kept" ] && [ -d "$root/wal" ]; then
  keep_from=$(sed -n 's/^start_wal=//p' "$root/base/$oldest_kept/info" | head -n 1)
  case $keep_from in
    [0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F])
      pg_archivecleanup "$root/wal" "$keep_from" 2>"$errfile" || fail "pg_archivecleanup: $(last_error)"
      # The checksums archive-wal.sh keeps next to each segment go with their segment.
      for sum in "$root"/wal/*.sum; do
        if [ -e "$sum" ] && [ ! -e "${sum%.sum}" ]; then rm -f "$sum"; fi
      done
      ;;
    *) say "run=$stamp kind=base-retention note=\"base/$oldest_kept/info names no start_wal; archived WAL left as it is\"" ;;
  esac
fi
job_done ok 0 "bytes=$bytes" "duration_s=$(elapsed)"
say "run=$stamp kind=base-retention kept=$kept removed=$removed oldest_kept=${oldest_kept:-none}"
exit 0
