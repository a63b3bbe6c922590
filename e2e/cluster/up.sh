#!/usr/bin/env bash
# Starts the two-node test cluster (see docs/testing.md): builds what the cache lacks, then
#   fabric   network namespace with the two shared links (bridges lan0, lan1) and the admin side
#   node1    control plane (etcd, kube-apiserver, controller manager, scheduler) + node
#   node2    node
# Each node: network namespace (eth0 on lan0, eth1 on lan1), mount namespace with its own host
# directories, containerd + runc, kubelet, kube-proxy (iptables). Nothing runs in, or is added to,
# the machine's own network namespace. cluster-down (down.sh) removes all of it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || die "run as root (network and mount namespaces)"
[ ! -e "$E2E_RUN/up" ] || die "a cluster is already up ($E2E_RUN); run make cluster-down first"

start_all=$(date +%s)
bash "$E2E_DIR/build.sh"
bash "$E2E_DIR/images/build.sh"
K8S_BIN=$(module_bin kubernetes)
FLANNEL_CNI=$(module_bin cni-flannel)/flannel

# From here on a failure leaves nothing half-made behind.
trap 'rc=$?; [ $rc -eq 0 ] || { log "cluster-up failed (rc $rc); logs in $E2E_RUN/logs; tearing down"; cp -r "$E2E_RUN/logs" "/tmp/multinet-e2e-failed-logs" 2>/dev/null || true; bash "$E2E_DIR/down.sh" || true; }' EXIT
mkdir -p "$E2E_RUN"/{pki,logs,pids,mnt,bin,cmds}
touch "$E2E_RUN/up"
PKI=$E2E_RUN/pki

# The nodes use legacy iptables (nftables is not available here): kube-proxy, kubelet and the
# plugins containerd runs find these first on their PATH.
for n in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore; do
  ln -sf /usr/sbin/xtables-legacy-multi "$E2E_RUN/bin/$n"
done
NODE_PATH=$E2E_RUN/bin:$K8S_BIN:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# kubelet sets these kernel tunables at start; they are the machine's, so down.sh puts them back.
for s in vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes; do
  echo "$s=$(sysctl -n "$s")"
done > "$E2E_RUN/sysctl.saved"

# ---- certificates --------------------------------------------------------------------------
log "certificates"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=multinet-e2e-ca" \
  -keyout "$PKI/ca.key" -out "$PKI/ca.crt" 2>/dev/null
cert() { # name CN O [SANs]
  local name=$1 cn=$2 o=$3 san=${4:-} ext="$PKI/$1.ext"
  { echo "basicConstraints=CA:FALSE"; echo "keyUsage=digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=clientAuth,serverAuth"; [ -n "$san" ] && echo "subjectAltName=$san"; } > "$ext"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$cn${o:+/O=$o}" -keyout "$PKI/$name.key" -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial -days 2 \
    -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
  rm -f "$PKI/$name.csr" "$ext"
}
cert apiserver kube-apiserver "" "IP:$APISERVER_IP,IP:$KUBERNETES_SERVICE_IP,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost"
cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
cert admin kubernetes-admin system:masters
cert controller-manager system:kube-controller-manager ""
cert scheduler system:kube-scheduler ""
cert kube-proxy system:kube-proxy ""
for node in "${NODES[@]}"; do cert "kubelet-$node" "system:node:$node" system:nodes; done
cert etcd-flannel etcd-flannel "" "IP:$APISERVER_IP"
cert etcd-flannel-client flannel ""
openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null

kubeconfig() { # file user cert-name
  local b64; b64() { base64 -w0 < "$1"; }
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: multinet-e2e
  cluster: {server: "$APISERVER_URL", certificate-authority-data: "$(b64 "$PKI/ca.crt")"}
users:
- name: $2
  user: {client-certificate-data: "$(b64 "$PKI/$3.crt")", client-key-data: "$(b64 "$PKI/$3.key")"}
contexts:
- name: multinet-e2e
  context: {cluster: multinet-e2e, user: $2}
current-context: multinet-e2e
EOF
}
kubeconfig "$ADMIN_KUBECONFIG" admin admin
kubeconfig "$E2E_RUN/controller-manager.kubeconfig" controller-manager controller-manager
kubeconfig "$E2E_RUN/scheduler.kubeconfig" scheduler scheduler
kubeconfig "$E2E_RUN/kube-proxy.kubeconfig" kube-proxy kube-proxy

