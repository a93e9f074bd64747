#!/bin/sh
# Installs a live configuration file from stdin and makes the running process re-read it, without
# a restart. Run by `pulumi up` through `docker exec -i -u postgres`.
#   apply-live-config.sh postgres <file>   PostgreSQL: checked with pg_file_settings, then reloaded
#   apply-live-config.sh pgbouncer <file>  PgBouncer (PID 1): SIGHUP
set -eu
kind="${1:?kind}"
target="${2:?target file}"
tmp="$target.new"
previous="$target.previous"

cat > "$tmp"
chmod 600 "$tmp"
if [ -f "$target" ] && cmp -s "$tmp" "$target"; then
  rm -f "$tmp"
  echo "pgstack: $target unchanged"
  exit 0
fi
[ -f "$target" ] && cp -p "$target" "$previous"
mv "$tmp" "$target"

case "$kind" in
  postgres)
    psql_local() { psql -h /var/run/postgresql -p 5432 -d postgres -XAtq -v ON_ERROR_STOP=1 "$@"; }
    # pg_file_settings parses the files as they are now, so a bad value is caught before any reload.
    errors=$(psql_local -c "select string_agg(format('%s line %s: %s (%s)', sourcefile, sourceline, coalesce(name, '?'), error), E'\n') from pg_file_settings where error is not null and sourcefile = '$target'")
    if [ -n "$errors" ]; then
      if [ -f "$previous" ]; then mv "$previous" "$target"; else rm -f "$target"; fi
      echo "pgstack: PostgreSQL rejected the new settings; the running configuration is unchanged:" >&2
      echo "$errors" >&2
      exit 1
    fi
    # The postmaster re-reads the files after the signal; a new session sees the result once
    # pg_conf_load_time moves (tens of milliseconds): poll for that (50 ms apart, pg_sleep being
    # the sub-second sleep every image has) rather than sleep a whole second.
    loaded=$(psql_local -c "select pg_conf_load_time()")
    psql_local -c "select pg_reload_conf()" >/dev/null
    tries=0
    while [ "$(psql_local -c "select pg_conf_load_time() from pg_sleep(0.05)")" = "$loaded" ] && [ "$tries" -lt 100 ]; do
      tries=$((tries + 1))
    done
    pending=$(psql_local -c "select string_agg(name, ', ') from pg_settings where pending_restart")
    echo "pgstack: reloaded $target"
    if [ -n "$pending" ]; then echo "pgstack: waiting for a restart to apply: $pending"; fi
    ;;
  pgbouncer)
    kill -HUP 1
    echo "pgstack: PgBouncer re-reads $target"
    ;;
  *)
    echo "pgstack: unknown kind '$kind'" >&2
    exit 64
    ;;
esac
rm -f "$previous"
