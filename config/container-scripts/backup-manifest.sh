#!/bin/sh
# Writes the backup manifest: manifest.json and MANIFEST.txt (for people), with what exists, sizes,
# the window a point-in-time restore can reach, the state of WAL archiving on the primary, and
# the last outcome of each job. `--print` also prints the JSON: the stack's `backups` output reads
# it that way, so a full, read-only or missing storage still gets its state reported.
#
# The point-in-time window runs from the end of the oldest base backup the archive continues
# without a gap (a backup holds its own WAL only up to its end) to the newest archived segment.
# While the archive does not yet reach past the newest backup's end (just after it was taken),
# a restore can reach that end and nothing later: the window is that one point, and says so.
set -eu
conf=${PGSTACK_CONF:-/pgstack/conf}
run_dir=${PGSTACK_RUN:-/pgstack/run}
# shellcheck source=/dev/null
. "$conf/backup.env"
# shellcheck source=job-alive.sh
. "${PGSTACK_BIN:-/pgstack/bin}/job-alive.sh"
root=$BACKUP_ROOT
LC_ALL=C
export LC_ALL
print=no
if [ "${1:-}" = --print ]; then print=yes; fi

now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
kv() { sed -n "s/^$2=//p" "$1" 2>/dev/null | head -n 1; }
jstr() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g' | tr -d '\n\r\t')"; }
is_segment() {
  case $1 in
    [0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F]) return 0 ;;
  esac
  return 1
}
is_stamp() {
  case $1 in
    [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z) return 0 ;;
  esac
  return 1
}
# stamp_iso YYYYMMDDTHHMMSSZ: the same time as YYYY-MM-DDTHH:MM:SSZ.
stamp_iso() { echo "$1" | sed 's/^\(....\)\(..\)\(..\)T\(..\)\(..\)\(..\)Z$/\1-\2-\3T\4:\5:\6Z/'; }
# position NAME: a WAL segment's place in the WAL (log * 256 + segment, 16 MB segments), into $pos.
position() {
  _r=${1#????????}
  pos=$((0x${_r%????????} * 256 + 0x${_r#????????}))
}
# lsn_position LSN: the place of the segment holding LSN (H/L), into $pos.
lsn_position() { pos=$((0x${1%/*} * 256 + 0x${1#*/} / 16777216)); }
# later A B: whether ISO time A is after ISO time B (same format, so the text order is the time order).
later() { [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort | tail -n 1)" = "$1" ]; }

# Dumps, per database.
dumps_json=""
dumps_txt=""
for dir in "$root"/dumps/*/; do
  [ -d "$dir" ] || continue
  db=$(basename "$dir")
  count=0
  bytes=0
  oldest=""
  newest=""
  for f in "$dir"*.dump; do
    [ -f "$f" ] || continue
    count=$((count + 1))
    bytes=$((bytes + $(wc -c < "$f" | tr -d ' ')))
    newest=${f##*/}
    if [ -z "$oldest" ]; then oldest=$newest; fi
  done
  [ "$count" -gt 0 ] || continue
  newest_stamp=${newest%.dump}
  newest_at=$(stamp_iso "${newest_stamp##*-}")
  dumps_json="$dumps_json${dumps_json:+,}{\"database\":$(jstr "$db"),\"count\":$count,\"bytes\":$bytes,\"newest\":$(jstr "dumps/$db/$newest"),\"newestAt\":$(jstr "$newest_at"),\"oldest\":$(jstr "dumps/$db/$oldest")}"
  dumps_txt="$dumps_txt  $db: $count dump(s), $bytes bytes, newest dumps/$db/$newest ($newest_at)\n"
done

# Archived WAL, in WAL order, and its runs of segments without a gap ("first last last-name" lines).
wal_count=0
wal_bytes=0
oldest_wal=""
newest_wal=""
newest_wal_at=""
gaps=0
first_gap=""
positions=$(for f in "$root"/wal/*; do
  n=${f##*/}
  if is_segment "$n"; then position "$n"; echo "$pos $n"; fi
done | sort -n)
runs=""
run_start=""
previous_pos=""
previous_name=""
while read -r p n; do
  [ -n "$p" ] || continue
  wal_count=$((wal_count + 1))
  if [ -f "$root/wal/$n.sum" ]; then
    size=$(sed -n 's/.* size=\([0-9]*\) .*/\1/p' "$root/wal/$n.sum")
  else
    size=""
  fi
  case $size in '' | *[!0-9]*) size=$(wc -c < "$root/wal/$n" | tr -d ' ') ;; esac
  wal_bytes=$((wal_bytes + size))
  if [ -z "$oldest_wal" ]; then oldest_wal=$n; fi
  if [ -n "$previous_pos" ] && [ "$p" -gt $((previous_pos + 1)) ]; then
    gaps=$((gaps + 1))
    if [ -z "$first_gap" ]; then first_gap="after $previous_name"; fi
    runs="$runs$run_start $previous_pos $previous_name
"
    run_start=""
  fi
  if [ -z "$run_start" ]; then run_start=$p; fi
  previous_pos=$p
  previous_name=$n
done <<POSITIONS
$positions
POSITIONS
if [ -n "$run_start" ]; then runs="$runs$run_start $previous_pos $previous_name
"; fi
for f in "$root"/wal/*; do
  if is_segment "${f##*/}"; then newest_wal=${f##*/}; fi
done
if [ -n "$newest_wal" ]; then
  newest_wal_at=$(sed -n 's/.* archived_at=\([^ ]*\).*/\1/p' "$root/wal/$newest_wal.sum" 2>/dev/null || :)
fi

# Base backups, oldest first, with the WAL position their end is in.
base_json=""
base_txt=""
base_ends=""
newest_base=""
newest_base_end=""
for d in "$root"/base/*; do
  stamp=${d##*/}
  is_stamp "$stamp" || continue
  info="$d/info"
  if [ ! -f "$info" ] || [ ! -f "$d/base.tar.gz" ] || [ ! -f "$d/backup_manifest" ]; then continue; fi
  end=$(kv "$info" end_time)
  verified=false
  if [ "$(kv "$info" verified)" = stored-archive ]; then verified=true; fi
  bytes=$(kv "$info" bytes)
  case $bytes in '' | *[!0-9]*) bytes=0 ;; esac
  base_json="$base_json${base_json:+,}{\"stamp\":\"$stamp\",\"startTime\":$(jstr "$(kv "$info" start_time)"),\"endTime\":$(jstr "$end"),\"bytes\":$bytes,\"startWal\":$(jstr "$(kv "$info" start_wal)"),\"endLsn\":$(jstr "$(kv "$info" end_lsn)"),\"verifiedAt\":$(jstr "$(kv "$info" verified_at)"),\"storedArchiveVerified\":$verified}"
  note=""
  if [ "$verified" = true ]; then note=" (the stored archive)"; fi
  base_txt="$base_txt  $stamp: $bytes bytes compressed, $(kv "$info" start_time) .. $end, verified $(kv "$info" verified_at)$note\n"
  newest_base=$stamp
  newest_base_end=$end
  end_lsn=$(kv "$info" end_lsn)
  case $end_lsn in
    */*) lsn_position "$end_lsn"; base_ends="$base_ends$pos $stamp $end
" ;;
  esac
done

# The window: the newest run of archived WAL that continues some base backup, from the end of the
# oldest backup it continues to its last segment.
window_from=""
window_to=""
window_base=""
past_base=false
runs_newest_first=""
while read -r first last name; do
  [ -n "$first" ] || continue
  runs_newest_first="$first $last $name
$runs_newest_first"
done <<RUNS
$runs
RUNS
while read -r first last name; do
  [ -n "$first" ] || continue
  while read -r p stamp end; do
    [ -n "$p" ] || continue
    if [ "$p" -ge "$first" ] && [ "$p" -le "$last" ]; then
      at=$(sed -n 's/.* archived_at=\([^ ]*\).*/\1/p' "$root/wal/$name.sum" 2>/dev/null || :)
      if [ -n "$at" ]; then
        window_from=$end
        window_to=$at
        window_base=$stamp
        past_base=true
      fi
      break
    fi
  done <<BASES
