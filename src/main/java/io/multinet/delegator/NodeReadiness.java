package io.multinet.delegator;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * Readiness of the node role. The delegator is ready only when a pod could be attached right now:
 * the default network is ready on the node, the CNI config is written and the informers are synced.
 * Until then kubelet keeps the node's pods waiting rather than failing them.
 */
@ApplicationScoped
public class NodeReadiness implements io.multinet.NodeReadinessSource {

    private volatile String notReadyReason = "Starting";

    @Override
    public boolean ready() {
        return notReadyReason == null;
    }

    /** Why the node role is not ready, or null when it is. */
    @Override
    public String reason() {
        return notReadyReason;
    }

    public void markReady() {
        notReadyReason = null;
    }

    public void markNotReady(String reason) {
        notReadyReason = reason;
    }
}
