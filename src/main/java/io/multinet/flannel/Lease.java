package io.multinet.flannel;

import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;

import io.multinet.Json;

/**
 * One node's subnet lease: key <prefix>/subnets/<a.b.c.d>-<len>, value with the node's PublicIP.
 * The etcd lease behind the key is what expires it, so a key that exists is live.
 */
public record Lease(String key, String subnet, String publicIp) {


    public static String subnetsPrefix(String etcdPrefix) {
        return etcdPrefix + "/subnets/";
    }

    public static String configKey(String etcdPrefix) {
        return etcdPrefix + "/config";
    }

    /** Parses a lease key and value; empty when either is not flannel's. */
    public static Optional<Lease> parse(String etcdPrefix, String key, String value) {
        String head = subnetsPrefix(etcdPrefix);
        if (!key.startsWith(head)) {
            return Optional.empty();
        }
        String name = key.substring(head.length());
        int dash = name.lastIndexOf('-');
        if (dash < 0 || name.contains("/")) {
            return Optional.empty();
        }
        try {
            JsonNode v = Json.parse(value);
            JsonNode ip = v.get("PublicIP");
            if (ip == null || !ip.isTextual()) {
                return Optional.empty();
            }
            return Optional.of(new Lease(key, name.substring(0, dash) + "/" + name.substring(dash + 1), ip.asText()));
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }

    /** The value flanneld writes for a node (used by the demo and tests that play flanneld). */
    public static String value(String publicIp, String backendType) {
        return "{\"PublicIP\":\"" + publicIp + "\",\"PublicIPv6\":null,\"BackendType\":\"" + backendType + "\",\"BackendData\":null}";
    }
}
