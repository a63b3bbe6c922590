# The test ground's names, addresses and paths: one place, sourced by every script here.
# Nothing of the cluster lives in the machine's own network namespace: the nodes and the admin
# side ("fabric", which holds the two shared links) are network namespaces of their own.

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$E2E_DIR/../.." && pwd)

# Built binaries and images, per machine, keyed by what they were built from (never in git).
E2E_CACHE=${MULTINET_E2E_CACHE:-/var/cache/multinet-e2e}
# The running cluster's state: certificates, kubeconfigs, logs, each node's host directories.
E2E_RUN=${MULTINET_E2E_RUN:-/var/tmp/multinet-e2e}

K8S_VERSION=v1.34.4
NS_PREFIX=mne2e
FABRIC_NS=$NS_PREFIX-fabric
NODES=(node1 node2)
# The two links every node has, like the seed's two NICs: eth0 on lan0, eth1 on lan1.
LAN0_PREFIX=10.77.0
LAN1_PREFIX=10.78.0
FABRIC_HOST=254
APISERVER_IP=$LAN0_PREFIX.1
APISERVER_URL=https://$APISERVER_IP:6443
SERVICE_CIDR=10.96.0.0/16
KUBERNETES_SERVICE_IP=10.96.0.1
CLUSTER_CIDR=172.96.0.0/16
# pods' range per node (.<node index>.0/24) before multinet provides the default network
BOOTSTRAP_PREFIX=10.244
# etcd for flannel networks in etcd mode (TLS, client certificates: pki/etcd-flannel-client.*)
FLANNEL_ETCD_PORT=2479
FLANNEL_ETCD_URL=https://$LAN0_PREFIX.1:$FLANNEL_ETCD_PORT

ADMIN_KUBECONFIG=$E2E_RUN/admin.kubeconfig
# The node's host directories that pods and plugins write: each node gets its own copy,
# bind-mounted in the node's mount namespace, so two kubelets on one machine share none.
NODE_HOST_DIRS=(etc/cni/net.d opt/cni/bin var/lib/kubelet run/flannel var/lib/cni run/multinet
  var/lib/multinet var/lib/containerd run/containerd var/log/pods var/log/containers etc/kubernetes
  run/netns run/multus run/k8s.cni.cncf.io etc/cni/multus)

# Images imported into every node's containerd under the names the manifests use.
PAUSE_IMAGE=registry.k8s.io/pause:3.10
BUSYBOX_IMAGE=docker.io/library/busybox:1.35
FLANNEL_IMAGE=ghcr.io/flannel-io/flannel:v0.28.9
MULTINET_IMAGE=ghcr.io/multinet-io/multinet:0.1.0
# Multus v4.3 as built from e2e/cluster/modules/multus, one image under the two tags its manifests use.
MULTUS_THICK_IMAGE=ghcr.io/k8snetworkplumbingwg/multus-cni:snapshot-thick
MULTUS_THIN_IMAGE=ghcr.io/k8snetworkplumbingwg/multus-cni:snapshot
# OLM v0 as built from e2e/cluster/modules/olm (olm, catalog, cpb, opm), and a file-based catalog of
# multinet's bundle (0.1.0, and 0.1.1 that replaces it), for OlmE2E.
OLM_IMAGE=quay.io/operator-framework/olm:v0.36.0
CATALOG_IMAGE=ghcr.io/multinet-io/multinet-catalog:e2e

node_ns() { echo "$NS_PREFIX-$1"; }
node_index() { local i; for i in "${!NODES[@]}"; do [ "${NODES[$i]}" != "$1" ] || echo $((i + 1)); done; }
node_ip() { echo "$LAN0_PREFIX.$(node_index "$1")"; }
node_ip1() { echo "$LAN1_PREFIX.$(node_index "$1")"; }
node_dir() { echo "$E2E_RUN/nodes/$1"; }
node_mnt() { echo "$E2E_RUN/mnt/$1"; }
# Enters a node: its network and mount namespaces (not `ip netns exec`, which remounts /sys and
# hides the cgroup mounts kubelet and runc need).
in_node() { local n=$1; shift; nsenter --net="/run/netns/$(node_ns "$n")" --mount="$(node_mnt "$n")" -- "$@"; }
in_fabric() { nsenter --net="/run/netns/$FABRIC_NS" -- "$@"; }
# launch NAME NODE CMD...: a daemon in a node's namespaces, in its own session, appending to
# logs/NAME.log; the shell records its own pid and then becomes the daemon, so pids/NAME.pid names it.
launch() {
  local name=$1 node=$2; shift 2
  setsid nsenter --net="/run/netns/$(node_ns "$node")" --mount="$(node_mnt "$node")" -- \
    sh -c 'echo $$ > "$0"; exec "$@"' "$E2E_RUN/pids/$name.pid" "$@" >> "$E2E_RUN/logs/$name.log" 2>&1 < /dev/null &
}
# The pids of a node's daemons and shims: every process in its mount namespace.
node_procs() {
  local ino p
  ino=$(stat -L -c %i "$(node_mnt "$1")" 2>/dev/null) || return 0
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "mnt:[$ino]" ] && echo "${p#/proc/}"
  done
  return 0
}

