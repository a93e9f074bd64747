#!/bin/sh
# Runs as postgres in every PostgreSQL member. An empty data directory is bootstrapped first:
# the first primary runs initdb (or, rebuilding a stack, restores a base backup and archived WAL:
# restore-bootstrap.sh), a replica clones the primary with pg_basebackup through its own
# replication slot. Each lands in a temporary directory that is renamed into place only when
# complete, so an interrupted bootstrap never leaves a half data directory behind. A member that
# a failover fenced (scripts/failover.ts leaves a marker in its volume) never starts as a primary
# again: it rejoins the new primary with pg_rewind, or stays fenced and says so. Then the server
# runs as PID 1 and PostgreSQL itself decides primary or standby from the data directory.
set -eu

: "${PGSTACK_MEMBER:?}" "${PGSTACK_BOOTSTRAP:?initdb, clone or restore}"
PGDATA=/var/lib/postgresql/data/pgdata
export PGDATA
run=/pgstack/run
fence=/var/lib/postgresql/data/pgstack.fence
slot=$(echo "$PGSTACK_MEMBER" | tr - _)
# Every connection to another member is TLS, verified against the cluster CA by the alias; no
# client certificate (libpq would look in $HOME, root's, which postgres cannot read).
tls="sslmode=verify-full sslrootcert=/pgstack/tls/ca.crt sslcertmode=disable"

say() { echo "pgstack[$PGSTACK_MEMBER]: $*" >&2; }

# The settings that need a restart arrive as this container's command (`-c name=value` pairs), so
# that changing one changes the container; postgresql.conf includes the file written from them.
write_restart_settings() {
  out="$run/postgresql.restart.conf"
  {
    echo "# Written at start from the container's command by pgstack; changing one replaces the container."
    while [ $# -gt 0 ]; do
      case "$#:$1:${2:-}" in
        [1]:*) say "a lone '$1' in the container's command: expected -c name=value pairs"; exit 64 ;;
        *:-c:?*=*) ;;
        *) say "unexpected '$1 ${2:-}' in the container's command: expected -c name=value pairs"; exit 64 ;;
      esac
      value=${2#*=}
      # Quotes are doubled for the conf file; most values have none, so sed runs only when needed.
      case $value in *\'*) value=$(printf '%s' "$value" | sed "s/'/''/g") ;; esac
      printf "%s = '%s'\n" "${2%%=*}" "$value"
      shift 2
    done
  } > "$out.tmp"
  mv "$out.tmp" "$out"
}
write_restart_settings "$@"

bootstrap_initdb() {
  say "empty data directory: initdb (SCRAM, data checksums, builtin C.UTF-8 locale)"
  rm -rf "$PGDATA.initdb"
  # --pwfile holds the superuser's SCRAM verifier, which PostgreSQL stores as is.
  initdb -D "$PGDATA.initdb" -U postgres --pwfile="$run/superuser.verifier" \
    --auth-local=peer --auth-host=scram-sha-256 --data-checksums \
    --encoding=UTF8 --locale-provider=builtin --builtin-locale=C.UTF-8 >/dev/null
  # What pg_rewind needs on a source server (PostgreSQL's documented minimum), for the replicator:
  # after a failover the old primary rejoins through it. The replicator can already copy every
  # file with a base backup, so this grants nothing new.
  postgres --single -D "$PGDATA.initdb" postgres >/dev/null 2>"$run/initdb-roles.log" <<'SQL' || { cat "$run/initdb-roles.log" >&2; exit 1; }
CREATE ROLE pgstack_rewind NOLOGIN;
GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text, boolean, boolean) TO pgstack_rewind;
GRANT EXECUTE ON FUNCTION pg_catalog.pg_stat_file(text, boolean) TO pgstack_rewind;
GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text) TO pgstack_rewind;
GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean) TO pgstack_rewind;
SQL
  mv "$PGDATA.initdb" "$PGDATA"
}

# Makes data directory $2 a standby of $1 (port $3, default 5432) through this member's own slot
# (the next `pulumi up` writes the live file that supersedes these settings).
follow() {
  rm -f "$2/pgstack.live.conf"
  {
    echo "# Written by pgstack's entrypoint; pgstack.live.conf overrides it."
    echo "primary_conninfo = 'host=$1 port=${3:-5432} user=replicator passfile=$run/pgpass application_name=$PGSTACK_MEMBER connect_timeout=5 $tls'"
    echo "primary_slot_name = '$slot'"
  } > "$2/pgstack.bootstrap.conf"
  touch "$2/standby.signal"
}

stay_fenced() {
  say "STAYS FENCED: $1. PostgreSQL is not started, so this member cannot accept writes."
  say "To rejoin as a replica: make sure $new_primary is the primary and reachable, then restart this container."
  while :; do
    sleep 300
    say "still fenced: $1"
  done
}

