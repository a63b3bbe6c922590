package io.multinet.operator;

import java.util.List;

import io.multinet.api.v1alpha1.PlannerSettings;
import io.multinet.flannel.FlanneldDaemonSet;

/** Turns the operator's settings into the plain values the pure builders take. */
public final class SettingsMapping {

    private SettingsMapping() {
    }

    static PlannerSettings planner(OperatorSettings s) {
        return new PlannerSettings(s.subnetFileDir(), s.dataDirBase(), s.reservedCidrs().orElse(List.of()),
                s.healthzPortBase(), s.healthzPortCount(), s.vniBase(),
                s.etcd().endpoints().map(e -> !e.isEmpty()).orElse(false));
    }

    public static FlanneldDaemonSet.Settings flanneld(OperatorSettings s) {
        return new FlanneldDaemonSet.Settings(s.namespace(), s.flannelImage(), s.etcd().endpoints().orElse(List.of()),
                s.etcd().tlsSecret().orElse(null), s.etcd().credentialsSecret().orElse(null));
    }
}
