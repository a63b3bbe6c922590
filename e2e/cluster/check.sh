#!/usr/bin/env bash
# Fails, naming each leftover, when anything of the test cluster is still on the machine: run by
# down.sh after it has removed everything, and usable on its own.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

left=()
for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$NS_PREFIX-"); do left+=("network namespace $ns"); done
[ -e "$E2E_RUN" ] && left+=("directory $E2E_RUN")
while read -r m; do left+=("mount $m"); done < <(awk -v r="$E2E_RUN" 'index($5, r) == 1 { print $5 }' /proc/self/mountinfo)
for p in /proc/[0-9]*; do
  cmd=$( { tr "\\0" " " < "$p/cmdline"; } 2>/dev/null) || continue
  case "$cmd" in
    *"$E2E_RUN"*|*containerd-shim*) left+=("process ${p#/proc/}: ${cmd:0:120}") ;;
  esac
done
for sub in "${CGROUP_SUBSYSTEMS[@]}" unified; do
  d=/sys/fs/cgroup/$sub$(cgroup_base)
  [ -d "$d" ] && left+=("cgroup $d")
done
# Links the cluster made are created in its namespaces; none may appear in the machine's.
while read -r l; do left+=("link $l in the machine's namespace"); done < <(ip -o link show | awk -F': ' '{print $2}' | grep -E '^(lan[01]|n[0-9]+-eth[01]|cni0|flannel\.|veth)' )
for t in nat filter; do
  while read -r c; do left+=("iptables $t chain $c in the machine's namespace"); done < <(iptables-legacy -t "$t" -S 2>/dev/null | awk '$1 == "-N" && $2 ~ /^(KUBE-|FLANNEL|CNI-|MULTINET-)/ { print $2 }')
done
for h in "${NODE_HOST_DIRS[@]}"; do
  [ -d "/$h" ] && [ -n "$(ls -A "/$h" 2>/dev/null | grep -E 'multinet|multus|e2e-bridge|flannel' )" ] && left+=("files of the cluster in /$h")
done

if [ ${#left[@]} -gt 0 ]; then
  printf 'left behind by the test cluster:\n' >&2
  printf '  %s\n' "${left[@]}" >&2
  exit 1
fi
log "check: nothing of the test cluster is left on this machine"
