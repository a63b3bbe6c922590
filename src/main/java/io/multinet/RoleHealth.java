package io.multinet;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Readiness of the operator (/q/health/ready); the node role serves its own (io.multinet.delegator.NodeHttp). */
@Readiness
@ApplicationScoped
public class RoleHealth implements HealthCheck {

    @Inject
    MultinetConfig config;

    @Inject
    RoleLifecycle lifecycle;

    @Override
    public HealthCheckResponse call() {
        var builder = HealthCheckResponse.named("multinet-" + config.role().name().toLowerCase()).withData("role",
                config.role().name().toLowerCase());
        return builder.status(lifecycle.operatorReady()).build();
    }
}
