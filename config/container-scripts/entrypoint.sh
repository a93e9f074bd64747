#!/bin/sh
# pgstack entrypoint, run as root: prepares directories and secrets, then runs the container's
# process as the `postgres` user. Users are referred to by name, because their uid differs between
# images (999 in the official image, 100 in Debian's package); nothing else about the image is assumed.
set -eu

role="${1:?usage: entrypoint.sh postgres|pgbouncer|backup [-c name=value ...]}"
shift
bin=/pgstack/bin
run=/pgstack/run
secrets=/pgstack/secrets

say() { echo "pgstack-entrypoint[$role]: $*" >&2; }

if ! id postgres >/dev/null 2>&1; then
  say "the image has no 'postgres' user; pgstack runs PostgreSQL, PgBouncer and backups as that user"
  exit 64
fi

# Runs "$@" as postgres, replacing this shell, with whichever tool the image has.
as_postgres() {
  if command -v setpriv >/dev/null 2>&1; then exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"; fi
  if command -v gosu >/dev/null 2>&1; then exec gosu postgres "$@"; fi
  if command -v su-exec >/dev/null 2>&1; then exec su-exec postgres "$@"; fi
  # shellcheck disable=SC2016 # $0 and $@ belong to the inner shell
  exec su -s /bin/sh postgres -c 'exec "$0" "$@"' "$@"
}

# Copies an uploaded secret where only postgres can read it.
install_secret() {
  if [ -f "$secrets/$1" ]; then
    cp "$secrets/$1" "$run/$1"
    chown postgres "$run/$1"
    chmod 600 "$run/$1"
  fi
}

# The TLS files arrive through `docker exec` once the container runs (install-tls.sh), not as
# uploads: renewing them must not replace the container. PostgreSQL and PgBouncer wait for them.
wait_for_tls() {
  waited=0 ticks=0
  until [ -s /pgstack/tls/ca.crt ]; do
    if [ "$waited" -ge "${PGSTACK_TLS_WAIT_SECONDS:-600}" ]; then
      say "no TLS files in /pgstack/tls after $waited s: pulumi up writes them once the container runs; deploy again"
      exit 1
    fi
    [ "$ticks" -eq 0 ] && say "waiting for pulumi up to write the TLS files into /pgstack/tls"
    # They arrive a fraction of a second after the start, and the server's start waits on them:
    # poll every 0.1 s where sleep takes fractions (POSIX sleep need not), else every second.
    if sleep 0.1 2>/dev/null; then ticks=$((ticks + 1)); else sleep 1; ticks=$((ticks + 10)); fi
    waited=$((ticks / 10))
  done
}

mkdir -p "$run"
chown postgres "$run"
chmod 700 "$run"
install_secret pgpass

# Backup storage (a volume or host directory, mounted in members and the backup container). A new,
# empty storage is initialized once; a directory that holds something else is left alone, and
# archiving refuses it, rather than being taken over.
backups=/var/lib/pgstack/backups
if [ -d "$backups" ]; then
  if [ ! -f "$backups/.pgstack-backups" ] && [ -z "$(ls -A "$backups")" ]; then
    echo "created=$(date -u +%Y-%m-%dT%H:%M:%SZ) by=$role" > "$backups/.pgstack-backups"
  fi
  if [ -f "$backups/.pgstack-backups" ]; then
    mkdir -p "$backups/wal" "$backups/base" "$backups/dumps" "$backups/log" "$backups/status"
    chown postgres "$backups" "$backups/wal" "$backups/base" "$backups/dumps" "$backups/log" "$backups/status"
  else
    say "$backups holds files but no .pgstack-backups marker: not pgstack's backup storage, left untouched"
  fi
fi

case "$role" in
  postgres)
    install_secret superuser.verifier
    mkdir -p /var/run/postgresql /var/lib/postgresql/data
    chown postgres /var/run/postgresql /var/lib/postgresql/data
    chmod 775 /var/run/postgresql
    chmod 700 /var/lib/postgresql/data
    wait_for_tls
    as_postgres /bin/sh "$bin/postgres-member.sh" "$@"
    ;;
  pgbouncer)
    # Until `pulumi up` writes the live configuration, PgBouncer starts with no databases or users.
    [ -f "$run/pgbouncer.live.ini" ] || printf '[databases]\n' > "$run/pgbouncer.live.ini"
    [ -f "$run/userlist.txt" ] || : > "$run/userlist.txt"
    chown postgres "$run/pgbouncer.live.ini" "$run/userlist.txt"
    chmod 600 "$run/userlist.txt"
    wait_for_tls
    as_postgres pgbouncer /pgstack/conf/pgbouncer.ini
    ;;
  backup)
    as_postgres /bin/sh "$bin/backup-scheduler.sh"
    ;;
  *)
    say "unknown role '$role' (expected postgres, pgbouncer or backup)"
    exit 64
    ;;
esac
