package io.multinet.flannel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.multinet.Json;

/**
 * The flannel CNI plugin's contract, done in-process: from a `type: flannel` config and the
 * network's subnet file, the delegate config (bridge + host-local) the flannel plugin would run.
 * A node then needs only the standard reference plugins.
 */
public final class FlannelCni {

    /**
     * The cniVersion of the flannel configs multinet writes (NADs, the default network's eth0): the
     * newest that every flannel CNI plugin accepts (the one in containernetworking/plugins stops at
     * 0.4.0), so Multus, or a runtime, can run multinet's NADs with whatever flannel build a node has.
     */
    public static final String CNI_VERSION = "0.4.0";
    public static final String DEFAULT_SUBNET_FILE = io.multinet.HostPaths.FLANNEL_SUBNET_FILE;
    public static final String DEFAULT_DATA_DIR = io.multinet.HostPaths.FLANNEL_DATA_DIR;

    private FlannelCni() {
    }

    /**
     * The `type: flannel` config of a network, as NADs carry it and the delegator runs it for eth0.
     * Only the default network's interface may take the pod's default route.
     */
    public static ObjectNode networkConfig(io.multinet.api.v1alpha1.MultiNetwork n, io.multinet.api.v1alpha1.Allocation a,
            boolean defaultGateway) {
        io.multinet.api.v1alpha1.MultiNetworkSpec.Attachment att = n.getSpec().attachment;
        return networkConfig(n.getMetadata().getName(), att == null ? null : att.mtu, att == null ? null : att.ipMasq, a, defaultGateway);
    }

    /** The same from the network's name and its attachment's mtu and ipMasq (null: flannel's), as the node daemon reads them. */
    public static ObjectNode networkConfig(String name, Integer mtu, Boolean ipMasq, io.multinet.api.v1alpha1.Allocation a, boolean defaultGateway) {
        ObjectNode conf = Json.object();
        conf.put("cniVersion", CNI_VERSION);
        conf.put("name", name);
        conf.put("type", "flannel");
        conf.put("subnetFile", a.subnetFile);
        conf.put("dataDir", a.dataDir);
        ObjectNode delegate = conf.putObject("delegate");
        delegate.put("bridge", a.bridge);
        delegate.put("isDefaultGateway", defaultGateway);
        if (mtu != null) {
            delegate.put("mtu", mtu);
        }
        if (ipMasq != null) {
            delegate.put("ipMasq", ipMasq);
        }
        return conf;
    }

    public static String subnetFile(JsonNode conf) {
        return conf.path("subnetFile").asText(DEFAULT_SUBNET_FILE);
    }

    public static String dataDir(JsonNode conf) {
        return conf.path("dataDir").asText(DEFAULT_DATA_DIR);
    }

    /**
     * @param ipamDataDir where host-local keeps its leases (a node setting), or null for host-local's default
     */
    public static ObjectNode delegate(JsonNode conf, SubnetEnv env, String ipamDataDir) {
        JsonNode given = conf.get("delegate");
        if (given != null && !given.isObject()) {
            throw new IllegalArgumentException("delegate must be an object");
        }
        if (given != null && (given.has("name") || given.has("ipam"))) {
            throw new IllegalArgumentException("delegate must not set name or ipam (flannel sets them)");
        }
        ObjectNode d = given == null ? Json.object() : given.deepCopy();
        d.put("name", conf.path("name").asText());
        d.put("cniVersion", conf.path("cniVersion").asText());
        if (!d.has("type")) {
            d.put("type", "bridge");
        }
        if (!d.has("mtu")) {
            d.put("mtu", env.mtu());
        }
        if (!d.has("ipMasq")) {
            // flanneld masquerades already when FLANNEL_IPMASQ is true; doing it twice would break return traffic
            d.put("ipMasq", !env.ipMasq());
        }
        if ("bridge".equals(d.path("type").asText()) && !d.has("isGateway")) {
            d.put("isGateway", true);
        }
        ObjectNode ipam = conf.has("ipam") && conf.get("ipam").isObject() ? (ObjectNode) conf.get("ipam").deepCopy() : Json.object();
        ipam.put("type", "host-local");
        ipam.putArray("ranges").addArray().addObject().put("subnet", env.subnetCidr());
        if (!ipam.has("routes")) {
            // with the gateway spelled out, the bridge plugin's CHECK finds the route it installed
            ipam.putArray("routes").addObject().put("dst", env.network()).put("gw", env.subnet().substring(0, env.subnet().indexOf('/')));
        }
        if (ipamDataDir != null && !ipam.has("dataDir")) {
            ipam.put("dataDir", ipamDataDir);
        }
        d.set("ipam", ipam);
        if (conf.has("runtimeConfig")) {
            d.set("runtimeConfig", conf.get("runtimeConfig"));
        }
        if (conf.has("args")) {
            d.set("args", conf.get("args"));
        }
        return d;
    }
}
