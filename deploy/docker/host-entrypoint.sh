#!/bin/sh
# Runs the daemons of one host in a container: its WatchDog, and its SuperWatchDog when the host is in
# the ring. `checkpoint-server` as the first argument runs the Checkpoint Server instead, `rmctl …`
# runs rmctl. rmd and rmctl are on the image's PATH (/usr/local/bin, linked to /app/bin).
# With `backend: etcd` there is no single Checkpoint Server: one runs on each host whose address is in
# checkpointServer.addresses, beside its WatchDog, and `checkpoint-server` has nothing to run.
set -eu
cfg=${RM_CONFIG:-/app/deploy/docker/cluster.yaml}
etcd=false
grep -Eq '^  backend: etcd' "$cfg" && etcd=true
if [ "${1:-}" = "checkpoint-server" ]; then
  if $etcd; then
    echo "backend etcd: the Checkpoint Servers run on the hosts of checkpointServer.addresses; nothing to run here"
    exit 0
  fi
  exec rmd checkpoint-server --config "$cfg" --host CS
fi
if [ "${1:-}" = "rmctl" ]; then
  shift
  exec rmctl "$@"
fi
host=${RM_HOST:?RM_HOST names this host}
rmd watchdog --config "$cfg" --host "$host" &
pids=$!
address=$(sed -n "s/.*name: $host, address: \([0-9.]*\).*/\1/p" "$cfg")
if $etcd && grep -Eq "^  addresses: \[.*\b$address:" "$cfg"; then
  rmd checkpoint-server --config "$cfg" --host "$host" &
  pids="$pids $!"
fi
if grep -Eq "^ring: \[.*\b$host\b" "$cfg"; then
  rmd super-watchdog --config "$cfg" --host "$host" &
  pids="$pids $!"
fi
trap 'kill -TERM $pids 2>/dev/null' TERM INT
# The host is down as soon as one of its daemons is: the container then stops (docker restarts it).
wait -n 2>/dev/null || wait
kill -TERM $pids 2>/dev/null || true
wait
