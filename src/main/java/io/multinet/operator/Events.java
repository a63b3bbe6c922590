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
 * a lasting problem is one Event rather than one per resync.
 */
final class Events {

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

    private static void emit(KubernetesClient client, MultiNetwork n, String type, String reason, String message) {
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        try {
            client.v1().events().inNamespace(NAMESPACE).resource(new EventBuilder()
                    .withNewMetadata().withGenerateName(n.getMetadata().getName() + ".").withNamespace(NAMESPACE).endMetadata()
                    .withNewInvolvedObject().withApiVersion(n.getApiVersion()).withKind(n.getKind())
                    .withName(n.getMetadata().getName()).withUid(n.getMetadata().getUid()).endInvolvedObject()
                    .withType(type).withReason(reason).withMessage(message)
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .withNewSource().withComponent("multinet-operator").endSource().build()).create();
        } catch (KubernetesClientException e) {
            // an Event is a courtesy: failing to write one must not fail the reconcile
            LOG.warnf("cannot record event %s on %s: %s", reason, n.getMetadata().getName(), e.getMessage());
        }
    }
}
