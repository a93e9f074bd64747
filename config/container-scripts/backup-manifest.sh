#!/bin/sh
# Writes the backup manifest: manifest.json (read by `pulumi up`/`pulumi refresh` for the stack's
# `backups` output) and MANIFEST.txt for people. What exists, sizes, the time range a restore can
# reach, and when backups were last verified.
set -u
. /pgstack/conf/backup.env
root=$BACKUP_ROOT
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
kv() { sed -n "s/^$2=//p" "$1" 2>/dev/null | head -n 1; }
jstr() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }

# Dumps, per database.
dumps_json=""
dumps_txt=""
for dir in "$root"/dumps/*/; do
  [ -d "$dir" ] || continue
  db=$(basename "$dir")
  files=$(ls -1 "$dir" | grep '\.dump$' | sort)
  [ -n "$files" ] || continue
  count=$(echo "$files" | wc -l | tr -d ' ')
  newest=$(echo "$files" | tail -n 1)
  oldest=$(echo "$files" | head -n 1)
  bytes=$(cd "$dir" && cat $files | wc -c | tr -d ' ')
  newest_at=$(iso "$(stat -c %Y "$dir/$newest")")
  dumps_json="$dumps_json${dumps_json:+,}{\"database\":$(jstr "$db"),\"count\":$count,\"bytes\":$bytes,\"newest\":$(jstr "dumps/$db/$newest"),\"newestAt\":\"$newest_at\",\"oldest\":$(jstr "dumps/$db/$oldest")}"
  dumps_txt="$dumps_txt  $db: $count dump(s), $bytes bytes, newest dumps/$db/$newest ($newest_at)\n"
done

# Base backups, oldest first.
base_json=""
base_txt=""
first_restorable=""
for stamp in $(ls -1 "$root/base" 2>/dev/null | grep -E '^[0-9]{8}T[0-9]{6}Z$' | sort); do
  info="$root/base/$stamp/info"
  [ -f "$info" ] || continue
  end=$(kv "$info" end_time)
  [ -n "$first_restorable" ] || first_restorable=$end
  base_json="$base_json${base_json:+,}{\"stamp\":\"$stamp\",\"startTime\":\"$(kv "$info" start_time)\",\"endTime\":\"$end\",\"bytes\":$(kv "$info" bytes),\"startWal\":\"$(kv "$info" start_wal)\",\"verifiedAt\":\"$(kv "$info" verified_at)\"}"
  base_txt="$base_txt  $stamp: $(kv "$info" bytes) bytes compressed, $(kv "$info" start_time) .. $end, verified $(kv "$info" verified_at)\n"
done

# Archived WAL.
segments=$(ls -1 "$root/wal" 2>/dev/null | grep -E '^[0-9A-F]{24}$' | sort)
wal_count=0
wal_bytes=0
oldest_wal=""
newest_wal=""
newest_wal_at=""
if [ -n "$segments" ]; then
  wal_count=$(echo "$segments" | wc -l | tr -d ' ')
  wal_bytes=$(du -sb "$root/wal" | cut -f1)
  oldest_wal=$(echo "$segments" | head -n 1)
  newest_wal=$(ls -1t "$root/wal" | grep -E '^[0-9A-F]{24}$' | head -n 1)
  newest_wal_at=$(iso "$(stat -c %Y "$root/wal/$newest_wal")")
fi

status_json() {
  f="$root/status/$1"
  if [ -f "$f" ]; then
    printf '{"status":%s,"finished":%s,"run":%s}' "$(jstr "$(kv "$f" status)")" "$(jstr "$(kv "$f" finished)")" "$(jstr "$(kv "$f" run)")"
  else
    printf 'null'
  fi
}

tmp="$root/.manifest.json.tmp"
{
  printf '{"generatedAt":"%s",' "$now"
  printf '"dumps":[%s],' "$dumps_json"
  printf '"baseBackups":[%s],' "$base_json"
  printf '"wal":{"segments":%s,"bytes":%s,"oldest":%s,"newest":%s,"newestArchivedAt":%s},' "$wal_count" "$wal_bytes" "$(jstr "$oldest_wal")" "$(jstr "$newest_wal")" "$(jstr "$newest_wal_at")"
  printf '"recoveryWindow":{"from":%s,"to":%s},' "$(jstr "$first_restorable")" "$(jstr "$newest_wal_at")"
  printf '"lastDumpRun":%s,"lastBaseBackup":%s,"lastDrill":%s}\n' "$(status_json last-run)" "$(status_json last-base)" "$(status_json last-drill)"
} > "$tmp" && mv "$tmp" "$root/manifest.json"

{
  echo "pgstack backup manifest, $now"
  echo
  echo "Point-in-time restore reaches from ${first_restorable:-(no base backup yet)} to ${newest_wal_at:-(no archived WAL yet)}."
  echo
  echo "Base backups (pg_basebackup, checked with pg_verifybackup):"
  printf "%b" "${base_txt:-  none\n}"
  echo
  echo "Archived WAL: $wal_count segment(s), $wal_bytes bytes, ${oldest_wal:-none} .. ${newest_wal:-none}"
  echo
  echo "Dumps (pg_dump -Fc, checked with pg_restore -l):"
  printf "%b" "${dumps_txt:-  none\n}"
  echo
  for s in last-run:"Last dump run" last-base:"Last base backup" last-drill:"Last restore drill"; do
    f="$root/status/${s%%:*}"
    if [ -f "$f" ]; then echo "${s#*:}: $(kv "$f" status) at $(kv "$f" finished)"; else echo "${s#*:}: never"; fi
  done
  if [ -f "$root/status/last-drill" ]; then
    echo "  $(kv "$root/status/last-drill" dump)"
    echo "  $(kv "$root/status/last-drill" base)"
  fi
} > "$root/.MANIFEST.txt.tmp" && mv "$root/.MANIFEST.txt.tmp" "$root/MANIFEST.txt"
