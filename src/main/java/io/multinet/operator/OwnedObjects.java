package io.multinet.operator;

import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.multinet.NetworkNames;

/**
 * The generic part of owning an object: create it when missing, put it back when it drifted from
 * the desired state, and otherwise leave it alone (no write when nothing changed). Drift is judged
 * on what multinet sets, so defaults an API server adds never look like an edit.
 */
final class OwnedObjects {

    private static final Logger LOG = Logger.getLogger(OwnedObjects.class);
    /** Hash of the desired DaemonSet spec, so defaults an API server adds never look like drift. */
    static final String SPEC_HASH = NetworkNames.GROUP + "/spec-hash";

    private final KubernetesClient client;

    OwnedObjects(KubernetesClient client) {
        this.client = client;
    }

    /**
     * Creates or puts back one object, looked up in the informer's cache (an API read only when the
     * cache does not have it yet).
     */
    void ensure(HasMetadata want, List<? extends HasMetadata> cache) {
        HasMetadata have = cache == null ? null : cache.stream().filter(h -> h.getMetadata().getName().equals(want.getMetadata().getName())
                && Objects.equals(h.getMetadata().getNamespace(), want.getMetadata().getNamespace())).findFirst().orElse(null);
        if (have == null) {
            have = client.resource(want).get();
        }
        if (want instanceof DaemonSet ds) {
            stampHash(ds);
        }
        if (have == null) {
            try {
                client.resource(want).create();
            } catch (KubernetesClientException e) {
                // the shared delegator DaemonSet may be created by another network's reconcile at the same moment
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        } else if (drifted(have, want)) {
            LOG.infof("restoring %s %s/%s", want.getKind(), want.getMetadata().getNamespace(), want.getMetadata().getName());
            client.resource(want).update();
        }
    }

    /** The desired spec's hash, as an annotation: defaults the API server adds to the spec never look like drift. */
    static void stampHash(DaemonSet ds) {
        ds.getMetadata().setAnnotations(Map.of(SPEC_HASH, Integer.toHexString(
                io.fabric8.kubernetes.client.utils.Serialization.asJson(ds.getSpec()).hashCode())));
    }

    static boolean drifted(HasMetadata have, HasMetadata want) {
        if (want instanceof DaemonSet w && have instanceof DaemonSet h) {
            Container wc = w.getSpec().getTemplate().getSpec().getContainers().get(0);
            Container hc = h.getSpec().getTemplate().getSpec().getContainers().stream()
                    .filter(c -> c.getName().equals(wc.getName())).findFirst().orElse(null);
            return hc == null || !Objects.equals(hc.getArgs(), wc.getArgs()) || !Objects.equals(hc.getImage(), wc.getImage())
                    || !Objects.equals(hc.getEnv(), wc.getEnv())
                    || !Objects.equals(annotation(h, SPEC_HASH), annotation(w, SPEC_HASH));
        }
        if (want instanceof ConfigMap w && have instanceof ConfigMap h) {
            return !Objects.equals(w.getData(), h.getData());
        }
        if (want instanceof ClusterRole w && have instanceof ClusterRole h) {
            return !Objects.equals(w.getRules(), h.getRules());
        }
        return false;
    }

    private static String annotation(HasMetadata h, String key) {
        return h.getMetadata().getAnnotations() == null ? null : h.getMetadata().getAnnotations().get(key);
    }

    /**
     * One API write; a refusal (403, 422, a webhook, a quota) becomes a line in the Degraded condition
     * naming the object, instead of an exception that leaves the status silent while JOSDK retries.
     */
    static <T> T reported(String what, List<String> apiErrors, java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (KubernetesClientException e) {
            String message = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage() : e.getMessage();
            apiErrors.add("cannot write " + what + ": " + (e.getCode() > 0 ? "HTTP " + e.getCode() + ": " : "") + message);
            LOG.warnf("cannot write %s: %s", what, e.getMessage());
            return null;
        }
    }

    /** ensure(), a refusal reported into apiErrors (naming the object) instead of thrown. */
    void ensureReporting(HasMetadata want, List<? extends HasMetadata> cache, List<String> apiErrors) {
        reported(want.getKind() + " " + (want.getMetadata().getNamespace() == null ? "" : want.getMetadata().getNamespace() + "/")
                + want.getMetadata().getName(), apiErrors, () -> {
                    ensure(want, cache);
                    return null;
                });
    }
}
