#!/usr/bin/env bash
# Makes sure a Docker engine answers: starts dockerd (installing docker.io first when absent)
# unless one already runs. CI machines are fresh, so the end-to-end suite cannot assume one.
set -euo pipefail

if docker info >/dev/null 2>&1; then
  exit 0
fi

if ! command -v dockerd >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "docker-engine: no Docker engine answers and dockerd is not installed; install Docker (or run this as root on Debian)" >&2
    exit 1
  fi
  echo "docker-engine: installing docker.io from Debian's packages" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "docker-engine: dockerd is installed but not running; start it (for example: sudo systemctl start docker)" >&2
  exit 1
fi

log=${PGSTACK_DOCKERD_LOG:-/var/log/pgstack-dockerd.log}
echo "docker-engine: starting dockerd (log: $log)" >&2
nohup dockerd >"$log" 2>&1 &

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    echo "docker-engine: ready" >&2
    exit 0
  fi
  sleep 1
done
echo "docker-engine: dockerd did not answer within 60 s; last lines of $log:" >&2
tail -n 20 "$log" >&2
exit 1