# The failed primary of a failover: rewind onto the new primary's timeline and follow it.
rejoin_or_stay_fenced() {
  new_primary=$(sed -n 's/^new_primary=//p' "$fence")
  # On several Docker hosts the new primary is reached at its host's address and published port.
  source_host=$(sed -n 's/^new_primary_host=//p' "$fence"); source_port=$(sed -n 's/^new_primary_port=//p' "$fence")
  source_host=${source_host:-$new_primary}; source_port=${source_port:-5432}
  say "fenced by a failover ($(tr '\n' ' ' < "$fence")); rejoining $new_primary as a replica"
  [ -n "$new_primary" ] || stay_fenced "the fence marker names no new primary"
  rewind_source="host=$source_host port=$source_port user=replicator dbname=postgres passfile=$run/pgpass application_name=$PGSTACK_MEMBER connect_timeout=5 $tls"
  # A crashed primary leaves postmaster.pid naming PID 1, which in this new container is this
  # shell: the single-user run pg_rewind starts for crash recovery would take it for a live
  # postmaster. Nothing else runs PostgreSQL here yet, so the file is stale.
  rm -f "$PGDATA/postmaster.pid"
  attempt=1
  until pg_rewind --target-pgdata="$PGDATA" --source-server="$rewind_source"; do
    if [ "$attempt" -ge "${PGSTACK_REJOIN_ATTEMPTS:-12}" ]; then
      stay_fenced "pg_rewind from $new_primary failed $attempt times (see above)"
    fi
    attempt=$((attempt + 1))
    sleep 5
  done
  # pg_rewind copied the new primary's own files; this member's settings come from here on.
  follow "$source_host" "$PGDATA" "$source_port"
  mv "$fence" "$fence.resolved"
  say "REJOINED as a replica of $new_primary via pg_rewind"
}

bootstrap_clone() {
  : "${PGSTACK_BOOTSTRAP_SOURCE:?}" "${PGSTACK_SLOT:?}"
  # PGSTACK_BOOTSTRAP_SOURCE_PORT: the source's published port when it runs on another Docker host.
  source_port=${PGSTACK_BOOTSTRAP_SOURCE_PORT:-5432}
  conninfo="host=$PGSTACK_BOOTSTRAP_SOURCE port=$source_port user=replicator passfile=$run/pgpass application_name=$PGSTACK_MEMBER connect_timeout=5 $tls"
  attempt=1
  while :; do
    say "empty data directory: cloning $PGSTACK_BOOTSTRAP_SOURCE through slot $PGSTACK_SLOT (attempt $attempt)"
    rm -rf "$PGDATA.clone"
    # --no-sync: PostgreSQL fsyncs the whole data directory itself when it first starts from a base
    # backup (it was not shut down cleanly), so pg_basebackup's own pass would only do it twice.
    if pg_basebackup -d "$conninfo" -D "$PGDATA.clone" -S "$PGSTACK_SLOT" -X stream -c fast --no-sync --no-password; then
      break
    fi
    if [ "$attempt" -ge 30 ]; then
      say "pg_basebackup from $PGSTACK_BOOTSTRAP_SOURCE failed 30 times; check that it is up, that slot $PGSTACK_SLOT exists and the replicator password"
      exit 1
    fi
    attempt=$((attempt + 1))
    sleep 2
  done
  # The clone carries the source's own settings; this member's arrive with the next `pulumi up`.
  # It becomes a standby before it is renamed into place: never a second primary, even if killed here.
  follow "$PGSTACK_BOOTSTRAP_SOURCE" "$PGDATA.clone" "$source_port"
  mv "$PGDATA.clone" "$PGDATA"
}

if [ -s "$PGDATA/PG_VERSION" ]; then
  [ -f "$fence" ] && rejoin_or_stay_fenced
  if [ -f "$PGDATA/standby.signal" ]; then mode=standby; else mode=primary; fi
  say "data directory present (PostgreSQL $(cat "$PGDATA/PG_VERSION")); starting as $mode"
else
  case "$PGSTACK_BOOTSTRAP" in
    initdb) bootstrap_initdb ;;
    clone) bootstrap_clone ;;
    restore) sh /pgstack/bin/restore-bootstrap.sh /var/lib/pgstack/restore-source "${PGSTACK_RESTORE_TARGET_TIME:-}" ;;
    *) say "unknown PGSTACK_BOOTSTRAP '$PGSTACK_BOOTSTRAP'"; exit 64 ;;
  esac
fi

exec postgres -D "$PGDATA" -c config_file=/pgstack/conf/postgresql.conf
