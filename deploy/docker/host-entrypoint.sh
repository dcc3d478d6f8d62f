#!/bin/sh
# Runs the daemons of one host in a container: its WatchDog, and its SuperWatchDog when the host is in
# the ring. `checkpoint-server` as the first argument runs the Checkpoint Server instead.
set -eu
cfg=${RM_CONFIG:-/app/deploy/docker/cluster.yaml}
if [ "${1:-}" = "checkpoint-server" ]; then
  exec node /app/bin/rmd.js checkpoint-server --config "$cfg" --host CS
fi
if [ "${1:-}" = "rmctl" ]; then
  shift
  exec node /app/bin/rmctl.js "$@"
fi
host=${RM_HOST:?RM_HOST names this host}
node /app/bin/rmd.js watchdog --config "$cfg" --host "$host" &
pids=$!
if grep -Eq "^ring: \[.*\b$host\b" "$cfg"; then
  node /app/bin/rmd.js super-watchdog --config "$cfg" --host "$host" &
  pids="$pids $!"
fi
trap 'kill -TERM $pids 2>/dev/null' TERM INT
# The host is down as soon as one of its daemons is: the container then stops (docker restarts it).
wait -n 2>/dev/null || wait
kill -TERM $pids 2>/dev/null || true
wait
