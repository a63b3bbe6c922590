package io.multinet.delegator;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.multinet.api.v1alpha1.Cidr;
import io.multinet.api.v1alpha1.NetworkPlanner;
import io.multinet.cni.CniException;

/**
 * One network a pod asks for in k8s.v1.cni.cncf.io/networks, in every form Multus accepts: text
 * (name, namespace/name, name@ifname, namespace/name@ifname, comma separated) or a JSON list.
 */
public record NetworkSelection(String namespace, String name, String ifname, List<String> ips, String mac,
        List<String> defaultRoute, JsonNode portMappings, JsonNode bandwidth, JsonNode cniArgs) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    private static final Pattern MAC = Pattern.compile("([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}");

    /**
     * Parses the annotation and assigns interface names: the k-th selection gets net<k> unless it
     * names its own. Any problem is a CNI error naming the entry.
     */
    public static List<NetworkSelection> parse(String annotation, String podNamespace) {
        if (annotation == null || annotation.isBlank()) {
            return List.of();
        }
        List<NetworkSelection> raw = annotation.strip().startsWith("[") ? parseJson(annotation, podNamespace)
                : parseText(annotation, podNamespace);
        List<NetworkSelection> out = new ArrayList<>();
        Set<String> used = new HashSet<>(Set.of("eth0"));
        int k = 1;
        for (NetworkSelection s : raw) {
            String ifname = s.ifname() != null ? s.ifname() : "net" + k;
            k++;
            String problem = NetworkPlanner.ifnameProblem(ifname);
            if (problem != null) {
                throw invalid("interface name " + problem + " (network " + s.namespace() + "/" + s.name() + ")");
            }
            if (!used.add(ifname)) {
                throw invalid("interface name '" + ifname + "' is used twice (network " + s.namespace() + "/" + s.name() + ")");
            }
            out.add(new NetworkSelection(s.namespace(), s.name(), ifname, s.ips(), s.mac(), s.defaultRoute(), s.portMappings(),
                    s.bandwidth(), s.cniArgs()));
        }
        return out;
    }

    static List<NetworkSelection> parseText(String annotation, String podNamespace) {
        List<NetworkSelection> out = new ArrayList<>();
        for (String item : annotation.split(",")) {
            String s = item.strip();
            if (s.isEmpty()) {
                throw invalid("empty entry in '" + annotation + "'");
            }
            String ifname = null;
            int at = s.indexOf('@');
            if (at >= 0) {
                ifname = s.substring(at + 1);
                s = s.substring(0, at);
            }
            String ns = podNamespace;
            int slash = s.indexOf('/');
            if (slash >= 0) {
                ns = s.substring(0, slash);
                s = s.substring(slash + 1);
            }
            out.add(checked(ns, s, ifname, List.of(), null, List.of(), null, null, null));
        }
        return out;
    }

    static List<NetworkSelection> parseJson(String annotation, String podNamespace) {
        JsonNode root;
        try {
            root = JSON.readTree(annotation);
        } catch (JsonProcessingException e) {
            throw invalid("annotation is not valid JSON: " + e.getOriginalMessage());
        }
        if (!(root instanceof ArrayNode arr)) {
            throw invalid("annotation JSON must be a list of network selections");
        }
        List<NetworkSelection> out = new ArrayList<>();
        for (JsonNode e : arr) {
            if (!(e instanceof ObjectNode o) || !o.path("name").isTextual()) {
                throw invalid("every entry of the annotation needs a \"name\": " + e);
            }
            List<String> ips = strings(o, "ips");
            for (String ip : ips) {
                validIp(ip, true);
            }
            List<String> gws = strings(o, "default-route");
            for (String gw : gws) {
                validIp(gw, false);
            }
            String mac = o.has("mac") ? o.get("mac").asText() : null;
            if (mac != null && !MAC.matcher(mac).matches()) {
                throw invalid("mac '" + mac + "' is not a MAC address (network " + o.get("name").asText() + ")");
            }
            out.add(checked(o.path("namespace").asText(podNamespace), o.get("name").asText(),
                    o.has("interface") ? o.get("interface").asText() : null, ips, mac, gws, o.get("portMappings"),
                    o.get("bandwidth"), o.get("cni-args")));
        }
        return out;
    }

    private static NetworkSelection checked(String ns, String name, String ifname, List<String> ips, String mac, List<String> gws,
            JsonNode ports, JsonNode bw, JsonNode args) {
        if (!DNS_LABEL.matcher(name).matches()) {
            throw invalid("network name '" + name + "' is not a valid NetworkAttachmentDefinition name");
        }
        if (!DNS_LABEL.matcher(ns).matches()) {
            throw invalid("namespace '" + ns + "' of network " + name + " is not a valid namespace name");
        }
        return new NetworkSelection(ns, name, ifname, ips, mac, gws, ports, bw, args);
    }

    private static List<String> strings(ObjectNode o, String field) {
        JsonNode v = o.get(field);
        if (v == null) {
            return List.of();
        }
        if (!v.isArray()) {
            throw invalid("\"" + field + "\" must be a list (network " + o.path("name").asText() + ")");
        }
        List<String> out = new ArrayList<>();
        v.forEach(x -> out.add(x.asText()));
        return out;
    }

    private static void validIp(String ip, boolean cidrAllowed) {
        String addr = ip;
        if (cidrAllowed && ip.contains("/")) {
            addr = ip.substring(0, ip.indexOf('/'));
            try {
                int len = Integer.parseInt(ip.substring(ip.indexOf('/') + 1));
                if (len < 0 || len > (addr.contains(":") ? 128 : 32)) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                throw invalid("'" + ip + "' is not a valid IP address");
            }
        }
        if (addr.contains(":")) {
            if (!addr.matches("[0-9A-Fa-f:.]+")) {
                throw invalid("'" + ip + "' is not a valid IP address");
            }
            return;
        }
        try {
            Cidr.parseAddress(addr);
        } catch (IllegalArgumentException e) {
            throw invalid("'" + ip + "' is not a valid IP address");
        }
    }

    static CniException invalid(String message) {
        return new CniException(CniException.INVALID_SELECTION, "invalid " + io.multinet.NetworkNames.NETWORKS_ANNOTATION + ": " + message);
    }
}
