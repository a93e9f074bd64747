#!/usr/bin/env bash
# Builds the local PostgreSQL 17 + PgBouncer image from Debian's packages, for machines that can
# reach no container registry (our CI). The tag carries a hash of this recipe, so an image built
# from the same recipe is reused and a changed recipe builds a new one. Then the exporter images
# (see build_exporters below).
# Prints the image names as `postgres=<image>`, `pgbouncer=<image>`, `postgresExporter=<image>` and
# `pgbouncerExporter=<image>` on stdout.
set -euo pipefail

suite=trixie
packages=postgresql-17,postgresql-client-17,pgbouncer,procps,ca-certificates
image_path='/usr/lib/postgresql/17/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

here=$(cd "$(dirname "$0")" && pwd)
recipe=$(printf '%s\n%s\n%s\n' "$suite" "$packages" "$image_path"; sed -n '/^# recipe-start/,/^# recipe-end/p' "$here/build-images.sh")
hash=$(printf '%s' "$recipe" | sha256sum | cut -c1-12)
pg_image="pgstack-local/postgres:17-$hash"
bouncer_image="pgstack-local/pgbouncer:1.24-$hash"

emit() { printf 'postgres=%s\npgbouncer=%s\n' "$pg_image" "$bouncer_image"; }

# --- exporter images (pgstack:monitoring) ------------------------------------------------------
# postgres_exporter and pgbouncer_exporter from Debian trixie's packages
# (prometheus-postgres-exporter, prometheus-pgbouncer-exporter), added onto the PostgreSQL image
# above (sh, setpriv and a `nobody` user are all the exporters' entrypoint needs). The packages are
# fetched with the host's apt-get from the same mirror, into a private apt state, and only their
# binaries are copied in: no package scripts run. The tags carry the base image and these lines.
exporter_packages="prometheus-postgres-exporter prometheus-pgbouncer-exporter"
exporter_hash=$(printf '%s\n%s\n%s\n' "$pg_image" "$exporter_packages" "$(sed -n '/^build_exporters()/,/^}/p' "$here/build-images.sh")" | sha256sum | cut -c1-12)
pg_exporter_image="pgstack-local/postgres-exporter:0.17-$exporter_hash"
bouncer_exporter_image="pgstack-local/pgbouncer-exporter:0.10-$exporter_hash"

emit_exporters() { printf 'postgresExporter=%s\npgbouncerExporter=%s\n' "$pg_exporter_image" "$bouncer_exporter_image"; }

debian_mirror() {
  local m=${DEBIAN_MIRROR:-}
  if [ -z "$m" ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then m=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources); fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then m=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list); fi
  [ -n "$m" ] || { echo "build-images: no Debian mirror found in the apt configuration; set DEBIAN_MIRROR" >&2; return 1; }
  echo "$m"
}

build_exporters() {
  local work apt_opts keyring container
  work=$(mktemp -d /tmp/pgstack-exporters.XXXXXX)
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$work/root"
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  echo "deb [signed-by=$keyring] $(debian_mirror) $suite main" > "$work/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o APT::Sandbox::User=root)
  echo "build-images: fetching $exporter_packages from Debian $suite" >&2
  apt-get "${apt_opts[@]}" update -qq >"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log" >&2; rm -rf "$work"; return 1; }
  (cd "$work/debs" && apt-get "${apt_opts[@]}" download $exporter_packages >>"$work/apt.log" 2>&1) \
    || { tail -n 20 "$work/apt.log" >&2; rm -rf "$work"; return 1; }
  for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/root"; done
  for pair in "prometheus-postgres-exporter:$pg_exporter_image" "prometheus-pgbouncer-exporter:$bouncer_exporter_image"; do
    container=$(docker create --label pgstack.build=exporter "$pg_image" /bin/true)
    docker cp "$work/root/usr/bin/${pair%%:*}" "$container:/usr/bin/${pair%%:*}" >/dev/null
    docker commit "$container" "${pair#*:}" >/dev/null
    docker rm "$container" >/dev/null
    echo "build-images: built ${pair#*:}" >&2
  done
  rm -rf "$work"
}

ensure_exporters() {
  if docker image inspect "$pg_exporter_image" >/dev/null 2>&1 && docker image inspect "$bouncer_exporter_image" >/dev/null 2>&1; then
    echo "build-images: $pg_exporter_image already built from this recipe" >&2
  else
    build_exporters
  fi
  emit_exporters
}
# ------------------------------------------------------------------------------------------------

if docker image inspect "$pg_image" >/dev/null 2>&1 && docker image inspect "$bouncer_image" >/dev/null 2>&1; then
  echo "build-images: $pg_image already built from this recipe" >&2
  emit
  ensure_exporters
  exit 0
fi

mirror=${DEBIAN_MIRROR:-}
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
  mirror=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list)
fi
[ -n "$mirror" ] || { echo "build-images: no Debian mirror found in the apt configuration; set DEBIAN_MIRROR" >&2; exit 1; }

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "build-images: installing debootstrap" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

rootfs=$(mktemp -d /tmp/pgstack-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT

# recipe-start
echo "build-images: debootstrap $suite with $packages (about a minute)" >&2
debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" >/tmp/pgstack-debootstrap.log 2>&1 \
  || { tail -n 30 /tmp/pgstack-debootstrap.log >&2; exit 1; }
# Debian's package creates and starts a cluster we never use: the stack's entrypoint owns initdb.
rm -rf "$rootfs"/var/lib/postgresql/17 "$rootfs"/etc/postgresql/17
rm -rf "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/* "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/*
# recipe-end

echo "build-images: importing $pg_image" >&2
tar -C "$rootfs" -c . | docker import -c "ENV PATH=$image_path" -c 'ENV LANG=C.UTF-8' - "$pg_image" >/dev/null
docker tag "$pg_image" "$bouncer_image"
emit
ensure_exporters
