#!/usr/bin/env bash
# Builds the local PostgreSQL 17 + PgBouncer image from Debian's packages, for machines that can
# reach no container registry (our CI). The tag carries a hash of this recipe, so an image built
# from the same recipe is reused and a changed recipe builds a new one.
# Prints the image names as `postgres=<image>` and `pgbouncer=<image>` on stdout.
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

if docker image inspect "$pg_image" >/dev/null 2>&1 && docker image inspect "$bouncer_image" >/dev/null 2>&1; then
  echo "build-images: $pg_image already built from this recipe" >&2
  emit
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
