#!/bin/sh
# A restore drill, as postgres in the backup container (also by hand: `docker exec <stack>-backup
# sh /pgstack/bin/backup-drill.sh`). Restores the newest dump of every database and the newest base
# backup (plus archived WAL to its consistent point) into scratch instances inside this container,
# and checks each: it starts, every table of every database can be counted, and amcheck finds no
# broken B-tree index. The result goes to status/last-drill and the log; the scratch data is
# removed afterwards. Exits non-zero when a check failed.
set -eu
# shellcheck source=backup-job.sh
. "${PGSTACK_BIN:-/pgstack/bin}/backup-job.sh"

job_begin drill last-drill
work="$root/.drill-$stamp"
sock="$work/sock"
stop_instance() {
  if [ -f "$1/postmaster.pid" ]; then pg_ctl -D "$1" -m immediate stop >/dev/null 2>&1 || :; fi
}
# shellcheck disable=SC2317 # called by the exit trap (backup-job.sh)
job_cleanup() { stop_instance "$work/dump-data"; stop_instance "$work/base-data"; rm -rf "$work"; }

step cleanup
# A drill killed half way leaves its scratch directory, and maybe a scratch server running in it.
for old in "$root"/.drill-*; do
  if [ -d "$old" ]; then
    stop_instance "$old/dump-data"
    stop_instance "$old/base-data"
    rm -rf "$old"
  fi
done

# A scratch instance listens only on a private socket; it never archives and never replicates.
scratch_conf() {
  cat > "$1/drill.conf" <<CONF
listen_addresses = ''
port = 5499
unix_socket_directories = '$sock'
hba_file = '$1/drill_hba.conf'
ident_file = '$1/drill_ident.conf'
shared_buffers = '32MB'
max_connections = 20
archive_mode = off
hot_standby = off
fsync = off
CONF
  echo "local all all peer" > "$1/drill_hba.conf"
  : > "$1/drill_ident.conf"
}
start_instance() { pg_ctl -D "$1" -o "-c config_file=$1/drill.conf" -l "$1/drill.log" -w -t "${2:-600}" start >/dev/null 2>"$errfile"; }
# backup.env points PG* at the primary as pgstack_backup; the scratch instances know only their
# owner, postgres, by peer authentication.
psql_scratch() { psql -h "$sock" -p 5499 -U postgres -XAtq -v ON_ERROR_STOP=1 "$@"; }

# check_instance LABEL: counts every table of every database and runs amcheck; prints a summary.
check_instance() {
  tables=0
  rows=0
  broken=0
  amcheck=yes
  dbs=$(psql_scratch -d postgres -c "select datname from pg_database where datallowconn and not datistemplate order by 1" 2>"$errfile") || return 1
  for db in $dbs; do
    counts=$(psql_scratch -d "$db" 2>"$errfile" <<'SQL'
select coalesce(string_agg(format('(select count(*) from %I.%I)', n.nspname, c.relname), ' + '), '0') as expr, count(*) as n
from pg_class c join pg_namespace n on n.oid = c.relnamespace
where c.relkind in ('r', 'p', 'm') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'
\gset
select (:expr)::bigint;
select :n;
SQL
) || return 1
    rows=$((rows + $(echo "$counts" | sed -n 1p)))
    tables=$((tables + $(echo "$counts" | sed -n 2p)))
    if psql_scratch -d "$db" -c "create extension if not exists amcheck" >/dev/null 2>&1; then
      # bt_index_check raises an error on the first inconsistency it finds.
      psql_scratch -d "$db" >/dev/null 2>>"$errfile" <<'SQL' || broken=$((broken + 1))
select count(*) from (
  select bt_index_check(c.oid) from pg_index i join pg_class c on c.oid = i.indexrelid join pg_am am on am.oid = c.relam
  where am.amname = 'btree' and c.relpersistence <> 't' and i.indisvalid and i.indisready
) checked
SQL
    else
      amcheck=unavailable
    fi
  done
  echo "tables=$tables rows=$rows amcheck=$amcheck broken_indexes=$broken"
  [ "$broken" -eq 0 ]
}

mkdir -p "$work" "$sock"
chmod 700 "$work" "$sock"
dump_result="skipped (no dump yet)"
base_result="skipped (no base backup yet)"
status=ok

