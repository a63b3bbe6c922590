package io.multinet.delegator;

import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Settings of the node role (prefix multinet.node). Every host path is a setting with the real path
 * as default, so tests and the demo run under a temporary root.
 */
@ConfigMapping(prefix = "multinet.node")
public interface NodeSettings {

    /** This node's name (from the downward API, env NODE_NAME). */
    @WithDefault("${NODE_NAME:}")
    Optional<String> nodeName();

    /**
     * The namespace of this daemon's DaemonSet (downward API, env POD_NAMESPACE). Unset outside a
     * cluster: the daemon then never takes its files off the node when it stops.
     */
    @WithDefault("${POD_NAMESPACE:}")
    Optional<String> podNamespace();

    /** Where the shim is installed as /opt/cni/bin/multinet. */
    @WithDefault(io.multinet.HostPaths.CNI_BIN_DIR)
    String cniBinDir();

    /** Directories searched for delegate plugins, in order. */
    @WithDefault(io.multinet.HostPaths.CNI_BIN_DIR + "," + io.multinet.HostPaths.CNI_LIB_DIR)
    List<String> pluginDirs();

    @WithDefault(io.multinet.HostPaths.CNI_CONF_DIR)
    String cniConfDir();

    /** Directory of delegator.sock (root only). */
    @WithDefault(io.multinet.HostPaths.SOCKET_DIR)
    String socketDir();

    /** Per-container plans, so DEL works without the API server. */
    @WithDefault(io.multinet.HostPaths.CACHE_DIR)
    String cacheDir();

    /** The node's primary CNI config to use as default network when no MultiNetwork is marked default. */
    Optional<String> primaryConfig();

    /** The shim binary shipped in the image, copied to cni-bin-dir/multinet at start. */
    @WithDefault("/deployments/multinet")
    String shimSource();

    /** Where host-local keeps the IP leases of flannel networks. */
    @WithDefault(io.multinet.HostPaths.IPAM_DATA_DIR)
    String ipamDataDir();

    /** Pods may select NADs only in their own namespace and in global-namespaces. */
    @WithDefault("false")
    boolean namespaceIsolation();

    Optional<List<String>> globalNamespaces();

    /** How long ADD waits for a pod the API server does not show yet. */
    @WithDefault("5s")
    java.time.Duration podWait();

    /** Bound of one delegate plugin call. */
    @WithDefault("60s")
    java.time.Duration pluginTimeout();

    /** How long the shim waits for an answer; written into the CNI config it reads. */
    @WithDefault("120")
    int shimTimeoutSeconds();

    /** How often the daemon re-checks subnet files, its CNI config and its node state. */
    @WithDefault("2s")
    java.time.Duration refreshInterval();

    /**
     * How often a change in attachment counts alone is written to the node state. Pods come and go
     * all the time; written on every refresh, counts would cost an API write per node every few
     * seconds and wake the operator each time. Any health change is still written at once.
     */
    @WithDefault("30s")
    java.time.Duration attachmentsReportInterval();

    /**
     * How often cached attachments whose network namespace is gone are cleaned up: the DELs a
     * runtime sent while the daemon was down, for runtimes that never send CNI GC.
     */
    @WithDefault("60s")
    java.time.Duration gcInterval();

    /**
     * Run delegate plugins inside this named network namespace. Only for a node played by a network
     * namespace (tests and the demo); unset on a real node, where the daemon is in the host's.
     */
    Optional<String> pluginNetns();
}
