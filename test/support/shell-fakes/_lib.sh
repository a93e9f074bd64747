# Sourced by the fakes: the host's own tools first (the scripts under test get only the sandbox's
# bin), and the fault a test asked for, if any: $FAKE_DIR/faults/<tool> holds a mode word.
PATH=/usr/local/bin:/usr/bin:/bin
export PATH
fault() { cat "$FAKE_DIR/faults/$1" 2>/dev/null || :; }
# kill_job: what `kill -9` of the running backup job does (no trap runs), then this process dies too.
kill_job() {
  for pid in "$PGSTACK_RUN"/*.lock/pid; do
    [ -f "$pid" ] && kill -9 "$(cat "$pid")" 2>/dev/null
  done
  kill -9 $$
}
note() { echo "$*" >> "$FAKE_DIR/calls"; }
