package io.multinet.operator;

import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.etcd.EtcdTarget;
import io.multinet.etcd.EtcdUnavailableException;
import io.multinet.flannel.FlanneldDaemonSet;

/**
 * Where a network's flannel config lives: its etcd endpoints with the TLS and credentials Secrets
 * resolved, and the back-off between attempts while that etcd cannot be reached (one formula for
 * reconcile and cleanup).
 */
final class EtcdTargets {

    private final KubernetesClient client;
    private final OperatorSettings settings;
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();

    EtcdTargets(KubernetesClient client, OperatorSettings settings) {
        this.client = client;
        this.settings = settings;
    }

    /** Resolves endpoints and secrets; a missing Secret names itself and the field that points at it. */
    EtcdTarget of(MultiNetwork n) {
        var fl = SettingsMapping.flanneld(settings);
        List<String> endpoints = FlanneldDaemonSet.etcdEndpoints(n.getSpec(), fl);
        String tlsName = FlanneldDaemonSet.tlsSecret(n.getSpec(), fl);
        String credName = FlanneldDaemonSet.credentialsSecret(n.getSpec(), fl);
        EtcdTarget.Tls tls = null;
        String user = null;
        String password = null;
        if (tlsName != null) {
            Map<String, String> d = secret(tlsName, "spec.etcd.tlsSecret", "ca.crt", "tls.crt", "tls.key");
            tls = new EtcdTarget.Tls(d.get("ca.crt"), d.get("tls.crt"), d.get("tls.key"));
        }
        if (credName != null) {
            Map<String, String> d = secret(credName, "spec.etcd.credentialsSecret", "username", "password");
            user = d.get("username");
            password = d.get("password");
        }
        return new EtcdTarget(endpoints, tls, user, password);
    }

    private Map<String, String> secret(String name, String field, String... keys) {
        Secret s;
        try {
            s = client.secrets().inNamespace(settings.namespace()).withName(name).get();
        } catch (KubernetesClientException e) {
            throw new EtcdUnavailableException("cannot read Secret " + settings.namespace() + "/" + name + " (" + field + ")", e);
        }
        if (s == null) {
            throw new EtcdUnavailableException("Secret " + settings.namespace() + "/" + name + " (" + field + ") does not exist", null);
        }
        Map<String, String> out = new HashMap<>();
        for (String k : keys) {
            String v = s.getData() == null ? null : s.getData().get(k);
            if (v == null) {
                throw new EtcdUnavailableException("Secret " + settings.namespace() + "/" + name + " (" + field + ") has no key " + k, null);
            }
            out.put(k, new String(Base64.getDecoder().decode(v), java.nio.charset.StandardCharsets.UTF_8));
        }
        return out;
    }

    /** One more failure of the network's etcd: how long to wait before the next attempt (doubling, capped). */
    Duration failed(String network) {
        int n = failures.merge(network, 1, Integer::sum);
        return Duration.ofMillis(Math.min(settings.etcdRetryMax().toMillis(), settings.etcdRetryMin().toMillis() << Math.min(n - 1, 20)));
    }

    void succeeded(String network) {
        failures.remove(network);
    }
}
