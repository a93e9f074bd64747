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
if command -v setpriv >/dev/null 2>&1; then exec setpriv --reuid=65534 --regid=65534 --clear-groups "$exporter" "$@"; fi
if command -v su-exec >/dev/null 2>&1; then exec su-exec 65534:65534 "$exporter" "$@"; fi
if command -v chpst >/dev/null 2>&1; then exec chpst -u nobody "$exporter" "$@"; fi
if command -v setuidgid >/dev/null 2>&1; then exec setuidgid nobody "$exporter" "$@"; fi
exec su -s /bin/sh nobody -c 'exec "$0" "$@"' "$exporter" "$@"