# 1. The newest dump of every database, restored into a fresh scratch cluster.
step dump-restore
dumps=""
for d in "$root"/dumps/*/; do
  newest=""
  for f in "$d"*.dump; do
    if [ -f "$f" ]; then newest=$f; fi
  done
  if [ -n "$newest" ]; then dumps="$dumps $newest"; fi
done
if [ -n "$dumps" ]; then
  if ! initdb -D "$work/dump-data" -U postgres --auth-local=peer >/dev/null 2>"$errfile"; then
    status=failed; dump_result="scratch instance did not initdb: $(last_error)"
  else
    scratch_conf "$work/dump-data"
    if ! start_instance "$work/dump-data" 60; then status=failed; dump_result="scratch instance did not start: $(last_error)"; fi
  fi
  if [ "$status" = ok ]; then
    for f in $dumps; do
      db=$(basename "$(dirname "$f")")
      # initdb made `postgres` already (empty); every other database is created first.
      if [ "$db" != postgres ] && ! psql_scratch -d postgres -c "create database \"$db\"" >/dev/null 2>"$errfile"; then
        status=failed; dump_result="creating database $db for $f failed: $(last_error)"; break
      fi
      if ! pg_restore -h "$sock" -p 5499 -U postgres -d "$db" --no-owner --no-privileges --exit-on-error "$f" 2>"$errfile"; then
        status=failed; dump_result="restoring $f failed: $(last_error)"; break
      fi
    done
    if [ "$status" = ok ]; then
      count=0
      for f in $dumps; do count=$((count + 1)); done
      if summary=$(check_instance); then
        dump_result="$count dump(s) restored, $summary"
      else
        status=failed; dump_result="checks failed: $summary $(last_error)"
      fi
    fi
    stop_instance "$work/dump-data"
  fi
fi

# 2. The newest base backup, recovered with archived WAL to its consistent point and promoted.
step base-restore
newest_base=""
for d in "$root"/base/*; do
  case ${d##*/} in
    [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z) if [ -f "$d/info" ]; then newest_base=${d##*/}; fi ;;
  esac
done
if [ -n "$newest_base" ]; then
  data="$work/base-data"
  mkdir -p "$data"
  chmod 700 "$data"
  # Both ends of the pipeline are checked: gzip's status is written down by its own subshell.
  tar_status=0
  {
    if gzip -dc "$root/base/$newest_base/base.tar.gz" 2>"$work/gunzip.err"; then s=0; else s=$?; fi
    echo "$s" > "$work/gunzip.status"
  } | tar -C "$data" -xf - 2>"$errfile" || tar_status=$?
  gunzip_status=$(cat "$work/gunzip.status" 2>/dev/null || echo "unknown (killed)")
  if [ "$gunzip_status" != 0 ]; then
    status=failed; base_result="base backup $newest_base does not decompress (gzip -d exited $gunzip_status): $(tail -n 1 "$work/gunzip.err" | cut -c1-300)"
  elif [ "$tar_status" != 0 ]; then
    status=failed; base_result="base backup $newest_base does not extract (tar exited $tar_status): $(last_error)"
  elif ! cp "$root/base/$newest_base/backup_manifest" "$data/backup_manifest" || ! pg_verifybackup -q -n "$data" 2>"$errfile"; then
    status=failed; base_result="base backup $newest_base fails pg_verifybackup: $(last_error)"
  else
    rm -f "$data/standby.signal" "$data/pgstack.live.conf" "$data/pgstack.bootstrap.conf" "$data/postmaster.pid"
    scratch_conf "$data"
    cat >> "$data/drill.conf" <<CONF
restore_command = 'sh $bin/restore-wal.sh $root/wal %f %p'
recovery_target = 'immediate'
recovery_target_action = 'promote'
CONF
    touch "$data/recovery.signal"
    if start_instance "$data" 600; then
      # With hot_standby off it accepts connections only once recovered and promoted.
      i=0
      while [ "$(psql_scratch -d postgres -c 'select pg_is_in_recovery()' 2>/dev/null)" != f ] && [ $i -lt 600 ] && [ -f "$data/postmaster.pid" ]; do sleep 1; i=$((i + 1)); done
      if [ "$(psql_scratch -d postgres -c 'select pg_is_in_recovery()' 2>"$errfile")" != f ]; then
        status=failed; base_result="base backup $newest_base did not finish recovery: $(tail -n 3 "$data/drill.log" 2>/dev/null | tr '\n' ' ' | cut -c1-300)"
      elif summary=$(check_instance); then
        base_result="base backup $newest_base recovered and promoted, $summary"
      else
        status=failed; base_result="base backup $newest_base: checks failed: $summary $(last_error)"
      fi
    else
      status=failed; base_result="base backup $newest_base did not start: $(tail -n 3 "$data/drill.log" 2>/dev/null | tr '\n' ' ' | cut -c1-300)"
    fi
    stop_instance "$data"
  fi
fi

duration=$(elapsed)
if [ "$status" = ok ]; then code=0; else code=1; fi
say "run=$stamp kind=drill status=$status duration_s=$duration dump=\"$dump_result\" base=\"$base_result\""
job_done "$status" "$code" "duration_s=$duration" "dump=$dump_result" "base=$base_result"
exit "$code"
