#!/bin/sh
# Checks that backup storage can serve a restore, before anything is written, and says what will
# be restored. Run by `pulumi up` (in a throwaway container, before the new primary exists; the
# script arrives on stdin, so it stands alone) and again by the primary's restore-bootstrap.sh.
#   restore-plan.sh <storage dir> base [<target time>]   prints base=<stamp> and what it covers
#   restore-plan.sh <storage dir> dump <database> <latest | dumps/<db>/<file>.dump>
# Exits 1 with one line saying what is wrong and what to do.
# A base restore also checks the archived WAL it will replay after the base backup's end: no
# missing segment, and every segment's checksum against the NAME.sum archive-wal.sh wrote. With
# PGSTACK_PLAN_WAL_CHECK=0 the segments are not read (restore-bootstrap.sh: restore-wal.sh checks
# each one again as it is replayed).
set -eu
src="$1"
mode="$2"
LC_ALL=C
export LC_ALL

fail() { echo "pgstack-restore: $*" >&2; exit 1; }
kv() { sed -n "s/^$2=//p" "$1" 2>/dev/null | head -n 1; }

# shellcheck source=utc-time.sh
. "${PGSTACK_BIN:-/pgstack/bin}/utc-time.sh"

# position NAME: a WAL segment's place in the WAL (log * 256 + segment, 16 MB segments), whatever
# its timeline, into $pos.
position() {
  _r=${1#????????}
  pos=$((0x${_r%????????} * 256 + 0x${_r#????????}))
}
is_segment() {
  case $1 in
    [0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F][0-9A-F]) return 0 ;;
  esac
  return 1
}
archived_at() { sed -n 's/.* archived_at=\([^ ]*\).*/\1/p' "$src/wal/$1.sum" 2>/dev/null || :; }
# intact NAME: the segment still has the checksum and size archive-wal.sh recorded (or none was).
intact() {
  [ -f "$src/wal/$1.sum" ] || return 0
  _rec=$(sed -n 's/^cksum=\([0-9]*\) size=\([0-9]*\) .*/\1 \2/p' "$src/wal/$1.sum")
  _act=$(cksum < "$src/wal/$1" | sed 's/^\([0-9]*\)[^0-9]*\([0-9]*\).*/\1 \2/')
  [ "$_rec" = "$_act" ]
}

[ -d "$src" ] || fail "the restore source is not mounted at $src"
[ -f "$src/.pgstack-backups" ] || fail "$src is not pgstack backup storage (no .pgstack-backups marker); point restore.source at a <stack>-backups volume or a backup host directory"

case "$mode" in
  base)
    target="${3:-}"
    target_s=""
    if [ -n "$target" ]; then
      epoch_iso "$target" || fail "cannot read the target time '$target': give restore.targetTime as an ISO 8601 UTC time such as 2026-11-24T10:15:00Z"
      target_s=$epoch
    fi
    # Base backups with everything a restore needs, oldest first.
    good=""
    for d in "$src"/base/*; do
      s=${d##*/}
      case $s in
        [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z) ;;
        *) continue ;;
      esac
      if [ -f "$d/info" ] && [ -f "$d/base.tar.gz" ] && [ -f "$d/backup_manifest" ]; then good="$good $s"; fi
    done
    good=${good# }
    [ -n "$good" ] || fail "no base backup in $src/base: a point-in-time restore needs one (take one with: docker exec <stack>-backup sh /pgstack/bin/backup-base.sh), or restore a dump with restore.dump"
    newest_wal=""
    for f in "$src"/wal/*; do
      if is_segment "${f##*/}"; then newest_wal=${f##*/}; fi
    done
    newest_wal_at=""
    if [ -n "$newest_wal" ]; then newest_wal_at=$(archived_at "$newest_wal"); fi
    chosen=""
    if [ -n "$target" ]; then
      oldest=${good%% *}
      oldest_end=$(kv "$src/base/$oldest/info" end_time)
      for s in $good; do
        end=$(kv "$src/base/$s/info" end_time)
        epoch_iso "$end" || fail "base/$s/info gives no readable end_time ('$end'); remove that backup from $src/base or repair its info file"
        if [ "$epoch" -le "$target_s" ]; then chosen=$s; fi
      done
      [ -n "$chosen" ] || fail "targetTime $target is before the oldest base backup, which ended at $oldest_end: the earliest point this storage can restore is $oldest_end"
      if [ -z "$newest_wal" ]; then
        fail "targetTime $target is after the newest archived WAL (none, archived at never): later writes were never archived; restore to that time or earlier, or omit targetTime for the latest point"
      fi
      if ! epoch_iso "$newest_wal_at"; then
        echo "note=$newest_wal has no $newest_wal.sum saying when it was archived; a target after the newest archived WAL fails during recovery"
      elif [ "$target_s" -gt "$epoch" ]; then
        fail "targetTime $target is after the newest archived WAL ($newest_wal, archived at $newest_wal_at): later writes were never archived; restore to that time or earlier, or omit targetTime for the latest point"
      fi
    else
      chosen=${good##* }
    fi
    gzip -t "$src/base/$chosen/base.tar.gz" 2>/dev/null || fail "base backup $chosen is corrupted (base.tar.gz fails gzip -t); remove it to fall back to an older one"
    echo "base=$chosen"
    info="$src/base/$chosen/info"
    echo "base_end_time=$(kv "$info" end_time)"
    echo "base_start_wal=$(kv "$info" start_wal)"
    echo "base_timeline=$(kv "$info" timeline)"
    echo "newest_wal=$newest_wal"
    if [ -n "$newest_wal_at" ]; then echo "newest_wal_at=$newest_wal_at"; fi
    echo "target=${target:-latest}"

    # The archived WAL after the base backup's end, in WAL order. The backup holds its own WAL up
    # to its end, so what is replayed from the archive starts with the segment its end is in.
    if [ "${PGSTACK_PLAN_WAL_CHECK:-1}" = 0 ]; then
      echo "wal_check=skipped"
      exit 0
    fi
    end_lsn=$(kv "$info" end_lsn)
    case $end_lsn in
      */*) from=$((0x${end_lsn%/*} * 256 + 0x${end_lsn#*/} / 16777216)) ;;
      *) position "$(kv "$info" start_wal)"; from=$pos ;;
    esac
    segments=$(for f in "$src"/wal/*; do
      n=${f##*/}
      if is_segment "$n"; then position "$n"; echo "$pos $n"; fi
    done | sort -n)
    # For a target time, the segments up to the first one archived after it are certainly
    # replayed; later ones perhaps (a segment archived late, after an outage, still holds older
    # WAL), so a problem there is reported, and restore-wal.sh stops the restore if it is reached.
    needed=yes
    expect=$from
    previous=""
    checked=0
    while read -r p n; do
      if [ -z "$p" ] || [ "$p" -lt "$from" ]; then continue; fi
      problem=""
      if [ "$p" -gt "$expect" ]; then
        after=${previous:-"the end of base backup $chosen"}
        problem="archived WAL has a gap: no segment follows $after (the next archived one is $n)"
      elif ! intact "$n"; then
        problem="archived WAL segment $n is corrupted: its checksum no longer matches $n.sum, written when it was archived"
      fi
      checked=$((checked + 1))
      if [ -n "$problem" ]; then
        if [ -n "$previous" ]; then reach="the end of $previous (archived at $(archived_at "$previous"))"; else reach="the end of base backup $chosen"; fi
        if [ "$needed" = yes ]; then
          fail "$problem; a restore can reach only $reach: set restore.targetTime before that, or put an intact copy of the segment back"
        fi
        echo "note=$problem; a restore to $target replays it only if the target lies beyond it, and then fails naming it"
        break
      fi
      if [ -n "$target" ] && [ "$needed" = yes ]; then
        if ! epoch_iso "$(archived_at "$n")" || [ "$epoch" -gt "$target_s" ]; then needed=perhaps; fi
      fi
      previous=$n
      if [ "$p" -ge "$expect" ]; then expect=$((p + 1)); fi
    done <<SEGMENTS
$segments
SEGMENTS
    echo "wal_checked=$checked"
    ;;
  dump)
    db="$3"
    dump="$4"
    if [ "$dump" = latest ]; then
      newest=""
      for f in "$src/dumps/$db"/*.dump; do
        if [ -f "$f" ]; then newest=${f##*/}; fi
      done
      [ -n "$newest" ] || fail "no dump of database $db in $src/dumps/$db"
      dump="dumps/$db/$newest"
    fi
    [ -f "$src/$dump" ] || fail "dump $dump does not exist in $src"
    pg_restore -l "$src/$dump" >/dev/null 2>&1 || fail "dump $dump is corrupted or not a pg_dump -Fc archive (pg_restore -l rejects it)"
    echo "dump=$dump"
    ;;
  *)
    fail "unknown mode $mode (base or dump)"
    ;;
esac