# ---- networks --------------------------------------------------------------------------------
log "network namespaces: $FABRIC_NS with lan0 $LAN0_PREFIX.0/24 and lan1 $LAN1_PREFIX.0/24"
ip netns add "$FABRIC_NS"
in_fabric ip link set lo up
for lan in lan0 lan1; do in_fabric ip link add "$lan" type bridge && in_fabric ip link set "$lan" up; done
in_fabric ip addr add "$LAN0_PREFIX.$FABRIC_HOST/24" dev lan0
in_fabric ip addr add "$LAN1_PREFIX.$FABRIC_HOST/24" dev lan1
for node in "${NODES[@]}"; do
  ns=$(node_ns "$node") i=$(node_index "$node")
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  for k in 0 1; do
    # Created inside the fabric, one end moved to the node: never a link in the machine's namespace.
    in_fabric ip link add "n$i-eth$k" type veth peer name "eth$k"
    in_fabric ip link set "eth$k" netns "$ns"
    in_fabric ip link set "n$i-eth$k" master "lan$k" up
    ip -n "$ns" link set "eth$k" up
  done
  ip -n "$ns" addr add "$(node_ip "$node")/24" dev eth0
  ip -n "$ns" addr add "$(node_ip1 "$node")/24" dev eth1
  ip -n "$ns" route add default via "$LAN0_PREFIX.$FABRIC_HOST"
  ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 net.bridge.bridge-nf-call-iptables=1
done

