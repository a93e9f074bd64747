#!/bin/sh
# archive_command of every member (only the primary archives): copies one WAL file into the backup
# storage. It never overwrites an archived file with different content, and it fails (PostgreSQL
# then keeps the file in pg_wal and retries) when the storage is not mounted: the marker file is
# written once by the backup container, so an empty directory where the storage should be is
# noticed instead of silently filled.
#   archive-wal.sh <path of the file> <file name>
set -eu
src="$1"
name="$2"
root=/var/lib/pgstack/backups
dir="$root/wal"

if [ ! -f "$root/.pgstack-backups" ]; then
  echo "pgstack-archive: backup storage is not mounted at $root (no .pgstack-backups marker); $name stays in pg_wal until it is" >&2
  exit 1
fi
mkdir -p "$dir"
if [ -f "$dir/$name" ]; then
  if cmp -s "$src" "$dir/$name"; then
    exit 0
  fi
  echo "pgstack-archive: $dir/$name already exists with different content; refusing to overwrite it (does another cluster archive into this storage?)" >&2
  exit 1
fi
tmp="$dir/.$name.$$.partial"
cp "$src" "$tmp"
# Durable before it counts: PostgreSQL recycles the segment as soon as this command succeeds.
sync "$tmp"
mv "$tmp" "$dir/$name"
sync "$dir"
