package io.multinet.operator;

import java.time.Duration;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.multinet.NetworkNames;
import io.multinet.api.nad.NetworkAttachmentDefinition;
import io.multinet.api.v1alpha1.Allocation;
import io.multinet.api.v1alpha1.MultiNetwork;
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

    NetworkCleanup(KubernetesClient client, OperatorSettings settings, FlannelStore store, EtcdTargets etcd) {
        this.client = client;
        this.settings = settings;
        this.store = store;
        this.etcd = etcd;
    }

    /**
     * Deletion: the flanneld DaemonSet goes first and its pods must be gone before the etcd prefix
     * is removed, or a still-running flanneld would recreate its lease under a deleted network.
     */
    DeleteControl cleanup(MultiNetwork n) {
        String name = n.getMetadata().getName();
        String ns = settings.namespace();
        client.apps().daemonSets().inNamespace(ns).withName(NetworkNames.flanneldDaemonSet(name)).delete();
        boolean podsLeft = !client.pods().inNamespace(ns).withLabel(NetworkNames.LABEL_NETWORK, name)
                .withLabel(NetworkNames.LABEL_COMPONENT, NetworkNames.COMPONENT_FLANNELD).list().getItems().isEmpty();
        boolean dsLeft = client.apps().daemonSets().inNamespace(ns).withName(NetworkNames.flanneldDaemonSet(name)).get() != null;
        if (podsLeft || dsLeft) {
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
        Allocation a = n.getStatus() == null ? null : n.getStatus().allocated;
        // Only a prefix this network was accepted with is its own: a rejected spec may name another network's.
        if (a != null && a.etcdPrefix != null) {
            try {
                long deleted = store.deletePrefix(etcd.of(n), a.etcdPrefix + "/");
                LOG.infof("network %s deleted: removed %d etcd keys under %s/", name, deleted, a.etcdPrefix);
            } catch (EtcdUnavailableException e) {
                Events.warn(client, n, "EtcdUnavailable", "cannot remove etcd prefix " + a.etcdPrefix + " yet: " + e.getMessage());
                return DeleteControl.noFinalizerRemoval().rescheduleAfter(etcd.failed(name));
            }
        }
        etcd.succeeded(name);
        return DeleteControl.defaultDelete();
    }
}
