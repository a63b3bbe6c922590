package io.multinet;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Readiness of whichever role this process runs (/q/health/ready). */
@Readiness
@ApplicationScoped
public class RoleHealth implements HealthCheck {

    @Inject
    MultinetConfig config;

    @Inject
    RoleLifecycle lifecycle;

    @Inject
    NodeReadinessSource node;

    @Override
    public HealthCheckResponse call() {
        var builder = HealthCheckResponse.named("multinet-" + config.role().name().toLowerCase()).withData("role",
                config.role().name().toLowerCase());
        if (config.role() == Role.OPERATOR) {
            return builder.status(lifecycle.operatorReady()).build();
        }
        builder.status(node.ready());
        if (!node.ready()) {
            builder.withData("reason", node.reason());
        }
        return builder.build();
    }
}
