#!/usr/bin/env bash
# Plays a fault on one of the running cluster's daemons, as the E2E tier does:
#   node.sh stop|start|restart NAME     NAME as in logs/: kubelet-node1, containerd-node2, etcd-flannel, ...
# stop sends TERM and waits for the process to end; start runs it again with the command up.sh gave it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
action=$1 name=$2
pidfile=$E2E_RUN/pids/$name.pid
[ -f "$E2E_RUN/cmds/$name" ] || die "no daemon $name in $E2E_RUN/cmds"

stop() {
  local pid i
  pid=$(cat "$pidfile" 2>/dev/null) || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 60; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
}
start() {
  local -a cmd
  eval "cmd=($(cat "$E2E_RUN/cmds/$name"))"
  local node=${cmd[0]}
  launch "$name" "$node" "${cmd[@]:1}"
  # back only once it serves again, as a restarted systemd unit would be waited for
  local i
  for ((i = 0; i < 120; i++)); do
    kill -0 "$(cat "$pidfile" 2>/dev/null)" 2>/dev/null || { sleep 0.5; continue; }
    serving "$node" && return 0
    sleep 0.5
  done
  die "$name does not serve again after 60s"
}
serving() {
  local in=(nsenter --net="/run/netns/$(node_ns "$1")" --mount="$(node_mnt "$1")" --)
  case $name in
    containerd-*) "${in[@]}" ctr --address /run/containerd/containerd.sock version > /dev/null 2>&1 ;;
    kubelet-*) "${in[@]}" curl -sf http://127.0.0.1:10248/healthz > /dev/null ;;
    etcd-flannel) "${in[@]}" curl -sf --cacert "$E2E_RUN/pki/ca.crt" --cert "$E2E_RUN/pki/etcd-flannel-client.crt" \
      --key "$E2E_RUN/pki/etcd-flannel-client.key" "$FLANNEL_ETCD_URL/health" > /dev/null ;;
    *) true ;;
  esac
}
case $action in
  stop) stop ;;
  start) start ;;
  restart) stop; start ;;
  *) die "usage: node.sh stop|start|restart NAME" ;;
esac
log "$name: $action done"
