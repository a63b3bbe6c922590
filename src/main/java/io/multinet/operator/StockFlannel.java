package io.multinet.operator;

import java.util.List;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * A stock kube-flannel on the cluster. Beside multinet's kube-mode network it would manage the same
 * podCIDR routes and write the same flannel.alpha.coreos.com node annotations: a kube-mode network
 * replaces stock flannel, and the network says so while one runs.
 */
final class StockFlannel {

    private static final Logger LOG = Logger.getLogger(StockFlannel.class);

    private StockFlannel() {
    }

    /** Where kube-flannel's manifests put its DaemonSet (current and older releases). */
    private static final List<String> STOCK_FLANNEL_NAMESPACES = List.of("kube-flannel", "kube-system");

    /** A stock kube-flannel DaemonSet, as namespace/name, or null. */
    static String find(KubernetesClient client) {
        for (String ns : STOCK_FLANNEL_NAMESPACES) {
            try {
                if (client.apps().daemonSets().inNamespace(ns).withName("kube-flannel-ds").get() != null) {
                    return ns + "/kube-flannel-ds";
                }
            } catch (KubernetesClientException e) {
                LOG.debugf("cannot look for a stock flannel in %s: %s", ns, e.getMessage());
            }
        }
        return null;
    }
}
