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
        return new PlannerSettings(io.multinet.HostPaths.SUBNET_FILE_DIR, io.multinet.HostPaths.FLANNEL_DATA_DIR, List.of(), 10300, 100, NetworkPlanner.DEFAULT_VNI_BASE, true);
    }
}
