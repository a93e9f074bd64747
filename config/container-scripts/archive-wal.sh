#!/bin/sh
# archive_command of every member (only the primary archives): copies one WAL file into the backup
# storage. It never overwrites an archived file with different content, and it fails (PostgreSQL
# then keeps the file in pg_wal, counts the failure in pg_stat_archiver and retries) when the
# storage is not mounted, is read-only or is full: the marker file is written once by the
# entrypoint, so an empty directory where the storage should be is noticed instead of silently
# filled. The copy is compared with the source before it counts, and a checksum of it (cksum) is
# kept next to it as NAME.sum, which restore-wal.sh and restore-plan.sh check before replaying it.
# A failed or killed attempt leaves no partial file behind: a full disk would stay full.
#   archive-wal.sh <path of the file> <file name>
set -eu
src="$1"
name="$2"
root=${PGSTACK_BACKUPS:-/var/lib/pgstack/backups}
dir="$root/wal"
say() { echo "pgstack-archive: $*" >&2; }

if [ ! -f "$root/.pgstack-backups" ]; then
  say "backup storage is not mounted at $root (no .pgstack-backups marker); $name stays in pg_wal until it is"
  exit 1
fi
mkdir -p "$dir"
tmp="$dir/.$name.$$.partial"
sumtmp="$dir/.$name.sum.$$.partial"
trap 'rm -f "$tmp" "$sumtmp"' EXIT
trap 'exit 143' TERM INT HUP
# An earlier attempt at this file that was killed (PostgreSQL archives one file at a time).
for old in "$dir/.$name".*.partial; do
  if [ -e "$old" ]; then rm -f "$old"; fi
done

# write_sum FILE: NAME.sum records the archived copy's checksum and size, and when it was archived.
write_sum() {
  # shellcheck disable=SC2046
  set -- $(cksum < "$1")
  printf 'cksum=%s size=%s archived_at=%s\n' "$1" "$2" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" > "$sumtmp"
  mv "$sumtmp" "$dir/$name.sum"
}

if [ -f "$dir/$name" ]; then
  if cmp -s "$src" "$dir/$name"; then
    # Archived before, but perhaps its checksum was not (a full disk, a kill in between).
    if [ ! -f "$dir/$name.sum" ]; then write_sum "$dir/$name"; fi
    exit 0
  fi
  say "$dir/$name already exists with different content; refusing to overwrite it (does another cluster archive into this storage?)"
  exit 1
fi
if ! cp "$src" "$tmp"; then
  say "copying $name into $dir failed (see the line above: a full or read-only backup storage?); it stays in pg_wal and is retried"
  exit 1
fi
# Durable before it counts: PostgreSQL recycles the segment as soon as this command succeeds.
sync "$tmp" 2>/dev/null || sync
if ! cmp -s "$src" "$tmp"; then
  say "the copy of $name in $dir differs from the original; it stays in pg_wal and is retried"
  exit 1
fi
write_sum "$tmp"
mv "$tmp" "$dir/$name"
sync "$dir" 2>/dev/null || sync
