#!/bin/sh
# Stands in for a backup job under the scheduler test: records its name and the fake time, and
# moves the clock on by $FAKE_DIR/duration-<name> seconds (a long run), if set.
. "$FAKE_DIR/_lib.sh"
name=$1
echo "$name $("$FAKE_DIR/../bin/date" -u +%Y-%m-%dT%H:%M:%SZ)" >> "$FAKE_DIR/runs"
if [ -f "$FAKE_DIR/duration-$name" ]; then
  while ! mkdir "$FAKE_DIR/clock.lock" 2>/dev/null; do :; done
  echo $(( $(cat "$FAKE_DIR/clock") + $(cat "$FAKE_DIR/duration-$name") )) > "$FAKE_DIR/clock"
  rmdir "$FAKE_DIR/clock.lock"
fi
