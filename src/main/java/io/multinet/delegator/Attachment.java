package io.multinet.delegator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One interface of a pod: the network it comes from ("namespace/nad", or the default network's
 * name), its name in the pod, the CNI config (a conf or a conflist) that makes it, and the result of
 * its ADD once that has run (null before: a plan written ahead of the work).
 */
public record Attachment(String network, String ifname, boolean isDefault, ObjectNode conf, JsonNode result) {

    /** The CNI config's name: how the node state and the metrics name the network. */
    public String configName() {
        return conf.path("name").asText();
    }

    public Attachment withResult(JsonNode r) {
        return new Attachment(network, ifname, isDefault, conf, r);
    }

    /** How messages name it: "network team-a/blue (net1)". */
    public String describe() {
        return "network " + network + " (" + ifname + ")";
    }

    /** How an ADD failure names it: "network team-a/blue (plugin macvlan, interface net1)". */
    public String describeWithPlugins() {
        return "network " + network + " (" + pluginNames() + ", interface " + ifname + ")";
    }

    /** "plugin bridge + tuning": the plugins of its config. */
    String pluginNames() {
        StringBuilder out = new StringBuilder("plugin ");
        if (conf.has("plugins")) {
            conf.get("plugins").forEach(p -> out.append(out.length() > 7 ? " + " : "").append(p.path("type").asText()));
        } else {
            out.append(conf.path("type").asText());
        }
        return out.toString();
    }
}
