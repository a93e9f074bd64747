#!/bin/sh
# pgstack's exporter entrypoint, run as root: copies the uploaded password file (root-only) to
# where the unprivileged user `nobody` can read it, then runs the exporter as that user. The
# exporters read the password from that file (libpq's PGPASSFILE): it is never in the
# environment or on a command line. Works in Debian's images (setpriv) and busybox-based ones.
#   exporter-entrypoint.sh postgres|pgbouncer [exporter flags...]
set -eu

kind="${1:?usage: exporter-entrypoint.sh postgres|pgbouncer [flags...]}"
shift
say() { echo "pgstack-exporter[$kind]: $*" >&2; }

case "$kind" in
  postgres) candidates="postgres_exporter prometheus-postgres-exporter" ;;
  pgbouncer) candidates="pgbouncer_exporter prometheus-pgbouncer-exporter" ;;
  *) say "unknown exporter '$kind' (expected postgres or pgbouncer)"; exit 64 ;;
esac
exporter=""
for c in $candidates; do
  if command -v "$c" >/dev/null 2>&1; then exporter=$(command -v "$c"); break; fi
done
[ -n "$exporter" ] || { say "none of $candidates is on PATH in this image"; exit 64; }

run=/pgstack/run
mkdir -p "$run"
chown 65534 "$run"
chmod 700 "$run"
cp /pgstack/secrets/pgpass "$run/pgpass"
chown 65534 "$run/pgpass"
# libpq ignores a password file that group or others may read.
chmod 600 "$run/pgpass"
export PGPASSFILE="$run/pgpass"
# lib/pq looks for ~/.pgpass otherwise; keep HOME somewhere nobody may read.
export HOME="$run"

# Runs "$@" as nobody, replacing this shell, with whichever tool the image has.
as_nobody() {
  if command -v setpriv >/dev/null 2>&1; then exec setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; fi
  if command -v su-exec >/dev/null 2>&1; then exec su-exec 65534:65534 "$@"; fi
  # shellcheck disable=SC2016 # $0 and $@ belong to the inner shell
  exec su -s /bin/sh nobody -c 'exec "$0" "$@"' "$@"
}

if [ "$kind" = postgres ]; then as_nobody "$exporter" "$@"; fi

# pgbouncer_exporter exits when PgBouncer does not answer as it starts, and a deploy may start it
# first: start it again until it stays up. This shell stays PID 1 and passes `docker stop` on.
pid=""
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; wait "$pid"; fi; exit 0' TERM INT
while :; do
  (as_nobody "$exporter" "$@") &
  pid=$!
  wait "$pid" || true
  say "pgbouncer_exporter exited (PgBouncer not answering yet?); starting it again in 2 s"
  sleep 2 & wait $!
done
