package io.multinet.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Where flanneld keeps its subnet leases. */
public enum SubnetManager {
    /** Leases in etcd under the network's own prefix. */
    ETCD("etcd"),
    /** flanneld --kube-subnet-mgr: the node's podCIDR. A node has one podCIDR, so at most one such network. */
    KUBE("kube");

    private final String value;

    SubnetManager(String value) {
        this.value = value;
    }

    @JsonValue
    public String value() {
        return value;
    }

    /** The manager of that name, or null when this build does not know it. */
    public static SubnetManager lookup(String value) {
        for (SubnetManager m : values()) {
            if (m.value.equals(value)) {
                return m;
            }
        }
        return null;
    }

    @JsonCreator
    public static SubnetManager fromValue(String value) {
        SubnetManager m = lookup(value);
        if (m != null) {
            return m;
        }
        throw new IllegalArgumentException("unknown subnetManager '" + value + "' (expected etcd or kube)");
    }

    @Override
    public String toString() {
        return value;
    }
}
