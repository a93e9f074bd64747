#!/usr/bin/env bash
# Docker hosts for tests, on one machine: host hN is a dockerd in its own network namespace
# (pgs-hN), joined by a veth pair to a bridge this script makes (pgsbr0, 10.231.0.1/24) at the
# address 10.231.0.(10+N), with its own socket, data root, exec root and pidfile. The machine's
# own Docker engine is never stopped or touched: it only lends its local images (docker save).
#
#   test-hosts.sh up N [--user PID] [IMAGE...]  make h1..hN (idempotent), load IMAGE... into each
#                                                (cached: an image a host has is not loaded again);
#                                                print one line per host; PID is recorded as a user
#   test-hosts.sh release PID                    forget that user; the last one out takes the hosts down
#   test-hosts.sh down [--purge]                 remove everything this script made: the hosts'
#                                                containers, volumes and networks, their dockerds,
#                                                namespaces, links, the bridge and its firewall rule
#                                                (--purge: the data roots, the image cache, too)
#   test-hosts.sh cut NAME | uncut NAME           take NAME's link down (a network partition) / up
#   test-hosts.sh stop NAME [--engine-only]      power NAME off: kill -9 its containers and its
#                                                engine (--engine-only: the engine, containers run on)
#   test-hosts.sh start NAME                     start NAME's engine again
#   test-hosts.sh status                         one line per host
#
# Needs root, iproute2 (ip), util-linux (nsenter, flock, setsid) and docker.io (dockerd, docker).
# Traffic goes only to the addresses made here. Everything is under one lock: several test
# files (or processes) may call it at once.
set -euo pipefail

BRIDGE=pgsbr0
NET=10.231.0
RUN=/run/pgstack-test-hosts
LIB=${PGSTACK_TEST_HOSTS_DIR:-/var/lib/pgstack-test-hosts}
MAX_HOSTS=9
FW_COMMENT=pgstack-test-hosts

say() { echo "test-hosts: $*" >&2; }
die() { say "$*"; exit 1; }

usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 64; }

host_index() { [[ $1 =~ ^h([1-9])$ ]] || die "no test host named $1 (h1..h$MAX_HOSTS)"; echo "${BASH_REMATCH[1]}"; }
netns_of() { echo "pgs-$1"; }
link_of() { echo "pgs-$1-br"; }
address_of() { echo "$NET.$((10 + $(host_index "$1")))"; }
socket_of() { echo "$RUN/$1/docker.sock"; }
hdocker() { local h=$1; shift; docker -H "unix://$(socket_of "$h")" "$@"; }
answers() { [ -S "$(socket_of "$1")" ] && timeout 10 docker -H "unix://$(socket_of "$1")" version --format '{{.Server.Version}}' >/dev/null 2>&1; }
# A pid file outlives its process, and pids are reused (pid_max is 32768 here): a pid read from
# one is trusted only while /proc shows the process this script started (its command line names
# the host's own socket or exec root), so a stale file can never kill another process.
own_pid() {
  local pid=$1 mark=$2
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$mark" && echo "$pid"
  return 0
}
dockerd_pid() { own_pid "$(cat "$RUN/$1/docker.pid" 2>/dev/null || true)" "$(socket_of "$1")"; }
containerd_pid() { own_pid "$(cat "$RUN/$1/exec/containerd/containerd.pid" 2>/dev/null || true)" "$RUN/$1/exec/containerd"; }
# The processes in a test host's network namespace, never one in the machine's own (a missing or
# broken namespace file must not turn into "every process").
netns_pids() {
  local root p; root=$(readlink /proc/1/ns/net)
  for p in $(ip netns pids "$(netns_of "$1")" 2>/dev/null); do
    [ "$(readlink "/proc/$p/ns/net" 2>/dev/null)" != "$root" ] && echo "$p"
  done
  return 0
}
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

need_tools() {
  [ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, a bridge, dockerds)"
  if ! command -v ip >/dev/null 2>&1; then
    say "installing iproute2"
    { apt-get install -y -qq iproute2 >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iproute2 >/dev/null; }; } || die "cannot install iproute2"
  fi
  for tool in nsenter flock setsid dockerd docker iptables; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (util-linux, docker.io); scripts/docker-engine.sh installs docker.io"
  done
}

# The bridge, and the one firewall rule bridged traffic between the hosts needs (the machine's
# engine sets FORWARD to DROP and has bridges call iptables).
ensure_bridge() {
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    if ip -4 -o addr show | awk '{print $2, $4}' | grep -v "^$BRIDGE " | grep -q " $NET\."; then
      die "$NET.0/24 is already in use on this machine; the test hosts need it"
    fi
    ip link add "$BRIDGE" type bridge
    ip addr add "$NET.1/24" dev "$BRIDGE"
  fi
  ip link set "$BRIDGE" up
  if ! iptables -C FORWARD -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "$FW_COMMENT" -j ACCEPT 2>/dev/null; then
    iptables -I FORWARD 1 -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "$FW_COMMENT" -j ACCEPT
  fi
}

