#!/bin/sh
# Runs as postgres in every PostgreSQL member. An empty data directory is bootstrapped first:
# the first primary runs initdb, a replica clones the primary with pg_basebackup through its own
# replication slot. Each lands in a temporary directory that is renamed into place only when
# complete, so an interrupted bootstrap never leaves a half data directory behind. Then the
# server runs as PID 1 and PostgreSQL itself decides primary or standby from the data directory.
set -eu

: "${PGSTACK_MEMBER:?}" "${PGSTACK_BOOTSTRAP:?initdb or clone}"
PGDATA=/var/lib/postgresql/data/pgdata
export PGDATA
run=/pgstack/run

say() { echo "pgstack[$PGSTACK_MEMBER]: $*" >&2; }

bootstrap_initdb() {
  say "empty data directory: initdb (SCRAM, data checksums, builtin C.UTF-8 locale)"
  rm -rf "$PGDATA.initdb"
  # --pwfile holds the superuser's SCRAM verifier, which PostgreSQL stores as is.
  initdb -D "$PGDATA.initdb" -U postgres --pwfile="$run/superuser.verifier" \
    --auth-local=peer --auth-host=scram-sha-256 --data-checksums \
    --encoding=UTF8 --locale-provider=builtin --builtin-locale=C.UTF-8 >/dev/null
  mv "$PGDATA.initdb" "$PGDATA"
}

bootstrap_clone() {
  : "${PGSTACK_BOOTSTRAP_SOURCE:?}" "${PGSTACK_SLOT:?}"
  conninfo="host=$PGSTACK_BOOTSTRAP_SOURCE port=5432 user=replicator passfile=$run/pgpass application_name=$PGSTACK_MEMBER connect_timeout=5"
  attempt=1
  while :; do
    say "empty data directory: cloning $PGSTACK_BOOTSTRAP_SOURCE through slot $PGSTACK_SLOT (attempt $attempt)"
    rm -rf "$PGDATA.clone"
    if pg_basebackup -d "$conninfo" -D "$PGDATA.clone" -S "$PGSTACK_SLOT" -X stream -c fast --no-password; then
      break
    fi
    if [ "$attempt" -ge 30 ]; then
      say "pg_basebackup from $PGSTACK_BOOTSTRAP_SOURCE failed 30 times; check that it is up, that slot $PGSTACK_SLOT exists and the replicator password"
      exit 1
    fi
    attempt=$((attempt + 1))
    sleep 2
  done
  # The clone carries the source's own live settings; this member's arrive with the next `pulumi up`.
  rm -f "$PGDATA.clone/pgstack.live.conf" "$PGDATA.clone/pgstack.bootstrap.conf"
  {
    echo "# Written once when $PGSTACK_MEMBER was cloned; pgstack.live.conf overrides it."
    echo "primary_conninfo = '$conninfo'"
    echo "primary_slot_name = '$PGSTACK_SLOT'"
  } > "$PGDATA.clone/pgstack.bootstrap.conf"
  touch "$PGDATA.clone/standby.signal"
  mv "$PGDATA.clone" "$PGDATA"
}

if [ -s "$PGDATA/PG_VERSION" ]; then
  if [ -f "$PGDATA/standby.signal" ]; then mode=standby; else mode=primary; fi
  say "data directory present (PostgreSQL $(cat "$PGDATA/PG_VERSION")); starting as $mode"
else
  case "$PGSTACK_BOOTSTRAP" in
    initdb) bootstrap_initdb ;;
    clone) bootstrap_clone ;;
    *) say "unknown PGSTACK_BOOTSTRAP '$PGSTACK_BOOTSTRAP'"; exit 64 ;;
  esac
fi

exec postgres -D "$PGDATA" -c config_file=/pgstack/conf/postgresql.conf
