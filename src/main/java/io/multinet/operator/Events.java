package io.multinet.operator;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.api.v1alpha1.MultiNetworkStatus;

/**
 * Events on a MultiNetwork, raised when its Degraded condition changes, not on every reconcile, so
 * a lasting problem is one Event rather than one per resync. An Event repeated with the same reason
 * and message (a deletion retried while etcd is down) is counted on the first one, as kubelet's
 * event correlator does, instead of creating a new object each time.
 */
final class Events {

    /** An Event this operator created, by object, type, reason and message: its name and count so far. */
    private record Recorded(String name, int count, long at) {
    }

    private static final java.util.Map<String, Recorded> RECORDED = new java.util.concurrent.ConcurrentHashMap<>();
    /** After this long without a repeat, the same Event is a new occurrence (Kubernetes keeps Events about an hour). */
    private static final long REPEAT_WINDOW_NANOS = java.time.Duration.ofMinutes(30).toNanos();
    /** The API server caps an Event's message at 1 KiB. */
    private static final int MAX_MESSAGE = 1024;

    /** Events of cluster-scoped objects live in the default namespace, where kubectl describe looks. */
    static final String NAMESPACE = "default";
    private static final Logger LOG = Logger.getLogger(Events.class);

    private Events() {
    }

    static void onChange(KubernetesClient client, MultiNetwork n, MultiNetworkStatus before, MultiNetworkStatus after) {
        Condition now = Conditions.find(after.conditions, Conditions.DEGRADED).orElseThrow();
        Condition was = before == null ? null : Conditions.find(before.conditions, Conditions.DEGRADED).orElse(null);
        boolean changed = was == null || !Objects.equals(was.getStatus(), now.getStatus()) || !Objects.equals(was.getMessage(), now.getMessage());
        if (!changed) {
            return;
        }
        if ("True".equals(now.getStatus())) {
            warn(client, n, now.getReason(), now.getMessage());
        } else if (was != null && "True".equals(was.getStatus())) {
            emit(client, n, "Normal", "Recovered", "no longer degraded (was " + was.getReason() + ")");
        }
    }

    static void warn(KubernetesClient client, MultiNetwork n, String reason, String message) {
        emit(client, n, "Warning", reason, message);
    }

    private static void emit(KubernetesClient client, MultiNetwork n, String type, String reason, String fullMessage) {
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        String message = fullMessage.length() > MAX_MESSAGE ? fullMessage.substring(0, MAX_MESSAGE - 1) + "…" : fullMessage;
        String key = n.getMetadata().getUid() + "|" + type + "|" + reason + "|" + message;
        Recorded seen = RECORDED.get(key);
        if (seen != null && System.nanoTime() - seen.at() < REPEAT_WINDOW_NANOS) {
            try {
                client.v1().events().inNamespace(NAMESPACE).withName(seen.name()).patch(io.fabric8.kubernetes.client.dsl.base.PatchContext
                        .of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE), "{\"count\":" + (seen.count() + 1)
                                + ",\"lastTimestamp\":\"" + now + "\"}");
                RECORDED.put(key, new Recorded(seen.name(), seen.count() + 1, System.nanoTime()));
                return;
            } catch (KubernetesClientException e) {
                // gone (expired or deleted): record it anew below
                RECORDED.remove(key);
            }
        }
        if (RECORDED.size() > 1000) {
            RECORDED.clear(); // bounded: at worst a repeat becomes a new Event
        }
        try {
            var created = client.v1().events().inNamespace(NAMESPACE).resource(new EventBuilder()
                    .withNewMetadata().withGenerateName(n.getMetadata().getName() + ".").withNamespace(NAMESPACE).endMetadata()
                    .withNewInvolvedObject().withApiVersion(n.getApiVersion()).withKind(n.getKind())
                    .withName(n.getMetadata().getName()).withUid(n.getMetadata().getUid()).endInvolvedObject()
                    .withType(type).withReason(reason).withMessage(message)
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .withNewSource().withComponent("multinet-operator").endSource().build()).create();
            RECORDED.put(key, new Recorded(created.getMetadata().getName(), 1, System.nanoTime()));
        } catch (KubernetesClientException e) {
            // an Event is a courtesy: failing to write one must not fail the reconcile
            LOG.warnf("cannot record event %s on %s: %s", reason, n.getMetadata().getName(), e.getMessage());
        }
    }
}
