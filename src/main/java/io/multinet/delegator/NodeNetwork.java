package io.multinet.delegator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.multinet.api.v1alpha1.Allocation;
import io.multinet.api.v1alpha1.BackendType;
import io.multinet.api.v1alpha1.SubnetManager;
import io.multinet.flannel.FlannelCni;

/**
 * A MultiNetwork as the node daemon reads it: its name, whether it is being deleted or asks to be the
 * default, the attachment's mtu and ipMasq, and what the operator accepted (status.allocated).
 * Read from the informer's JSON field by field instead of bound to the typed MultiNetwork: binding
 * brings Jackson's data-binding machinery into every node's daemon (issue 20). `NodeNetworkTest`
 * checks that it reads what the typed model reads.
 *
 * @param allocated null until the operator has accepted the network
 */
public record NodeNetwork(String name, boolean deleting, boolean defaultRequested, Integer mtu, Boolean ipMasq, Allocation allocated) {

    /** From a MultiNetwork object as the API server serves it. */
    public static NodeNetwork of(JsonNode o) {
        JsonNode meta = o.path("metadata");
        JsonNode spec = o.path("spec");
        JsonNode attachment = spec.path("attachment");
        JsonNode a = o.path("status").path("allocated");
        return new NodeNetwork(meta.path("name").asText(), meta.hasNonNull("deletionTimestamp"), spec.path("default").asBoolean(false),
                integer(attachment, "mtu"), bool(attachment, "ipMasq"), a.isObject() ? allocation(a) : null);
    }

    /** The default network, as accepted by the operator, and not being deleted. */
    boolean isDefault() {
        return !deleting && defaultRequested && allocated != null && Boolean.TRUE.equals(allocated.defaultNetwork);
    }

    /** Its `type: flannel` CNI config, as the operator writes it into the network's NADs. */
    ObjectNode cniConfig(boolean defaultGateway) {
        return FlannelCni.networkConfig(name, mtu, ipMasq, allocated, defaultGateway);
    }

    private static Allocation allocation(JsonNode n) {
        Allocation a = new Allocation();
        a.network = text(n, "network");
        a.subnetLen = integer(n, "subnetLen");
        // a value this build does not know (a newer operator's) leaves the field empty, as it does nothing on a node
        a.subnetManager = SubnetManager.lookup(text(n, "subnetManager"));
        a.backendType = BackendType.lookup(text(n, "backendType"));
        a.etcdPrefix = text(n, "etcdPrefix");
        a.subnetFile = text(n, "subnetFile");
        a.dataDir = text(n, "dataDir");
        a.bridge = text(n, "bridge");
        a.vni = integer(n, "vni");
        a.healthzPort = integer(n, "healthzPort");
        a.defaultNetwork = bool(n, "defaultNetwork");
        return a;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Integer integer(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || !v.isNumber() ? null : v.intValue();
    }

    private static Boolean bool(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || !v.isBoolean() ? null : v.booleanValue();
    }
}