ensure_netns() {
  local h=$1 ns link addr
  ns=$(netns_of "$h"); link=$(link_of "$h"); addr=$(address_of "$h")
  [ -e "/var/run/netns/$ns" ] || ip netns add "$ns"
  if ! ip link show "$link" >/dev/null 2>&1; then
    ip link add "$link" type veth peer name "pgs-$h-ns"
    ip link set "pgs-$h-ns" netns "$ns"
    ip -n "$ns" link set "pgs-$h-ns" name eth0
    ip link set "$link" master "$BRIDGE"
  fi
  ip link set "$link" up
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up
  ip -n "$ns" -4 addr show dev eth0 | grep -q " $addr/" || ip -n "$ns" addr add "$addr/24" dev eth0
  # No default route: a test host reaches the bridge's subnet and nothing else.
}

start_engine() {
  local h=$1 i dir
  i=$(host_index "$h"); dir="$RUN/$h"
  answers "$h" && return 0
  local old; old=$(dockerd_pid "$h")
  if alive "$old"; then kill -9 "$old" 2>/dev/null || true; fi
  mkdir -p "$dir/exec" "$LIB/$h"
  # Its own (empty) daemon.json: the machine's /etc/docker/daemon.json is the default engine's.
  echo '{}' > "$dir/daemon.json"
  rm -f "$(socket_of "$h")"
  # nsenter, not `ip netns exec` (which remounts /sys, and dockerd then finds no devices cgroup).
  setsid nsenter --net="/var/run/netns/$(netns_of "$h")" dockerd \
    --config-file "$dir/daemon.json" \
    --data-root "$LIB/$h" --exec-root "$dir/exec" --pidfile "$dir/docker.pid" \
    -H "unix://$(socket_of "$h")" \
    --bip "10.232.$i.1/24" --default-address-pool "base=10.233.$((16 * i)).0/20,size=26" \
    --containerd-namespace "pgs-$h" --containerd-plugins-namespace "pgs-$h-plugins" \
    >>"$LIB/$h.log" 2>&1 </dev/null 9>&- &
  for _ in $(seq 1 60); do
    answers "$h" && return 0
    sleep 1
  done
  tail -n 20 "$LIB/$h.log" >&2
  die "the engine of $h did not answer within 60 s (log: $LIB/$h.log)"
}

# One `docker save` of the requested images, kept as long as the images are the same.
load_images() {
  local n=$1; shift
  [ $# -gt 0 ] || return 0
  local ids key tar missing h
  ids=$(for img in "$@"; do docker image inspect --format '{{.Id}}' "$img" || die "image $img is not on the machine's engine (scripts/build-images.sh builds the local ones)"; done)
  key=$(printf '%s\n' "$@" "$ids" | sha256sum | cut -c1-12)
  tar="$LIB/images-$key.tar"
  for i in $(seq 1 "$n"); do
    h="h$i"; missing=0
    for img in "$@"; do
      [ "$(hdocker "$h" image inspect --format '{{.Id}}' "$img" 2>/dev/null || true)" = "$(docker image inspect --format '{{.Id}}' "$img")" ] || missing=1
    done
    [ "$missing" -eq 1 ] || continue
    if [ ! -f "$tar" ]; then
      say "saving $* from the machine's engine (once)"
      find "$LIB" -maxdepth 1 -name 'images-*.tar' -delete
      docker save "$@" -o "$tar.tmp" && mv "$tar.tmp" "$tar"
    fi
    say "loading the images into $h"
    hdocker "$h" load -q -i "$tar" >/dev/null
  done
}

describe() {
  local h=$1 state=down link
  link=$(ip link show "$(link_of "$h")" 2>/dev/null | grep -q 'state UP\|,UP' && echo up || echo cut)
  answers "$h" && state=up
  echo "host $h docker=unix://$(socket_of "$h") address=$(address_of "$h") netns=$(netns_of "$h") link=$(link_of "$h") engine=$state network=$link"
}

cmd_up() {
  local n=${1:-}; shift || true
  [[ $n =~ ^[1-9]$ ]] || die "up needs a number of hosts from 1 to $MAX_HOSTS"
  local user="" images=()
  while [ $# -gt 0 ]; do
    case $1 in
      --user) user=$2; shift 2 ;;
      *) images+=("$1"); shift ;;
    esac
  done
  mkdir -p "$RUN/users" "$LIB"
  [ -z "$user" ] || touch "$RUN/users/$user"
  ensure_bridge
  for i in $(seq 1 "$n"); do
    ensure_netns "h$i"
    start_engine "h$i"
  done
  load_images "$n" "${images[@]}"
  for i in $(seq 1 "$n"); do describe "h$i"; done
}

