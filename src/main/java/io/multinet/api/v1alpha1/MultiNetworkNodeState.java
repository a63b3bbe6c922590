package io.multinet.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * What the delegator on one node sees (name = node name). Written by the node role, read by the
 * operator: the node is the only place that can tell whether a subnet file or bridge exists.
 */
@Group(MultiNetwork.GROUP)
@Version(MultiNetwork.VERSION)
@Kind("MultiNetworkNodeState")
@Plural("multinetworknodestates")
@ShortNames("mnetns")
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.delegator.ready", type = AdditionalPrinterColumn.Type.BOOLEAN)
@AdditionalPrinterColumn(name = "Default", jsonPath = ".status.delegator.defaultNetwork", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Networks", jsonPath = ".status.networkCount", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Version", jsonPath = ".status.delegator.version", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class MultiNetworkNodeState extends CustomResource<Void, MultiNetworkNodeStateStatus> {

}