$base_ends
BASES
  [ -z "$window_base" ] || break
done <<RUNS
$runs_newest_first
RUNS
if [ "$past_base" = true ]; then
  # Clocks of two containers on one host agree, but a window never ends before it starts.
  if later "$window_from" "$window_to"; then window_to=$window_from; fi
elif [ -n "$newest_base" ]; then
  window_from=$newest_base_end
  window_to=$newest_base_end
  window_base=$newest_base
fi

# The last outcome of each job: this container's copy is the newest, the storage's survives it.
status_file() {
  if [ -f "$run_dir/status/$1" ]; then echo "$run_dir/status/$1"; elif [ -f "$root/status/$1" ]; then echo "$root/status/$1"; fi
}
status_of() {
  _s=$(kv "$1" status)
  if [ "$_s" = running ]; then
    _pid=$(kv "$1" pid)
    if ! job_alive "$_pid" "$(job_script "${1##*/}")"; then _s=interrupted; fi
  fi
  echo "$_s"
}
status_json() {
  f=$(status_file "$1")
  if [ -n "$f" ]; then
    printf '{"status":%s,"finished":%s,"run":%s,"step":%s,"error":%s}' "$(jstr "$(status_of "$f")")" "$(jstr "$(kv "$f" finished)")" "$(jstr "$(kv "$f" run)")" "$(jstr "$(kv "$f" step)")" "$(jstr "$(kv "$f" error)")"
  else
    printf 'null'
  fi
}

# WAL archiving as the primary sees it; null when it does not answer.
archiving_json=null
archiving_txt="unknown: the primary ($PGHOST) did not answer"
query="select failed_count, archived_count, coalesce(last_failed_wal, '-'), coalesce(to_char(last_failed_time at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '-'), coalesce(last_archived_wal, '-'), coalesce(to_char(last_archived_time at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '-'), last_failed_time is not null and (last_archived_time is null or last_failed_time > last_archived_time) from pg_stat_archiver"
if archiver=$(PGCONNECT_TIMEOUT=5 psql -XAtq -F ' ' -d postgres -c "$query" 2>/dev/null) && [ -n "$archiver" ]; then
  # shellcheck disable=SC2086
  set -- $archiver
  if [ "$7" = t ]; then failing=true; else failing=false; fi
  v() { if [ "$1" = - ]; then echo '""'; else jstr "$1"; fi; }
  archiving_json="{\"failing\":$failing,\"failedCount\":$1,\"archivedCount\":$2,\"lastFailedWal\":$(v "$3"),\"lastFailedAt\":$(v "$4"),\"lastArchivedWal\":$(v "$5"),\"lastArchivedAt\":$(v "$6")}"
  if [ "$failing" = true ]; then
    archiving_txt="FAILING: $1 failed attempt(s), the last for $3 at $4; last archived $5 at $6"
  else
    archiving_txt="ok: last archived $5 at $6 ($1 failed attempt(s) since the statistics were reset)"
  fi
fi

json=$(
  printf '{"generatedAt":"%s",' "$now"
  printf '"dumps":[%s],' "$dumps_json"
  printf '"baseBackups":[%s],' "$base_json"
  printf '"wal":{"segments":%s,"bytes":%s,"oldest":%s,"newest":%s,"newestArchivedAt":%s,"gaps":%s,"firstGap":%s},' "$wal_count" "$wal_bytes" "$(jstr "$oldest_wal")" "$(jstr "$newest_wal")" "$(jstr "$newest_wal_at")" "$gaps" "$(jstr "$first_gap")"
  printf '"recoveryWindow":{"from":%s,"to":%s,"base":%s,"archivedPastBase":%s},' "$(jstr "$window_from")" "$(jstr "$window_to")" "$(jstr "$window_base")" "$past_base"
  printf '"archiving":%s,' "$archiving_json"
  printf '"lastDumpRun":%s,"lastBaseBackup":%s,"lastDrill":%s}' "$(status_json last-run)" "$(status_json last-base)" "$(status_json last-drill)"
)
if [ "$print" = yes ]; then echo "$json"; fi

if [ "$past_base" = true ]; then
  window_txt="Point-in-time restore reaches from $window_from to $window_to."
elif [ -n "$window_base" ]; then
  window_txt="Point-in-time restore reaches only the end of base backup $window_base ($window_from): no WAL is archived past it yet."
else
  window_txt="Point-in-time restore reaches nothing yet: no base backup."
fi

# The files, where the storage takes them (a full or read-only one does not).
[ -f "$root/.pgstack-backups" ] || exit 0
{ echo "$json" > "$root/.manifest.json.tmp" && mv "$root/.manifest.json.tmp" "$root/manifest.json"; } 2>/dev/null || rm -f "$root/.manifest.json.tmp" 2>/dev/null || :
{
  {
    echo "pgstack backup manifest, $now"
    echo
    echo "$window_txt"
    echo "WAL archiving: $archiving_txt"
    echo
    echo "Base backups (pg_basebackup, the stored archive checked with pg_verifybackup):"
    printf "%b" "${base_txt:-  none\n}"
    echo
    echo "Archived WAL: $wal_count segment(s), $wal_bytes bytes, ${oldest_wal:-none} .. ${newest_wal:-none}${first_gap:+, $gaps gap(s), the first $first_gap}"
    echo
    echo "Dumps (pg_dump -Fc, the stored file checked with pg_restore):"
    printf "%b" "${dumps_txt:-  none\n}"
    echo
    for s in last-run:"Last dump run" last-base:"Last base backup" last-drill:"Last restore drill"; do
      f=$(status_file "${s%%:*}")
      if [ -n "$f" ]; then
        line="${s#*:}: $(status_of "$f") at $(kv "$f" finished)"
        if [ "$(kv "$f" status)" != ok ]; then line="$line (step $(kv "$f" step): $(kv "$f" error))"; fi
        echo "$line"
      else
        echo "${s#*:}: never"
      fi
    done
    f=$(status_file last-drill)
    if [ -n "$f" ]; then
      echo "  $(kv "$f" dump)"
      echo "  $(kv "$f" base)"
    fi
  } > "$root/.MANIFEST.txt.tmp" && mv "$root/.MANIFEST.txt.tmp" "$root/MANIFEST.txt"
} 2>/dev/null || rm -f "$root/.MANIFEST.txt.tmp" 2>/dev/null || :
exit 0
