package io.multinet.delegator;

import java.util.Optional;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** What the delegator needs from the cluster, answered from informer caches where it can be. */
public interface ClusterView {

    /**
     * The network every pod gets as eth0: its name (for network-status), the CNI config to run, and
     * where it came from (the node state shows it, so an admin sees why this one was chosen).
     */
    record DefaultNetwork(String name, ObjectNode conf, String source) {
    }

    /** A pod as the delegator reads it: who it is and its annotations, nothing of its spec. */
    record Pod(String namespace, String name, java.util.Map<String, String> annotations) {
    }

    /**
     * A NetworkAttachmentDefinition as the delegator reads it: who it is, the version it was read at
     * (its parsed config is kept per version), and its spec.config (null when it has none).
     */
    record Nad(String namespace, String name, String resourceVersion, String config) {
    }

    Optional<Pod> pod(String namespace, String name);

    Optional<Nad> nad(String namespace, String name);

    /** Empty while the default network is not ready on this node. */
    Optional<DefaultNetwork> defaultNetwork();

    void reportStatus(String namespace, String pod, ArrayNode networkStatus);

    void reportFailure(String namespace, String pod, String message);
}
