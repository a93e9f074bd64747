#!/bin/sh
# restore_command: fetches an archived WAL file. A standby uses it when the primary no longer has a
# segment it needs (its slot was invalidated by max_slot_wal_keep_size); a restore uses it to replay
# up to the target. Exits non-zero when the file is not archived, which PostgreSQL expects.
# A file whose checksum no longer matches the one archive-wal.sh recorded (NAME.sum) is never
# handed over: replaying a corrupted segment would quietly end recovery there. Its name goes to
# pgstack.corrupt-wal in the data directory (the command's working directory), where
# restore-bootstrap.sh looks, and to the server log.
#   restore-wal.sh <archive directory> <file name> <destination path>
set -eu
archive="$1"
name="$2"
dest="$3"
[ -f "$archive/$name" ] || exit 1
if [ -f "$archive/$name.sum" ]; then
  recorded=$(sed -n 's/^cksum=\([0-9]*\) size=\([0-9]*\) .*/\1 \2/p' "$archive/$name.sum")
  actual=$(cksum < "$archive/$name" | sed 's/^\([0-9]*\)[^0-9]*\([0-9]*\).*/\1 \2/')
  if [ "$recorded" != "$actual" ]; then
    echo "pgstack-restore: archived WAL file $name is corrupted: checksum and size $actual, but $recorded when it was archived ($archive/$name.sum); it is not replayed" >&2
    if ! grep -qx "$name" pgstack.corrupt-wal 2>/dev/null; then echo "$name" 2>/dev/null >> pgstack.corrupt-wal || :; fi
    exit 1
  fi
fi
cp "$archive/$name" "$dest"
