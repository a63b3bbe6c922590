package io.multinet.api.v1alpha1;

import java.util.List;

/**
 * The operator settings that validation and allocation depend on, as plain values so the planner
 * stays a pure function.
 */
public record PlannerSettings(
        String subnetFileDir,
        String dataDirBase,
        List<String> reservedCidrs,
        int healthzPortBase,
        int healthzPortCount,
        int vniBase,
        boolean etcdEndpointsConfigured) {

    public static PlannerSettings defaults() {
        return new PlannerSettings("/run/flannel/networks", "/var/lib/cni/flannel", List.of(), 10300, 100, 1, true);
    }
}
