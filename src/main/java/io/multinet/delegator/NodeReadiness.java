package io.multinet.delegator;

/**
 * Readiness of the node role. The delegator is ready only when a pod could be attached right now:
 * the default network is ready on the node, the CNI config is written and the informers are synced.
 * Until then kubelet keeps the node's pods waiting rather than failing them.
 */
public class NodeReadiness {

    private volatile String notReadyReason = "Starting";

    public boolean ready() {
        return notReadyReason == null;
    }

    /** Why the node role is not ready, or null when it is. */
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
