#!/bin/sh
# Installs this member's TLS files from stdin and, when the server already runs, makes it re-read
# them (a renewed certificate needs no restart). Run by `pulumi up` as root through
# `docker exec -i -u root`; the private key arrives only on stdin, never in an argument or the
# environment. stdin holds three parts, each after a marker line: `# key`, `# cert`, `# ca`.
#   install-tls.sh postgres|pgbouncer
set -eu
kind="${1:?kind: postgres or pgbouncer}"
dir=/pgstack/tls
say() { echo "pgstack-tls[$kind]: $*" >&2; }

mkdir -p "$dir"
chown postgres "$dir"
chmod 755 "$dir"
umask 077
cat > "$dir/bundle.new"
# The lines after `# <name>` up to the next marker line (or the end).
part() { sed -n "/^# $1\$/,/^# /{/^# /!p;}" "$dir/bundle.new"; }
part key > "$dir/server.key.new"
part cert > "$dir/server.crt.new"
part ca > "$dir/ca.crt.new"
rm -f "$dir/bundle.new"
grep -q -- "-----BEGIN .*PRIVATE KEY-----" "$dir/server.key.new" || { say "stdin holds no private key after '# key'"; exit 65; }
grep -q -- "-----BEGIN CERTIFICATE-----" "$dir/server.crt.new" || { say "stdin holds no certificate after '# cert'"; exit 65; }
grep -q -- "-----BEGIN CERTIFICATE-----" "$dir/ca.crt.new" || { say "stdin holds no CA certificate after '# ca'"; exit 65; }

# PostgreSQL refuses a key others can read: postgres owns it, mode 0600. Certificates are public.
chown postgres "$dir/server.key.new" "$dir/server.crt.new" "$dir/ca.crt.new"
chmod 600 "$dir/server.key.new"
chmod 644 "$dir/server.crt.new" "$dir/ca.crt.new"

first=yes
[ -f "$dir/ca.crt" ] && first=no
changed=no
for f in server.key server.crt ca.crt; do
  if [ -f "$dir/$f" ] && cmp -s "$dir/$f.new" "$dir/$f"; then rm -f "$dir/$f.new"; else changed=yes; fi
done
if [ "$changed" = no ]; then
  echo "pgstack: TLS files unchanged"
  exit 0
fi
# The CA goes last: the entrypoint waits for it before the first start.
for f in server.key server.crt ca.crt; do
  if [ -f "$dir/$f.new" ]; then mv "$dir/$f.new" "$dir/$f"; fi
done

if [ "$first" = yes ]; then
  echo "pgstack: TLS files installed"
  exit 0
fi
# PID 1 is the server once the entrypoint exec'd it; before that (still cloning, fenced) the
# files are simply read when it starts.
pid1=$(cat /proc/1/comm 2>/dev/null || echo unknown)
case "$kind:$pid1" in
  postgres:postgres | pgbouncer:pgbouncer)
    kill -HUP 1
    echo "pgstack: TLS files renewed; $kind reloads them"
    ;;
  *)
    echo "pgstack: TLS files renewed; $kind is not running yet ($pid1) and reads them when it starts"
    ;;
esac
