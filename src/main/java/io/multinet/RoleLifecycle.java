package io.multinet;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.javaoperatorsdk.operator.Operator;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * Starts what the role asks for. The SDK is built with start-operator=false so that the node
 * role, which runs on every node, never starts the reconcilers or their informers.
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
}