stop_engine() {
  local h=$1 pid
  pid=$(dockerd_pid "$h")
  if alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do alive "$pid" || break; sleep 1; done
  fi
  # Whatever still runs in the namespace (a killed engine's containerd, shims, docker-proxy).
  local ns; ns=$(netns_of "$h")
  if [ -e "/var/run/netns/$ns" ]; then
    for p in $(netns_pids "$h"); do kill -9 "$p" 2>/dev/null || true; done
  fi
}

unmount_under() {
  local dir=$1 m
  for m in $(awk -v d="$dir/" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r); do umount -l "$m" 2>/dev/null || true; done
}

cmd_down() {
  local purge=0
  [ "${1:-}" != "--purge" ] || purge=1
  local h
  for dir in "$RUN"/h[1-9] "/var/run/netns"/pgs-h[1-9]; do
    [ -e "$dir" ] || continue
    h=$(basename "$dir"); h=${h#pgs-}
    [ -n "${seen_hosts:-}" ] && [[ " $seen_hosts " == *" $h "* ]] && continue
    seen_hosts="${seen_hosts:-} $h"
    if answers "$h"; then
      # Everything on these engines was made by tests on them.
      local containers; containers=$(hdocker "$h" ps -aq)
      [ -z "$containers" ] || hdocker "$h" rm -f -v $containers >/dev/null 2>&1 || true
      local volumes; volumes=$(hdocker "$h" volume ls -q)
      [ -z "$volumes" ] || hdocker "$h" volume rm -f $volumes >/dev/null 2>&1 || true
      hdocker "$h" network prune -f >/dev/null 2>&1 || true
    fi
    stop_engine "$h"
    unmount_under "$RUN/$h"
    unmount_under "$LIB/$h"
    ip link del "$(link_of "$h")" 2>/dev/null || true
    [ ! -e "/var/run/netns/$(netns_of "$h")" ] || ip netns del "$(netns_of "$h")"
    rm -rf "${RUN:?}/$h"
    say "removed $h"
  done
  while iptables -D FORWARD -i "$BRIDGE" -o "$BRIDGE" -m comment --comment "$FW_COMMENT" -j ACCEPT 2>/dev/null; do :; done
  if ip link show "$BRIDGE" >/dev/null 2>&1; then ip link del "$BRIDGE"; fi
  rm -rf "$RUN"
  if [ "$purge" -eq 1 ]; then
    unmount_under "$LIB"
    rm -rf "$LIB"
    say "removed the data roots and the image cache ($LIB)"
  fi
}

cmd_release() {
  local user=${1:-}
  [ -n "$user" ] || die "release needs the PID given to up --user"
  rm -f "$RUN/users/$user"
  local left=0
  for f in "$RUN"/users/*; do
    [ -e "$f" ] || continue
    if alive "$(basename "$f")"; then left=$((left + 1)); else rm -f "$f"; fi
  done
  if [ "$left" -eq 0 ]; then cmd_down; else say "$left other user(s) still use the test hosts: left up"; fi
}

cmd_stop() {
  local h=$1 mode=${2:-}
  host_index "$h" >/dev/null
  local pids=""
  if [ "$mode" != "--engine-only" ] && answers "$h"; then
    local ids; ids=$(hdocker "$h" ps -q)
    [ -z "$ids" ] || pids=$(hdocker "$h" inspect --format '{{.State.Pid}}' $ids)
  fi
  local engine containerd
  engine=$(dockerd_pid "$h")
  containerd=$(containerd_pid "$h")
  # The engine first, so it sees none of its containers die; then, for a power-off, everything.
  for p in $engine $containerd; do kill -9 "$p" 2>/dev/null || true; done
  if [ "$mode" != "--engine-only" ]; then
    for p in $pids; do [ "$p" = 0 ] || kill -9 "$p" 2>/dev/null || true; done
    for p in $(netns_pids "$h"); do kill -9 "$p" 2>/dev/null || true; done
  fi
  for _ in $(seq 1 20); do alive "$engine" || break; sleep 0.5; done
  say "stopped $h${mode:+ ($mode)}"
}

main() {
  local cmd=${1:-}; shift || true
  case $cmd in
    up|down|release|cut|uncut|stop|start|status) ;;
    *) usage ;;
  esac
  need_tools
  mkdir -p "$(dirname "$RUN")"
  exec 9>"$RUN.lock"
  flock 9
  case $cmd in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    release) cmd_release "$@" ;;
    cut) ip link set "$(link_of "$1")" down; say "cut $1 off the bridge" ;;
    uncut) ip link set "$(link_of "$1")" up; say "joined $1 to the bridge again" ;;
    stop) cmd_stop "$@" ;;
    start) host_index "$1" >/dev/null; start_engine "$1"; describe "$1" ;;
    status) for dir in "$RUN"/h[1-9]; do [ -e "$dir" ] && describe "$(basename "$dir")"; done; true ;;
  esac
}

main "$@"
