package io.multinet;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.javaoperatorsdk.operator.Operator;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Starts the operator. The SDK is built with start-operator=false so that nothing starts before the
 * role is checked: this application is the operator; the node role is io.multinet.delegator.NodeDaemon.
 */
@ApplicationScoped
public class RoleLifecycle {

    private static final Logger LOG = Logger.getLogger(RoleLifecycle.class);

    @Inject
    MultinetConfig config;

    @Inject
    jakarta.enterprise.inject.Instance<Operator> operator;

    private volatile boolean operatorStarted;

    void onStart(@Observes StartupEvent event) {
        LOG.infof("multinet starting in role %s", config.role());
        if (config.role() == Role.NODE) {
            // the node role is a program of its own, so that a node loads none of the operator's stack
            throw new IllegalStateException("MULTINET_ROLE=node is not this application: the node role's main class is "
                    + io.multinet.delegator.NodeDaemon.class.getName() + " (the image's run-java.sh starts it for MULTINET_ROLE=node)");
        }
        if (config.role() == Role.OPERATOR && operator.get().getRegisteredControllersNumber() > 0) {
            operator.get().start();
            operatorStarted = true;
        }
    }

    void onStop(@Observes ShutdownEvent event) {
        if (operatorStarted) {
            operator.get().stop();
        }
    }

    /** The operator is started and every informer it runs is healthy. */
    public boolean operatorReady() {
        return operatorStarted && operator.get().getRuntimeInfo().allEventSourcesAreHealthy();
    }

    /** How long informers may stay unhealthy (an API server restart, a watch being re-established) before liveness fails. */
    static final long UNHEALTHY_GRACE_NANOS = java.time.Duration.ofSeconds(60).toNanos();
    private volatile long unhealthySince;

    /**
     * Whether the operator still works: false once an informer has been unhealthy for longer than the
     * grace period. A stopped informer never comes back by itself (a watch that failed for good), and
     * an operator that keeps running on it ignores every later change: kubelet restarts it instead.
     * Names the informers at fault, or null when alive.
     */
    public String operatorDeadInformers() {
        if (!operatorStarted) {
            return null;
        }
        var info = operator.get().getRuntimeInfo();
        if (info.allEventSourcesAreHealthy()) {
            unhealthySince = 0;
            return null;
        }
        long now = System.nanoTime();
        if (unhealthySince == 0) {
            unhealthySince = now;
        }
        if (now - unhealthySince < UNHEALTHY_GRACE_NANOS) {
            return null;
        }
        return String.join(", ", info.unhealthyEventSources().values().stream().flatMap(m -> m.keySet().stream()).toList());
    }
}
