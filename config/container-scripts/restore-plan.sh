#!/bin/sh
# Checks that backup storage can serve a restore, before anything is written, and says what will
# be restored. Run by `pulumi up` (in a throwaway container, before the new primary exists) and
# again by the primary's entrypoint.
#   restore-plan.sh <storage dir> base [<target time>]   prints base=<stamp> and what it covers
#   restore-plan.sh <storage dir> dump <database> <latest | dumps/<db>/<file>.dump>
# Exits 1 with one line saying what is wrong and what to do.
set -u
src="$1"
mode="$2"

fail() { echo "pgstack-restore: $*" >&2; exit 1; }
epoch() { date -u -d "$1" +%s 2>/dev/null || fail "cannot read the time $1"; }
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

[ -d "$src" ] || fail "the restore source is not mounted at $src"
[ -f "$src/.pgstack-backups" ] || fail "$src is not pgstack backup storage (no .pgstack-backups marker); point restore.source at a <stack>-backups volume or a backup host directory"

case "$mode" in
  base)
    target="${3:-}"
    stamps=$(ls -1 "$src/base" 2>/dev/null | grep -E '^[0-9]{8}T[0-9]{6}Z$' | sort)
    good=""
    for s in $stamps; do
      [ -f "$src/base/$s/info" ] && [ -f "$src/base/$s/base.tar.gz" ] && [ -f "$src/base/$s/backup_manifest" ] && good="$good $s"
    done
    [ -n "$good" ] || fail "no base backup in $src/base: a point-in-time restore needs one (take one with: docker exec <stack>-backup sh /pgstack/bin/backup-base.sh), or restore a dump with restore.dump"
    newest_wal=$(ls -1t "$src/wal" 2>/dev/null | grep -E '^[0-9A-F]{24}$' | head -n 1)
    newest_wal_at=""
    [ -n "$newest_wal" ] && newest_wal_at=$(stat -c %Y "$src/wal/$newest_wal")
    chosen=""
    if [ -n "$target" ]; then
      t=$(epoch "$target")
      oldest=$(echo $good | cut -d' ' -f1)
      oldest_end=$(sed -n 's/^end_time=//p' "$src/base/$oldest/info")
      for s in $good; do
        end=$(sed -n 's/^end_time=//p' "$src/base/$s/info")
        [ "$(epoch "$end")" -le "$t" ] && chosen=$s
      done
      [ -n "$chosen" ] || fail "targetTime $target is before the oldest base backup, which ended at $oldest_end: the earliest point this storage can restore is $oldest_end"
      if [ -z "$newest_wal_at" ] || [ "$t" -gt "$newest_wal_at" ]; then
        fail "targetTime $target is after the newest archived WAL (${newest_wal:-none}, archived at $( [ -n "$newest_wal_at" ] && iso "$newest_wal_at" || echo never)): later writes were never archived; restore to that time or earlier, or omit targetTime for the latest point"
      fi
    else
      chosen=$(echo $good | tr ' ' '\n' | tail -n 1)
    fi
    gzip -t "$src/base/$chosen/base.tar.gz" 2>/dev/null || fail "base backup $chosen is corrupted (base.tar.gz fails gzip -t); remove it to fall back to an older one"
    echo "base=$chosen"
    sed -n 's/^\(end_time\|start_wal\|timeline\)=/base_\1=/p' "$src/base/$chosen/info"
    echo "newest_wal=${newest_wal:-}"
    [ -n "$newest_wal_at" ] && echo "newest_wal_at=$(iso "$newest_wal_at")"
    echo "target=${target:-latest}"
    ;;
  dump)
    db="$3"
    dump="$4"
    if [ "$dump" = latest ]; then
      dump=$(ls -1 "$src/dumps/$db" 2>/dev/null | grep '\.dump$' | sort | tail -n 1)
      [ -n "$dump" ] || fail "no dump of database $db in $src/dumps/$db"
      dump="dumps/$db/$dump"
    fi
    [ -f "$src/$dump" ] || fail "dump $dump does not exist in $src"
    pg_restore -l "$src/$dump" >/dev/null 2>&1 || fail "dump $dump is corrupted or not a pg_dump -Fc archive (pg_restore -l rejects it)"
    echo "dump=$dump"
    ;;
  *)
    fail "unknown mode $mode (base or dump)"
    ;;
esac
