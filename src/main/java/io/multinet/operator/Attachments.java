package io.multinet.operator;

import java.util.Map;


import io.multinet.NetworkNames;
import io.multinet.api.nad.NetworkAttachmentDefinition;
import io.multinet.api.nad.NetworkAttachmentDefinitionSpec;
import io.multinet.api.v1alpha1.Allocation;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.flannel.FlanneldDaemonSet;

/**
 * Desired NetworkAttachmentDefinitions of a network: a flannel CNI config whose subnetFile, dataDir
 * and bridge are the network's own, so two flannel networks never share a bridge or an IPAM store.
 */
public final class Attachments {


    private Attachments() {
    }

    public static String cniConfig(MultiNetwork n, Allocation a) {
        // a secondary interface must not take the pod's default route from eth0
        return io.multinet.flannel.FlannelCni.networkConfig(n, a, false).toString();
    }

    public static NetworkAttachmentDefinition desired(MultiNetwork n, Allocation a, String namespace) {
        NetworkAttachmentDefinition nad = new NetworkAttachmentDefinition();
        nad.getMetadata().setName(io.multinet.api.v1alpha1.NetworkPlanner.attachmentName(n));
        nad.getMetadata().setNamespace(namespace);
        nad.getMetadata().setLabels(Map.of(NetworkNames.LABEL_MANAGED_BY, NetworkNames.MANAGER,
                NetworkNames.LABEL_NETWORK, n.getMetadata().getName()));
        nad.getMetadata().setAnnotations(Map.of(NetworkNames.OWNER_ANNOTATION, n.getMetadata().getName()));
        nad.getMetadata().setOwnerReferences(java.util.List.of(FlanneldDaemonSet.owner(n)));
        nad.setSpec(new NetworkAttachmentDefinitionSpec(cniConfig(n, a)));
        return nad;
    }

    /** Written by multinet for this network: only such a NAD may be changed or deleted. */
    public static boolean ownedBy(NetworkAttachmentDefinition nad, String network) {
        Map<String, String> ann = nad.getMetadata().getAnnotations();
        return ann != null && network.equals(ann.get(NetworkNames.OWNER_ANNOTATION));
    }

    /** Same content as desired: the spec and what marks ownership. */
    public static boolean matches(NetworkAttachmentDefinition actual, NetworkAttachmentDefinition desired) {
        return actual.getSpec() != null && java.util.Objects.equals(actual.getSpec().config, desired.getSpec().config)
                && containsAll(actual.getMetadata().getLabels(), desired.getMetadata().getLabels())
                && containsAll(actual.getMetadata().getAnnotations(), desired.getMetadata().getAnnotations());
    }

    static boolean containsAll(Map<String, String> actual, Map<String, String> wanted) {
        return actual != null && actual.entrySet().containsAll(wanted.entrySet());
    }
}
