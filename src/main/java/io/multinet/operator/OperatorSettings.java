package io.multinet.operator;

import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Settings of the operator role (prefix multinet.operator). */
@ConfigMapping(prefix = "multinet.operator")
public interface OperatorSettings {

    /** Namespace of the flanneld and delegator DaemonSets and of the etcd Secrets. */
    @WithDefault("multinet-system")
    String namespace();

    /** Cluster-wide etcd defaults, so a MultiNetwork can leave them out. */
    Etcd etcd();

    /** CIDRs already taken (the cluster's pod and service CIDRs): no network may overlap them. */
    Optional<List<String>> reservedCidrs();

    /** Directory of the per-network subnet files on the nodes (flanneld --subnet-file). */
    @WithDefault(io.multinet.HostPaths.SUBNET_FILE_DIR)
    String subnetFileDir();

    /** Parent of the per-network flannel CNI dataDirs on the nodes. */
    @WithDefault(io.multinet.HostPaths.FLANNEL_DATA_DIR)
    String dataDirBase();

    /** First flanneld healthz port; networks get consecutive free ports from here (hostNetwork, so they must differ). */
    @WithDefault("10300")
    int healthzPortBase();

    @WithDefault("100")
    int healthzPortCount();

    /**
     * First vxlan VNI to allocate. Well away from 1, flannel's own default: a stock kube-flannel uses
     * flannel.1, and a second flanneld with VNI 1 on the same node is refused or, with other settings,
     * deletes and recreates the other's device forever.
     */
    @WithDefault("" + io.multinet.api.v1alpha1.NetworkPlanner.DEFAULT_VNI_BASE)
    int vniBase();

    @WithDefault("ghcr.io/flannel-io/flannel:v0.28.9")
    String flannelImage();

    /** The multinet image, run by the operator and, in the node role, by the delegator DaemonSet. */
    @WithDefault("ghcr.io/multinet-io/multinet:0.1.0")
    String image();

    /** How often a network is re-checked without an event: etcd leases and config have no watch here. */
    @WithDefault("30s")
    java.time.Duration resyncInterval();

    /** Bound of one etcd call. */
    @WithDefault("5s")
    java.time.Duration etcdTimeout();

    /** First and longest wait before retrying a network whose etcd is unreachable (doubling in between). */
    @WithDefault("1s")
    java.time.Duration etcdRetryMin();

    @WithDefault("60s")
    java.time.Duration etcdRetryMax();

    /** Up to this many nodes every node is listed in status; beyond it only nodes that are not ready. */
    @WithDefault("100")
    int nodeHealthCap();

    interface Etcd {
        Optional<List<String>> endpoints();

        Optional<String> tlsSecret();

        Optional<String> credentialsSecret();
    }
}