# ---- mount namespaces and host directories ------------------------------------------------------
log "mount namespaces with each node's own host directories"
mount --bind "$E2E_RUN/mnt" "$E2E_RUN/mnt"
mount --make-private "$E2E_RUN/mnt"
for node in "${NODES[@]}"; do
  d=$(node_dir "$node")
  for h in "${NODE_HOST_DIRS[@]}"; do
    mkdir -p "$d/root/$h"
    # a mount point must exist on the machine; one made here is removed again by down.sh
    if [ ! -d "/$h" ]; then
      top=/$h; while [ ! -d "$(dirname "$top")" ]; do top=$(dirname "$top"); done
      mkdir -p "/$h" && echo "$top" >> "$E2E_RUN/mountpoints.created"
    fi
  done
  touch "$(node_mnt "$node")"
  unshare --mount="$(node_mnt "$node")" --propagation private true
  nsenter --mount="$(node_mnt "$node")" -- bash -c '
    for h in "$@"; do mount --bind "'"$d"'/root/$h" "/$h"; done
    # as on a systemd host: pod volumes and /run/netns propagate into containers that ask for it
    mount --make-rshared /' _ "${NODE_HOST_DIRS[@]}"
  cp /usr/lib/cni/* "$d/root/opt/cni/bin/"
  cp "$FLANNEL_CNI" "$d/root/opt/cni/bin/flannel"
done

# ---- cgroups -------------------------------------------------------------------------------
CG=$(cgroup_base)
echo "$CG" > "$E2E_RUN/cgroup"
for node in "${NODES[@]}"; do
  for sub in "${CGROUP_SUBSYSTEMS[@]}" unified; do
    base=/sys/fs/cgroup/$sub
    [ -d "$base" ] || continue
    path=$base
    for part in ${CG//\// } "$node"; do
      path=$path/$part
      [ -d "$path" ] && continue
      mkdir "$path"
      # a new cpuset cgroup starts with no CPUs and no memory nodes: give it its parent's
      [ "$sub" = cpuset ] && cat "$(dirname "$path")/cpuset.cpus" > "$path/cpuset.cpus" && cat "$(dirname "$path")/cpuset.mems" > "$path/cpuset.mems"
    done
  done
done

# ---- processes -------------------------------------------------------------------------------
# run NAME NODE CMD...: launch (lib.sh) a daemon, keeping its command for node.sh.
run() {
  local name=$1 node=$2; shift 2
  # what node.sh needs to start it again (a restart is one of the faults the E2E tier plays)
  printf '%q ' "$node" env -i PATH="$NODE_PATH" HOME=/root "$@" > "$E2E_RUN/cmds/$name"
  launch "$name" "$node" env -i PATH="$NODE_PATH" HOME=/root "$@"
}
wait_for() { # what seconds command...
  local what=$1 t=$2 i; shift 2
  for ((i = 0; i < t * 2; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  die "$what not ready after ${t}s"
}
KUBECTL=("$K8S_BIN/kubectl" --kubeconfig "$ADMIN_KUBECONFIG")
kubectl_f() { in_fabric "${KUBECTL[@]}" "$@"; }

CP=${NODES[0]}
log "control plane on $CP: etcd $(etcd --version | head -1 | awk '{print $3}'), kube-apiserver $K8S_VERSION"
run etcd "$CP" etcd --name e2e --data-dir "$E2E_RUN/etcd" --listen-client-urls http://127.0.0.1:2379 \
  --advertise-client-urls http://127.0.0.1:2379 --listen-peer-urls http://127.0.0.1:2380 \
  --initial-advertise-peer-urls http://127.0.0.1:2380 --initial-cluster e2e=http://127.0.0.1:2380
wait_for etcd 30 in_node "$CP" curl -sf http://127.0.0.1:2379/health
# The etcd that flannel networks in etcd mode use, as the seed has it: TLS with client certificates,
# on node1's eth0 so that flanneld on every node and the operator's pod reach it.
run etcd-flannel "$CP" etcd --name flannel --data-dir "$E2E_RUN/etcd-flannel" \
  --listen-client-urls "$FLANNEL_ETCD_URL" --advertise-client-urls "$FLANNEL_ETCD_URL" \
  --listen-peer-urls http://127.0.0.1:2480 --initial-advertise-peer-urls http://127.0.0.1:2480 \
  --initial-cluster flannel=http://127.0.0.1:2480 \
  --client-cert-auth --trusted-ca-file="$PKI/ca.crt" --cert-file="$PKI/etcd-flannel.crt" --key-file="$PKI/etcd-flannel.key"
wait_for etcd-flannel 30 in_node "$CP" curl -sf --cacert "$PKI/ca.crt" --cert "$PKI/etcd-flannel-client.crt" \
  --key "$PKI/etcd-flannel-client.key" "$FLANNEL_ETCD_URL/health"
# Pod Security admission enforces baseline wherever a namespace does not say otherwise, as many
# clusters do: multinet's namespace must carry the labels its privileged pods need.
cat > "$E2E_RUN/admission.yaml" <<EOF
apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
- name: PodSecurity
  configuration:
    apiVersion: pod-security.admission.config.k8s.io/v1
    kind: PodSecurityConfiguration
    defaults: {enforce: baseline, enforce-version: latest, audit: baseline, audit-version: latest, warn: baseline, warn-version: latest}
    exemptions: {usernames: [], runtimeClasses: [], namespaces: [kube-system]}
EOF
# The API requests of the node daemons (multinet's delegator, Multus), counted per pod by
# bench/multus-real; nobody else's requests are recorded.
cat > "$E2E_RUN/audit-policy.yaml" <<EOF
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived, ResponseStarted]
rules:
- level: Metadata
  users: ["system:serviceaccount:multinet-system:multinet-delegator", "system:serviceaccount:kube-system:multus"]
- level: None
EOF
run kube-apiserver "$CP" kube-apiserver --etcd-servers=http://127.0.0.1:2379 \
  --admission-control-config-file="$E2E_RUN/admission.yaml" \
  --audit-policy-file="$E2E_RUN/audit-policy.yaml" --audit-log-path="$E2E_RUN/logs/audit.log" \
  --advertise-address="$APISERVER_IP" --bind-address=0.0.0.0 --secure-port=6443 \
  --service-cluster-ip-range="$SERVICE_CIDR" --allow-privileged=true \
  --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
  --client-ca-file="$PKI/ca.crt" --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
  --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
  --kubelet-preferred-address-types=InternalIP \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
  --profiling=false --v=1
wait_for kube-apiserver 120 kubectl_f get --raw /readyz
run kube-controller-manager "$CP" kube-controller-manager --kubeconfig="$E2E_RUN/controller-manager.kubeconfig" \
  --authentication-kubeconfig="$E2E_RUN/controller-manager.kubeconfig" --authorization-kubeconfig="$E2E_RUN/controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 --leader-elect=false --use-service-account-credentials=true \
  --allocate-node-cidrs=true --cluster-cidr="$CLUSTER_CIDR" --node-cidr-mask-size=24 \
  --service-cluster-ip-range="$SERVICE_CIDR" --root-ca-file="$PKI/ca.crt" \
  --service-account-private-key-file="$PKI/sa.key" \
  --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" --profiling=false --v=1
run kube-scheduler "$CP" kube-scheduler --kubeconfig="$E2E_RUN/scheduler.kubeconfig" \
  --authentication-kubeconfig="$E2E_RUN/scheduler.kubeconfig" --authorization-kubeconfig="$E2E_RUN/scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --leader-elect=false --profiling=false --v=1

for node in "${NODES[@]}"; do
  d=$(node_dir "$node")
  log "$node: containerd $(containerd --version | awk '{print $3}'), kubelet, kube-proxy"
  cat > "$d/containerd.toml" <<EOF
version = 2
root = "/var/lib/containerd"
state = "/run/containerd"
# what a node of this kind has no use for, and the /opt/containerd directory the opt plugin makes
disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp"]
[grpc]
  address = "/run/containerd/containerd.sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  stream_server_address = "127.0.0.1"
  # this machine refuses to lower oom_score_adj (kubelet asks -998 for sandboxes): keep it at
  # containerd's own, as rootless setups do
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/opt/cni/bin"
    conf_dir = "/etc/cni/net.d"
EOF
  run "containerd-$node" "$node" containerd --config "$d/containerd.toml"
  wait_for "containerd on $node" 30 in_node "$node" ctr --address /run/containerd/containerd.sock version
  for img in "$E2E_CACHE"/images/*.tar; do
    in_node "$node" ctr --address /run/containerd/containerd.sock -n k8s.io images import "$img" > /dev/null
  done

  kubeconfig "$d/kubelet.kubeconfig" "system:node:$node" "kubelet-$node"
  cat > "$d/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $(node_ip "$node")
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: "$PKI/ca.crt"}
authorization: {mode: Webhook}
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
cgroupDriver: cgroupfs
cgroupRoot: "$CG/$node"
failCgroupV1: false
failSwapOn: false
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
serializeImagePulls: false
# a disk or memory reading of the shared machine must never evict the test's pods
evictionHard: {memory.available: "1Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
# room for bench/multus-real's thundering herd: 200 pods started at once on one node
maxPods: 250
EOF
  run "kubelet-$node" "$node" kubelet --config="$d/kubelet.yaml" --kubeconfig="$d/kubelet.kubeconfig" \
    --hostname-override="$node" --node-ip="$(node_ip "$node")" --v=1
  cat > "$d/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: "$E2E_RUN/kube-proxy.kubeconfig"}
hostnameOverride: $node
mode: iptables
clusterCIDR: $CLUSTER_CIDR
bindAddress: $(node_ip "$node")
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
# the conntrack table size is the machine's, not a namespace's: leave it alone
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}
EOF
  run "kube-proxy-$node" "$node" kube-proxy --config="$d/kube-proxy.yaml" --v=1
done

# ---- pod network until multinet is installed: a plain bridge per node -------------------------
# Its own range, not the node's podCIDR: the default network multinet brings (flannel in
# kube-subnet-mgr mode) takes the podCIDR, and two bridges on one subnet would fight over its route.
for node in "${NODES[@]}"; do
  cat > "$(node_dir "$node")/root/etc/cni/net.d/10-bridge.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "e2e-bridge", "plugins": [
  {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$BOOTSTRAP_PREFIX.$(node_index "$node").0/24"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
  {"type": "portmap", "capabilities": {"portMappings": true}}]}
EOF
  for other in "${NODES[@]}"; do
    [ "$other" = "$node" ] || ip -n "$(node_ns "$other")" route replace "$BOOTSTRAP_PREFIX.$(node_index "$node").0/24" via "$(node_ip "$node")"
  done
done
has_pod_cidr() { [ -n "$(kubectl_f get node "$1" -o jsonpath='{.spec.podCIDR}')" ]; }
for node in "${NODES[@]}"; do wait_for "node $node registered with a podCIDR" 120 has_pod_cidr "$node"; done
wait_for "nodes Ready" 180 kubectl_f wait --for=condition=Ready node --all --timeout=2s
kubectl_f get nodes -o wide

cat > "$E2E_RUN/env" <<EOF
# source this for kubectl on the test cluster (run it inside the fabric namespace)
export KUBECONFIG=$ADMIN_KUBECONFIG
export PATH=$K8S_BIN:\$PATH
alias k='nsenter --net=/run/netns/$FABRIC_NS kubectl'
EOF
trap - EXIT
log "cluster up in $(( $(date +%s) - start_all ))s; kubectl: source $E2E_RUN/env, then k get nodes"
