#!/bin/sh
# Stands in for a backup job under the scheduler test (which reads the scheduler's own log to see
# what ran when): moves the clock on by $FAKE_DIR/duration-<name> seconds (a long run), if set.
. "$FAKE_DIR/_lib.sh"
name=$1
if [ -f "$FAKE_DIR/duration-$name" ]; then
  while ! mkdir "$FAKE_DIR/clock.lock" 2>/dev/null; do :; done
  echo $(( $(cat "$FAKE_DIR/clock") + $(cat "$FAKE_DIR/duration-$name") )) > "$FAKE_DIR/clock"
  rmdir "$FAKE_DIR/clock.lock"
fi
