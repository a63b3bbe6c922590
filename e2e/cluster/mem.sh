#!/usr/bin/env bash
# The running cluster's memory, in MiB: the resident memory of its daemons (everything in a node's
# mount namespace: etcd, the control plane, containerd and its shims, kubelet, kube-proxy) plus what
# its pods' cgroups hold. With --peak SECONDS it samples every 2 s and prints the highest total.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

sample() {
  local node p rss=0 pods=0 cg
  for node in "${NODES[@]}"; do
    for p in $(node_procs "$node"); do
      rss=$((rss + $(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)))
    done
    cg=/sys/fs/cgroup/memory$(cgroup_base)/$node/kubepods
    [ -f "$cg/memory.stat" ] && pods=$((pods + $(awk '$1 == "total_rss" { print int($2 / 1024) }' "$cg/memory.stat")))
  done
  echo "$((rss / 1024)) $((pods / 1024))"
}

if [ "${1:-}" = --peak ]; then
  peak=0 best=""
  end=$(( $(date +%s) + ${2:-60} ))
  while [ "$(date +%s)" -lt "$end" ]; do
    read -r d p < <(sample)
    [ $((d + p)) -gt "$peak" ] && { peak=$((d + p)); best="daemons $d MiB + pods $p MiB"; }
    sleep 2
  done
  echo "peak $peak MiB ($best)"
else
  read -r d p < <(sample)
  echo "$((d + p)) MiB (daemons $d MiB + pods $p MiB)"
fi
