package io.multinet.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One flannel network that pods can attach to. Cluster-scoped: a network spans every namespace
 * and its per-node resources (bridge, VNI, healthz port) are a node-wide, not a namespace, matter.
 */
@Group(MultiNetwork.GROUP)
@Version(MultiNetwork.VERSION)
@Kind("MultiNetwork")
@Plural("multinetworks")
@ShortNames("mnet")
@AdditionalPrinterColumn(name = "Network", jsonPath = ".spec.network", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Backend", jsonPath = ".spec.backend.type", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Mode", jsonPath = ".spec.subnetManager", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Nodes", jsonPath = ".status.nodes.summary", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
        type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class MultiNetwork extends CustomResource<MultiNetworkSpec, MultiNetworkStatus> {

    public static final String GROUP = "multinet.io";
    public static final String VERSION = "v1alpha1";

    @Override
    protected MultiNetworkSpec initSpec() {
        return new MultiNetworkSpec();
    }

}
