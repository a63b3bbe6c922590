package io.multinet;

/**
 * The node role's readiness as the health check reads it. An interface here, implemented in the
 * delegator package, so that the role wiring in this package does not reach up into a role's code.
 */
public interface NodeReadinessSource {

    boolean ready();

    /** Why the node role is not ready, or null when it is. */
    String reason();
}
