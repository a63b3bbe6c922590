package io.multinet.etcd;

import java.util.List;

/**
 * Where a network's etcd is and how to authenticate. toString never shows secret material: it ends
 * up in conditions, Events and logs.
 */
public record EtcdTarget(List<String> endpoints, Tls tls, String username, String password) {

    /** PEM material from the network's TLS Secret (ca.crt, tls.crt, tls.key). */
    public record Tls(String caPem, String certPem, String keyPem) {
        @Override
        public String toString() {
            return "Tls[client certificate]";
        }
    }

    public static EtcdTarget plain(List<String> endpoints) {
        return new EtcdTarget(endpoints, null, null, null);
    }

    @Override
    public String toString() {
        return String.join(",", endpoints) + (tls != null ? " (TLS)" : "") + (username != null ? " as " + username : "");
    }
}
