#!/bin/sh
# One backup run, as postgres in the backup container (also run by hand: `docker exec <stack>-backup
# sh /pgstack/bin/backup-dumps.sh`). For every database: pg_dump -Fc under a temporary name,
# verified with pg_restore -l before it counts, then renamed into place. Then retention, which
# never deletes the newest good dump of a database. Every run logs one line per dump and one
# summary line, with durations and sizes, to stdout and to the backup volume, and records its exit
# status in status/last-run. Exits non-zero when any dump failed.
set -u
. /pgstack/bin/backup-job.sh

mkdir -p "$root/dumps"
now_ms() { t=$(date +%s%3N); case "$t" in *N) echo $(( $(date +%s) * 1000 ));; *) echo "$t";; esac; }

run_started=$(now_ms)
failures=0
dumped=0
total_bytes=0

databases=$(psql -XAtq -d postgres -c "select datname from pg_database where datallowconn and not datistemplate order by 1" 2>"$errfile")
if [ $? -ne 0 ]; then
  say "run=$stamp status=failed step=list-databases host=$PGHOST error=\"$(last_error)\""
  databases=""
  failures=1
fi

for db in $databases; do
  dir="$root/dumps/$db"
  mkdir -p "$dir"
  final="$dir/$db-$stamp.dump"
  tmp="$dir/.$db-$stamp.dump.partial"
  started=$(now_ms)
  if pg_dump -Fc -d "$db" -f "$tmp" 2>"$errfile" && pg_restore -l "$tmp" >/dev/null 2>>"$errfile"; then
    mv "$tmp" "$final"
    size=$(wc -c < "$final" | tr -d ' ')
    total_bytes=$((total_bytes + size))
    dumped=$((dumped + 1))
    say "run=$stamp db=$db status=ok file=$final bytes=$size duration_ms=$(( $(now_ms) - started ))"
  else
    rc=$?
    rm -f "$tmp"
    failures=$((failures + 1))
    say "run=$stamp db=$db status=failed exit=$rc duration_ms=$(( $(now_ms) - started )) error=\"$(last_error)\""
  fi
done

# Roles and tablespaces, without passwords (the stack re-creates roles with its own secrets).
gtmp="$root/dumps/.globals-$stamp.sql.partial"
if [ -n "$databases" ]; then
  if pg_dumpall --globals-only --no-role-passwords -f "$gtmp" 2>"$errfile"; then
    mv "$gtmp" "$root/dumps/globals-$stamp.sql"
  else
    rm -f "$gtmp"
    failures=$((failures + 1))
    say "run=$stamp db=(globals) status=failed error=\"$(last_error)\""
  fi
fi

# Retention: dumps older than RETENTION_DAYS go, except the newest good dump of each database,
# whatever its age. Partial files older than a day are leftovers of a killed run.
retention_minutes=$((RETENTION_DAYS * 1440))
removed=0
for dir in "$root"/dumps/*/; do
  [ -d "$dir" ] || continue
  newest=$(ls -1 "$dir" | grep '\.dump$' | sort | tail -n 1)
  for old in $(find "$dir" -maxdepth 1 -name '*.dump' -mmin +"$retention_minutes" | sort); do
    [ "$(basename "$old")" = "$newest" ] && continue
    rm -f "$old" && removed=$((removed + 1))
  done
  find "$dir" -maxdepth 1 -name '.*.partial' -mmin +1440 -exec rm -f {} +
done
newest_globals=$(ls -1 "$root/dumps" | grep '^globals-.*\.sql$' | sort | tail -n 1)
for old in $(find "$root/dumps" -maxdepth 1 -name 'globals-*.sql' -mmin +"$retention_minutes"); do
  [ "$(basename "$old")" = "$newest_globals" ] || rm -f "$old"
done

if [ "$failures" -eq 0 ]; then status=ok; code=0; else status=failed; code=1; fi
duration=$(( $(now_ms) - run_started ))
say "run=$stamp status=$status databases=$dumped failures=$failures bytes=$total_bytes removed=$removed duration_ms=$duration"
printf 'run=%s\nstatus=%s\nexit=%s\nfailures=%s\nbytes=%s\nduration_ms=%s\nfinished=%s\n' \
  "$stamp" "$status" "$code" "$failures" "$total_bytes" "$duration" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$root/status/last-run.tmp"
mv "$root/status/last-run.tmp" "$root/status/last-run"
exit "$code"
