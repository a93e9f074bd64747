#!/bin/sh
# One dump run, as postgres in the backup container (also run by hand: `docker exec <stack>-backup
# sh /pgstack/bin/backup-dumps.sh`). For every database: pg_dump -Fc under a temporary name in the
# storage, then that stored file is checked before it counts: `pg_restore -l` reads its table of
# contents and a full `pg_restore` to /dev/null reads every byte of it (a dump cut short still
# has a whole table of contents). Only then is it renamed into place. Then retention, which never
# deletes the newest good dump of a database. Every run logs one line per dump and one summary
# line, with durations and sizes, to stdout and to the backup volume, and records its status in
# status/last-run. Exits non-zero when any dump failed.
set -eu
# shellcheck source=backup-job.sh
. "${PGSTACK_BIN:-/pgstack/bin}/backup-job.sh"

job_begin dumps last-run
now_ms() {
  t=$(date +%s%3N 2>/dev/null || :)
  case $t in
    '' | *[!0-9]*) now; echo $((epoch * 1000)) ;;
    *) echo "$t" ;;
  esac
}
run_started=$(now_ms)
failures=0
dumped=0
total_bytes=0
first_error=""
first_failed_step=""

step cleanup
mkdir -p "$root/dumps"
# Leftovers of killed runs: this run holds the lock, so no other dump run is writing them.
for old in "$root"/dumps/.*.partial "$root"/dumps/*/.*.partial; do
  if [ -e "$old" ]; then rm -f "$old"; fi
done

# failed STEP DB MESSAGE: one database (or the globals) failed; the run goes on with the others.
failed() {
  failures=$((failures + 1))
  if [ -z "$first_failed_step" ]; then first_failed_step=$1; first_error="$2: $3"; fi
}

step list-databases
if ! databases=$(psql -XAtq -d postgres -c "select datname from pg_database where datallowconn and not datistemplate order by 1" 2>"$errfile"); then
  err=$(last_error)
  say "run=$stamp status=failed step=list-databases host=$PGHOST error=\"$err\""
  databases=""
  failed list-databases "$PGHOST" "$err"
fi

for db in $databases; do
  dir="$root/dumps/$db"
  mkdir -p "$dir"
  final="$dir/$db-$stamp.dump"
  tmp="$dir/.$db-$stamp.dump.partial"
  started=$(now_ms)
  step pg_dump
  rc=0
  if pg_dump -Fc -d "$db" -f "$tmp" 2>"$errfile"; then
    step verify
    if pg_restore -l "$tmp" >/dev/null 2>"$errfile"; then
      if pg_restore -f /dev/null "$tmp" 2>"$errfile"; then :; else
        rc=$?
        printf 'pg_restore cannot read the whole stored dump: %s\n' "$(last_error)" > "$errfile"
      fi
    else
      rc=$?
      printf 'pg_restore -l rejects the stored dump: %s\n' "$(last_error)" > "$errfile"
    fi
  else
    rc=$?
  fi
  if [ "$rc" = 0 ]; then
    mv "$tmp" "$final"
    sync_path "$dir"
    size=$(wc -c < "$final" | tr -d ' ')
    total_bytes=$((total_bytes + size))
    dumped=$((dumped + 1))
    say "run=$stamp db=$db status=ok file=$final bytes=$size duration_ms=$(( $(now_ms) - started ))"
  else
    err=$(last_error)
    rm -f "$tmp"
    failed "$job_step" "$db" "$err"
    say "run=$stamp db=$db status=failed step=$job_step exit=$rc duration_ms=$(( $(now_ms) - started )) error=\"$err\""
  fi
done

# Roles and tablespaces, without passwords (the stack re-creates roles with its own secrets).
gtmp="$root/dumps/.globals-$stamp.sql.partial"
if [ -n "$databases" ]; then
  step globals
  if pg_dumpall --globals-only --no-role-passwords -f "$gtmp" 2>"$errfile" \
    && { grep -q '^-- PostgreSQL database cluster dump complete$' "$gtmp" || { echo "the globals dump is incomplete" > "$errfile"; false; }; }; then
    mv "$gtmp" "$root/dumps/globals-$stamp.sql"
  else
    err=$(last_error)
    rm -f "$gtmp"
    failed globals "(globals)" "$err"
    say "run=$stamp db=(globals) status=failed step=globals error=\"$err\""
  fi
fi

# Retention: dumps of RETENTION_DAYS days and older go, except the newest good dump of each
# database, whatever its age (only verified dumps ever get a .dump name).
step retention
removed=0
for dir in "$root"/dumps/*/; do
  [ -d "$dir" ] || continue
  newest=""
  for f in "$dir"*.dump; do
    if [ -f "$f" ]; then newest=${f##*/}; fi
  done
  [ -n "$newest" ] || continue
  gone=$(find "$dir." ! -name . -prune -name '*.dump' ! -name "$newest" -mtime +"$((RETENTION_DAYS - 1))" -print -exec rm -f {} + | wc -l | tr -d ' ')
  removed=$((removed + gone))
done
newest_globals=""
for f in "$root"/dumps/globals-*.sql; do
  if [ -f "$f" ]; then newest_globals=${f##*/}; fi
done
if [ -n "$newest_globals" ]; then
  find "$root/dumps/." ! -name . -prune -name 'globals-*.sql' ! -name "$newest_globals" -mtime +"$((RETENTION_DAYS - 1))" -exec rm -f {} +
fi

if [ "$failures" -eq 0 ]; then status=ok; code=0; else status=failed; code=1; job_step=$first_failed_step; fi
duration=$(( $(now_ms) - run_started ))
say "run=$stamp status=$status databases=$dumped failures=$failures bytes=$total_bytes removed=$removed duration_ms=$duration"
if [ "$code" = 0 ]; then
  job_done ok 0 "failures=0" "bytes=$total_bytes" "duration_ms=$duration"
else
  job_done failed 1 "failures=$failures" "bytes=$total_bytes" "duration_ms=$duration" "error=$first_error"
fi
exit "$code"
