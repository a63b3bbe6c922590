#!/usr/bin/env bash
# Stops the test cluster and removes every process, namespace, mount, link, cgroup, file and
# iptables rule up.sh made, then checks that nothing is left (check.sh). Safe to run twice, and
# after a cluster-up that failed half-way.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || die "run as root"

K8S_BIN=$(module_bin kubernetes)
CG=$(cat "$E2E_RUN/cgroup" 2>/dev/null || cgroup_base)

stop_pids() { # signal pids...
  local sig=$1; shift
  [ $# -gt 0 ] && kill "-$sig" "$@" 2>/dev/null
  return 0
}
# Every process of a node: the daemons and shims share its mount namespace; containers sit in its cgroups.
node_pids() {
  local node=$1
  node_procs "$node"
  [ -d "/sys/fs/cgroup/pids$CG/$node" ] && find "/sys/fs/cgroup/pids$CG/$node" -name cgroup.procs -exec cat {} + 2>/dev/null
  return 0
}

if [ -d "$E2E_RUN" ]; then
  log "cluster-down: stopping pods, then daemons"
  # Pods first, through the runtime, so CNI DEL runs while the plugins and daemons are still there.
  for node in "${NODES[@]}"; do
    if [ -S "$(node_dir "$node")/root/run/containerd/containerd.sock" ] && [ -x "$(module_bin cri-tools)/crictl" ]; then
      [ -f "$E2E_RUN/pids/kubelet-$node.pid" ] && stop_pids TERM "$(cat "$E2E_RUN/pids/kubelet-$node.pid")"
      timeout 60 nsenter --net="/run/netns/$(node_ns "$node")" --mount="$(node_mnt "$node")" -- \
        "$(module_bin cri-tools)/crictl" -r unix:///run/containerd/containerd.sock rmp -fa > /dev/null 2>&1 || true
    fi
  done
  for f in "$E2E_RUN"/pids/*.pid; do [ -f "$f" ] && stop_pids TERM "$(cat "$f")"; done
  sleep 2
  for f in "$E2E_RUN"/pids/*.pid; do [ -f "$f" ] && stop_pids KILL "$(cat "$f")"; done
  for node in "${NODES[@]}"; do
    for i in 1 2 3 4 5; do
      mapfile -t pids < <(node_pids "$node")
      [ ${#pids[@]} -eq 0 ] && break
      stop_pids KILL "${pids[@]}"
      sleep 1
    done
  done
  for node in "${NODES[@]}"; do umount "$(node_mnt "$node")" 2>/dev/null; done
  umount "$E2E_RUN/mnt" 2>/dev/null
fi

log "cluster-down: namespaces, cgroups, files"
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$NS_PREFIX-"); do ip netns del "$ns"; done
for sub in "${CGROUP_SUBSYSTEMS[@]}" unified; do
  d=/sys/fs/cgroup/$sub$CG
  [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
done
if [ -f "$E2E_RUN/sysctl.saved" ]; then
  while IFS= read -r kv; do sysctl -qw "$kv" || true; done < "$E2E_RUN/sysctl.saved"
fi
if [ -f "$E2E_RUN/mountpoints.created" ]; then
  while IFS= read -r top; do [ -d "$top" ] && find "$top" -depth -type d -empty -delete; done < "$E2E_RUN/mountpoints.created"
fi
rm -rf "$E2E_RUN"
bash "$E2E_DIR/check.sh"
