package io.multinet;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Liveness of the operator role (/q/health/live): down when its informers have been unhealthy past
 * a grace period, so that kubelet restarts an operator that can no longer see changes.
 */
@Liveness
@ApplicationScoped
public class RoleLiveness implements HealthCheck {

    @Inject
    MultinetConfig config;

    @Inject
    RoleLifecycle lifecycle;

    @Override
    public HealthCheckResponse call() {
        var builder = HealthCheckResponse.named("multinet-" + config.role().name().toLowerCase() + "-informers");
        String dead = lifecycle.operatorDeadInformers();
        return dead == null ? builder.up().build() : builder.down().withData("unhealthyInformers", dead).build();
    }
}
