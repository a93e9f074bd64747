#!/bin/sh
# restore_command: fetches an archived WAL file. A standby uses it when the primary no longer has a
# segment it needs (its slot was invalidated by max_slot_wal_keep_size); a restore uses it to replay
# up to the target. Exits non-zero when the file is not archived, which PostgreSQL expects.
#   restore-wal.sh <archive directory> <file name> <destination path>
set -eu
archive="$1"
name="$2"
dest="$3"
[ -f "$archive/$name" ] || exit 1
cp "$archive/$name" "$dest"
