package io.multinet.api.v1alpha1;

import static io.multinet.api.v1alpha1.NetworkPlanner.*;

import java.util.List;

/**
 * What two networks may not share: address space, etcd keys, the one kube mode and default network
 * per cluster, fixed device names, bridges, VNIs and NAD names. A network being deleted still holds
 * all of it until its deletion has completed.
 */
final class Conflicts {

    private Conflicts() {
    }

    /** Every way this network would collide with an accepted (or deleting) one on a node or in the API. */
    static void check(MultiNetwork n, Cidr cidr, List<Claim> claims, List<String> errors) {
        MultiNetworkSpec spec = n.getSpec();
        String prefix = effectivePrefix(n);
        String nad = attachmentName(n);
        List<String> namespaces = attachmentNamespaces(spec);
        boolean selector = spec.attachment != null && spec.attachment.namespaceSelector != null;
        for (Claim c : claims) {
            String other = "network '" + c.name() + "'" + (c.deleting() ? " (being deleted: free once its deletion has completed)" : "");
            if (cidr.overlaps(c.cidr())) {
                errors.add("spec.network: " + cidr + " overlaps " + other + " (" + c.cidr() + ")");
            }
            String op = c.alloc().etcdPrefix;
            // Key paths nest only at a '/': /n/net1 and /n/net10 are separate, /n/net1 and /n/net1/x are not.
            if (prefix != null && op != null && (prefix.equals(op) || prefix.startsWith(op + "/") || op.startsWith(prefix + "/"))) {
                errors.add("spec.etcd.prefix: '" + prefix + "' clashes with " + other + " prefix '" + op
                        + "' (equal, or one lies under the other, so their keys would mix)");
            }
            if (spec.subnetManager() == SubnetManager.KUBE && c.alloc().subnetManager == SubnetManager.KUBE) {
                errors.add("spec.subnetManager: kube is already used by " + other
                        + "; a node has one podCIDR, so at most one network may use kube mode");
            }
            if (spec.defaultNetwork && c.defaultNetwork()) {
                errors.add("spec.default: " + other + " is already the cluster default network; at most one may be default");
            }
            if (spec.backendType().fixedDeviceName() && c.alloc().backendType == spec.backendType()) {
                errors.add("spec.backend.type: " + spec.backendType() + " is already used by " + other
                        + "; its device name is fixed, so one such network per node");
            }
            if (spec.attachment != null && spec.attachment.bridge != null && spec.attachment.bridge.equals(c.alloc().bridge)) {
                errors.add("spec.attachment.bridge: '" + spec.attachment.bridge + "' is already the bridge of " + other);
            }
            if (spec.backend != null && spec.backend.vni != null && spec.backend.vni.equals(c.alloc().vni)) {
                errors.add("spec.backend.vni: " + spec.backend.vni + " is already used by " + other);
            }
            if (nad.equals(c.nadName())) {
                if (selector || c.nadSelector()) {
                    errors.add("spec.attachment.name: '" + nad + "' is also the attachment name of " + other
                            + " and a namespace selector may give both the same namespace; choose another name");
                } else {
                    for (String ns : namespaces) {
                        if (c.nadNamespaces().contains(ns)) {
                            errors.add("spec.attachment.name: '" + nad + "' in namespace '" + ns
                                    + "' is already written by " + other);
                        }
                    }
                }
            }
        }
    }
}
