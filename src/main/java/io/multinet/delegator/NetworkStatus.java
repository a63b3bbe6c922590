package io.multinet.delegator;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.multinet.Json;

/**
 * The k8s.v1.cni.cncf.io/network-status document of a pod, from the results of its attachments:
 * one entry per interface, the default network's marked default, in the fields Multus writes.
 */
final class NetworkStatus {


    private NetworkStatus() {
    }

    static ArrayNode of(List<Attachment> attachments) {
        ArrayNode out = Json.array();
        for (Attachment a : attachments) {
            JsonNode r = a.result();
            ObjectNode s = out.addObject();
            s.put("name", a.network());
            s.put("interface", a.ifname());
            // a result lists host-side interfaces too (the bridge, the veth's host end): ours is the one in the sandbox
            int index = -1;
            JsonNode ifaces = r.path("interfaces");
            for (int i = 0; i < ifaces.size(); i++) {
                if (a.ifname().equals(ifaces.get(i).path("name").asText()) && !ifaces.get(i).path("sandbox").asText().isEmpty()) {
                    index = i;
                }
            }
            // the fields in Multus' order (its NetworkStatus type), for whoever reads the text rather than the JSON
            ArrayNode ips = s.putArray("ips");
            for (JsonNode ip : r.path("ips")) {
                if (index < 0 || !ip.has("interface") || ip.get("interface").asInt() == index) {
                    String addr = ip.path("address").asText();
                    ips.add(addr.contains("/") ? addr.substring(0, addr.indexOf('/')) : addr);
                }
            }
            JsonNode iface = index < 0 ? null : ifaces.get(index);
            if (iface != null && iface.has("mac")) {
                s.put("mac", iface.get("mac").asText());
            }
            if (iface != null && iface.has("mtu")) {
                s.put("mtu", iface.get("mtu").asInt());
            }
            // as Multus (network-attachment-definition-client's CreateNetworkStatus): "default" only when
            // true, and the gateways are those of the result's default routes, not every address's gateway
            if (a.isDefault()) {
                s.put("default", true);
            }
            if (r.has("dns") && !r.get("dns").isEmpty()) {
                s.set("dns", r.get("dns"));
            } else {
                s.putObject("dns");
            }
            ArrayNode gws = Json.array();
            for (JsonNode route : r.path("routes")) {
                String dst = route.path("dst").asText();
                if ((dst.equals("0.0.0.0/0") || dst.equals("::/0")) && route.hasNonNull("gw")) {
                    gws.add(route.get("gw").asText());
                }
            }
            if (!gws.isEmpty()) {
                s.set("gateway", gws);
            }
        }
        return out;
    }
}
