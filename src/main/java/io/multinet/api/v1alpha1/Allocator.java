package io.multinet.api.v1alpha1;

import static io.multinet.api.v1alpha1.NetworkPlanner.*;

import java.util.List;

import io.multinet.NetworkNames;

/**
 * What an accepted network gets: the values it keeps for life (subnet file, dataDir, bridge, VNI,
 * healthz port), chosen so that no two networks on a node share one, and kept across edits and
 * restarts when still free.
 */
final class Allocator {

    private final MultiNetwork n;
    private final String name;
    private final MultiNetworkSpec spec;
    private final Allocation previous;
    private final List<NetworkPlanner.Claim> claims;
    private final PlannerSettings settings;

    Allocator(MultiNetwork n, Allocation previous, List<NetworkPlanner.Claim> claims, PlannerSettings settings) {
        this.n = n;
        this.name = n.getMetadata().getName();
        this.spec = n.getSpec();
        this.previous = previous;
        this.claims = claims;
        this.settings = settings;
    }

    /** The allocation, or null with the reason added to errors (a capacity limit or a clash). */
    Allocation allocate(List<String> errors) {
        Allocation a = new Allocation();
        a.network = spec.network;
        a.subnetLen = spec.subnetLenOrDefault();
        a.subnetManager = spec.subnetManager();
        a.backendType = spec.backendType();
        a.etcdPrefix = effectivePrefix(n);
        a.defaultNetwork = spec.defaultNetwork;
        a.subnetFile = previous != null && previous.subnetFile != null ? previous.subnetFile
                : NetworkNames.subnetFile(settings.subnetFileDir(), name);
        a.dataDir = previous != null && previous.dataDir != null ? previous.dataDir
                : NetworkNames.dataDir(settings.dataDirBase(), name);
        a.bridge = allocateBridge();
        if (a.backendType == BackendType.VXLAN) {
            a.vni = spec.backend != null && spec.backend.vni != null ? spec.backend.vni
                    : previous != null && previous.vni != null && !taken(c -> previous.vni.equals(c.vni)) ? previous.vni
                            : lowestFree(settings.vniBase(), (int) MAX_VNI, v -> taken(c -> Integer.valueOf(v).equals(c.vni)));
        }
        a.healthzPort = previous != null && previous.healthzPort != null && !taken(c -> previous.healthzPort.equals(c.healthzPort))
                ? previous.healthzPort
                : lowestFree(settings.healthzPortBase(), settings.healthzPortBase() + settings.healthzPortCount() - 1,
                        p -> taken(c -> Integer.valueOf(p).equals(c.healthzPort)));
        if (a.healthzPort == null) {
            errors.add(Plan.CAPACITY + "no flanneld healthz port is free in " + settings.healthzPortBase() + "-"
                    + (settings.healthzPortBase() + settings.healthzPortCount() - 1)
                    + ": every port of the range is taken by another network; widen it with the operator settings"
                    + " multinet.operator.healthz-port-base and healthz-port-count");
            return null;
        }
        for (NetworkPlanner.Claim c : claims) {
            if (a.subnetFile.equals(c.alloc().subnetFile) || a.dataDir.equals(c.alloc().dataDir)) {
                errors.add("subnet file " + a.subnetFile + " or dataDir " + a.dataDir + " is already used by network '"
                        + c.name() + "'");
                return null;
            }
        }
        return a;
    }

    private String allocateBridge() {
        if (spec.attachment != null && spec.attachment.bridge != null) {
            return spec.attachment.bridge;
        }
        if (previous != null && previous.bridge != null && !taken(c -> previous.bridge.equals(c.bridge))) {
            return previous.bridge;
        }
        for (int i = 0;; i++) {
            String candidate = NetworkNames.bridgeCandidate(name, i);
            if (!taken(c -> candidate.equals(c.bridge))) {
                return candidate;
            }
        }
    }

    private boolean taken(java.util.function.Predicate<Allocation> p) {
        return claims.stream().anyMatch(c -> p.test(c.alloc()));
    }

    private static Integer lowestFree(int from, int to, java.util.function.IntPredicate taken) {
        for (int v = from; v <= to; v++) {
            if (!taken.test(v)) {
                return v;
            }
        }
        return null;
    }
}
