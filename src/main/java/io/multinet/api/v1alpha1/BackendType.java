package io.multinet.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** flannel backends; the JSON value is flannel's own spelling of Backend.Type. */
public enum BackendType {
    VXLAN("vxlan"),
    HOST_GW("host-gw"),
    WIREGUARD("wireguard"),
    UDP("udp"),
    IPIP("ipip");

    private final String value;

    BackendType(String value) {
        this.value = value;
    }

    @JsonValue
    public String value() {
        return value;
    }

    /** The type of that name, or null when this operator does not know it. */
    public static BackendType lookup(String value) {
        for (BackendType t : values()) {
            if (t.value.equals(value)) {
                return t;
            }
        }
        return null;
    }

    @JsonCreator
    public static BackendType fromValue(String value) {
        BackendType t = lookup(value);
        if (t != null) {
            return t;
        }
        throw new IllegalArgumentException("unknown backend type '" + value + "' (expected vxlan, host-gw, wireguard, udp or ipip)");
    }

    /** wireguard and ipip create devices with fixed names (flannel-wg, flannel.ipip): one network of each per node. */
    public boolean fixedDeviceName() {
        return this == WIREGUARD || this == IPIP;
    }

    @Override
    public String toString() {
        return value;
    }
}