# The cgroup under which each node's kubelet puts its pods: below the memory cgroup this run is
# in, so the machine's limits still hold, and one per node so the two kubelets never meet.
cgroup_base() {
  local mem
  mem=$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
  [ "$mem" = "/" ] && mem=""
  echo "$mem/$NS_PREFIX"
}
CGROUP_SUBSYSTEMS=(cpu cpuacct cpuset memory devices freezer blkio pids systemd hugetlb net_cls net_prio perf_event)

# E2E_ENV: what the Java side of the test ground (TestCluster) reads to find the running cluster,
# its tools and its images; for `env "${E2E_ENV[@]}" ...` (e2e/run, bench/multus-real).
e2e_env() {
  local olm multus
  olm=$(cd "$E2E_DIR/modules/olm" && go list -m -f '{{.Dir}}' github.com/operator-framework/operator-lifecycle-manager)
  multus=$(cd "$E2E_DIR/modules/multus" && go list -m -f '{{.Dir}}' gopkg.in/k8snetworkplumbingwg/multus-cni.v4)
  E2E_ENV=(MULTINET_E2E_KUBECONFIG="$ADMIN_KUBECONFIG" MULTINET_E2E_KUBECTL="$(module_bin kubernetes)/kubectl"
    MULTINET_E2E_FLANNEL_CNI="$(module_bin cni-flannel)/flannel" MULTINET_E2E_OLM="$(module_bin olm)"
    MULTINET_E2E_OLM_CRDS="$olm/deploy/chart/crds" MULTINET_E2E_MULTUS="$multus/deployments"
    MULTINET_E2E_OLM_IMAGE="$OLM_IMAGE" MULTINET_E2E_CATALOG_IMAGE="$CATALOG_IMAGE" MULTINET_E2E_FLANNEL_ETCD="$FLANNEL_ETCD_URL"
    MULTINET_E2E_NODES="${NODES[*]}" MULTINET_E2E_BUSYBOX="$BUSYBOX_IMAGE" MULTINET_E2E_NS_PREFIX="$NS_PREFIX")
}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# The cache directory of one built component: build.sh points bin/<module> at the build of the
# current pins (bin/<module>-<key>, the key a hash of go.mod, go.sum, the Go version and the flags).
module_bin() { echo "$E2E_CACHE/bin/$1"; }

# The classes the node daemon loads serving CNI, as the JVM lists them (-XX:DumpLoadedClassList):
# NodeDaemonIT writes target/node.classlist while it runs the daemon through ADD, CHECK and DEL with
# the real plugins. It is the training run of the node's class data archive (issue 20), which the
# image (images/build.sh) and `make bench` dump from it. Made here when the tests have not made it for
# the built application; prints its path.
node_classlist() {
  local app="$REPO_DIR/target/quarkus-app" list="$REPO_DIR/target/node.classlist"
  if [ ! -s "$list" ] || [ -n "$(find "$app/app" -name '*.jar' -newer "$list")" ]; then
    log "node class list: NodeDaemonIT in a network namespace of its own"
    # the suite's own runner (.ci/test-in-netns), with that one test selected
    bash "$REPO_DIR/.ci/test-in-netns" multinet-classlist -q -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false \
      -Dit.test=NodeDaemonIT -Dfailsafe.failIfNoSpecifiedTests=false >&2 || die "NodeDaemonIT failed: no node class list"
    [ -s "$list" ] || die "NodeDaemonIT passed but wrote no $list"
  fi
  echo "$list"
}
