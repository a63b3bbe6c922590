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

    /** Where the shim is installed as /opt/cni/bin/multinet. */
    @WithDefault("/opt/cni/bin")
    String cniBinDir();

    /** Directories searched for delegate plugins, in order. */
    @WithDefault("/opt/cni/bin,/usr/lib/cni")
    List<String> pluginDirs();

    @WithDefault("/etc/cni/net.d")
    String cniConfDir();

    /** Directory of delegator.sock (root only). */
    @WithDefault("/run/multinet")
    String socketDir();

    /** Per-container plans, so DEL works without the API server. */
    @WithDefault("/var/lib/multinet/cache")
    String cacheDir();

    /** The node's primary CNI config to use as default network when no MultiNetwork is marked default. */
    Optional<String> primaryConfig();
}
