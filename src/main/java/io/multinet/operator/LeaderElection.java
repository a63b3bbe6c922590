package io.multinet.operator;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;

/**
 * Leader election (a Lease in the operator namespace), active in the prod profile: two operator
 * replicas never reconcile at once, and a standby takes over when the leader goes.
 */
public class LeaderElection {

    public static final String LEASE = "multinet-operator";

    @Produces
    @ApplicationScoped
    LeaderElectionConfiguration leaderElection(OperatorSettings settings) {
        return new LeaderElectionConfiguration(LEASE, settings.namespace());
    }
}
