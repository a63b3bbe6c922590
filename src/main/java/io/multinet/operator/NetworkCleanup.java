package io.multinet.operator;

import java.time.Duration;
import java.util.List;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.multinet.NetworkNames;
import io.multinet.api.nad.NetworkAttachmentDefinition;
import io.multinet.api.v1alpha1.Allocation;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.api.v1alpha1.MultiNetworkStatus;
import io.multinet.etcd.EtcdUnavailableException;
import io.multinet.etcd.FlannelStore;
import io.multinet.flannel.FlanneldDaemonSet;

/** What a deleted MultiNetwork leaves behind, removed in the order that keeps it from coming back. */
final class NetworkCleanup {

    private static final Logger LOG = Logger.getLogger(NetworkCleanup.class);

    private final KubernetesClient client;
    private final OperatorSettings settings;
    private final FlannelStore store;
    private final EtcdTargets etcd;
    private final OperatorMetrics metrics;
    private final StatusWriter status;

    NetworkCleanup(KubernetesClient client, OperatorSettings settings, FlannelStore store, EtcdTargets etcd, OperatorMetrics metrics,
            StatusWriter status) {
        this.metrics = metrics;
        this.status = status;
        this.client = client;
        this.settings = settings;
        this.store = store;
        this.etcd = etcd;
    }

    /**
     * Deletion: the flanneld DaemonSet goes first and its pods must be gone before the etcd prefix
     * is removed, or a still-running flanneld would recreate its lease under a deleted network.
     */
    DeleteControl cleanup(MultiNetwork n, Allocation decided) {
        String name = n.getMetadata().getName();
        String ns = settings.namespace();
        client.apps().daemonSets().inNamespace(ns).withName(NetworkNames.flanneldDaemonSet(name)).delete();
        boolean podsLeft = !client.pods().inNamespace(ns).withLabel(NetworkNames.LABEL_NETWORK, name)
                .withLabel(NetworkNames.LABEL_COMPONENT, NetworkNames.COMPONENT_FLANNELD).list().getItems().isEmpty();
        boolean dsLeft = client.apps().daemonSets().inNamespace(ns).withName(NetworkNames.flanneldDaemonSet(name)).get() != null;
        if (podsLeft || dsLeft) {
            metrics.deletionWaiting(OperatorMetrics.FLANNELD_RUNNING);
            return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofSeconds(1));
        }
        for (NetworkAttachmentDefinition nad : client.resources(NetworkAttachmentDefinition.class).inAnyNamespace()
                .withLabel(NetworkNames.LABEL_NETWORK, name).list().getItems()) {
            if (Attachments.ownedBy(nad, name)) {
                client.resource(nad).delete();
            }
        }
        client.configMaps().inNamespace(ns).withName(FlanneldDaemonSet.netConfConfigMap(name)).delete();
        client.serviceAccounts().inNamespace(ns).withName(NetworkNames.flanneldDaemonSet(name)).delete();
        client.rbac().clusterRoleBindings().withName(FlanneldDaemonSet.rbacName(name)).delete();
        client.rbac().clusterRoles().withName(FlanneldDaemonSet.rbacName(name)).delete();
        // Only a prefix this network was accepted with is its own: a rejected spec may name another network's.
        // Without a status (the operator wrote etcd, then failed before the status write) the allocation
        // this operator decided is used.
        Allocation a = n.getStatus() != null && n.getStatus().allocated != null ? n.getStatus().allocated : decided;
        if (a != null && a.etcdPrefix != null) {
            try {
                long deleted = store.deletePrefix(etcd.of(n), a.etcdPrefix + "/");
                LOG.infof("network %s deleted: nothing is left under %s/ (this pass removed %d keys)", name, a.etcdPrefix, deleted);
            } catch (EtcdUnavailableException e) {
                metrics.deletionWaiting(OperatorMetrics.ETCD_UNAVAILABLE);
                String message = "the deletion is waiting: cannot remove etcd prefix " + a.etcdPrefix + "/ (" + e.getMessage() + "). Fix the"
                        + " etcd endpoint or its Secret and the deletion finishes by itself; or remove the finalizer by hand (docs/operator.md),"
                        + " which leaves the keys under " + a.etcdPrefix + "/ in etcd";
                Events.warn(client, n, "DeletionBlocked", message);
                blocked(n, message);
                return DeleteControl.noFinalizerRemoval().rescheduleAfter(etcd.failed(name));
            }
        }
        etcd.succeeded(name);
        return DeleteControl.defaultDelete();
    }

    /** Degraded=True, reason DeletionBlocked, on a network whose deletion waits: not "no errors" while it hangs. */
    private void blocked(MultiNetwork n, String message) {
        MultiNetworkStatus current = status.current(n);
        MultiNetworkStatus next = current == null ? new MultiNetworkStatus()
                : io.multinet.JsonBinding.MAPPER.convertValue(current, MultiNetworkStatus.class);
        String now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString();
        List<io.fabric8.kubernetes.api.model.Condition> others = next.conditions == null ? List.of()
                : next.conditions.stream().filter(c -> !Conditions.DEGRADED.equals(c.getType())).toList();
        next.conditions = Conditions.set(current == null ? null : current.conditions, others, Conditions.DEGRADED, true, "DeletionBlocked",
                message, n.getMetadata().getGeneration(), now);
        try {
            status.write(n, current, next);
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            LOG.warnf("network %s: cannot write the status of its blocked deletion: %s", n.getMetadata().getName(), e.getMessage());
        }
    }
}
