#!/bin/sh
# Runs the daemons of one host in a container: its WatchDog, and its SuperWatchDog when the host is in
# the ring. `checkpoint-server` as the first argument runs the Checkpoint Server instead, `rmctl …`
# runs rmctl. rmd and rmctl are on the image's PATH (/usr/local/bin, linked to /app/bin).
set -eu
cfg=${RM_CONFIG:-/app/deploy/docker/cluster.yaml}
if [ "${1:-}" = "checkpoint-server" ]; then
  exec rmd checkpoint-server --config "$cfg" --host CS
fi
if [ "${1:-}" = "rmctl" ]; then
  shift
  exec rmctl "$@"
fi
host=${RM_HOST:?RM_HOST names this host}
rmd watchdog --config "$cfg" --host "$host" &
pids=$!
if grep -Eq "^ring: \[.*\b$host\b" "$cfg"; then
  rmd super-watchdog --config "$cfg" --host "$host" &
  pids="$pids $!"
fi
trap 'kill -TERM $pids 2>/dev/null' TERM INT
# The host is down as soon as one of its daemons is: the container then stops (docker restarts it).
wait -n 2>/dev/null || wait
kill -TERM $pids 2>/dev/null || true
wait
