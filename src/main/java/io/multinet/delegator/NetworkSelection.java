package io.multinet.delegator;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.multinet.Json;
import io.multinet.api.v1alpha1.Cidr;
import io.multinet.cni.CniException;
import io.multinet.cni.InterfaceNames;

/**
 * One network a pod asks for in k8s.v1.cni.cncf.io/networks, held to the Network Plumbing WG's
 * multi-net spec (v1.3, section 4.1.2.1): text (name, namespace/name, name@ifname,
 * namespace/name@ifname, comma separated) or a JSON list of selection objects. Every problem is a
 * CNI error naming the entry and the field, found before anything is attached.
 */
public record NetworkSelection(String namespace, String name, String ifname, List<String> ips, String mac, String infinibandGuid,
        List<String> defaultRoute, JsonNode portMappings, JsonNode bandwidth, JsonNode cniArgs) {

    /** Namespaces are DNS-1123 labels. */
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    /** NADs are Kubernetes objects: their names are DNS-1123 subdomains (dots allowed, up to 253). */
    private static final Pattern DNS_SUBDOMAIN = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    /** Six octets with one kind of separator, as Go's net.ParseMAC reads a 48-bit address. */
    private static final Pattern MAC = Pattern.compile("[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{2}(-[0-9A-Fa-f]{2}){5}");
    /** An InfiniBand GUID: eight octets, colon separated. */
    private static final Pattern GUID = Pattern.compile("[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){7}");

    /**
     * Parses the annotation and assigns interface names: the k-th selection gets net&lt;k&gt; unless
     * it names its own.
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
            String problem = InterfaceNames.problem(ifname);
            if (problem != null) {
                throw invalid("interface name " + problem + " (network " + s.namespace() + "/" + s.name() + ")");
            }
            if (!used.add(ifname)) {
                throw invalid("interface name '" + ifname + "' is used twice (network " + s.namespace() + "/" + s.name() + ")");
            }
            out.add(new NetworkSelection(s.namespace(), s.name(), ifname, s.ips(), s.mac(), s.infinibandGuid(), s.defaultRoute(),
                    s.portMappings(), s.bandwidth(), s.cniArgs()));
        }
        return out;
    }

    /** [namespace/]name[@interface], comma separated; every entry must have a name, a trailing comma too. */
    static List<NetworkSelection> parseText(String annotation, String podNamespace) {
        List<NetworkSelection> out = new ArrayList<>();
        for (String item : annotation.split(",", -1)) {
            String s = item.strip();
            if (s.isEmpty()) {
                throw invalid("empty entry in '" + quote(annotation) + "' (entries are separated by single commas)");
            }
            int at = s.indexOf('@');
            int slash = s.indexOf('/');
            if (at >= 0 && s.indexOf('@', at + 1) >= 0) {
                throw invalid("'" + quote(s) + "' has more than one '@' (expected [namespace/]name[@interface])");
            }
            if (slash >= 0 && s.indexOf('/', slash + 1) >= 0) {
                throw invalid("'" + quote(s) + "' has more than one '/' (expected [namespace/]name[@interface])");
            }
            if (at >= 0 && slash > at) {
                throw invalid("'" + quote(s) + "' has '/' after '@': the namespace comes first (expected [namespace/]name[@interface])");
            }
            String ifname = null;
            if (at >= 0) {
                ifname = s.substring(at + 1);
                s = s.substring(0, at);
            }
            String ns = podNamespace;
            if (slash >= 0) {
                ns = s.substring(0, slash);
                s = s.substring(slash + 1);
            }
            out.add(checked(ns, s, ifname, List.of(), null, null, List.of(), null, null, null));
        }
        return out;
    }

    static List<NetworkSelection> parseJson(String annotation, String podNamespace) {
        JsonNode root;
        try {
            root = Json.parse(annotation);
        } catch (JsonProcessingException e) {
            throw invalid("annotation is not valid JSON: " + e.getOriginalMessage());
        }
        if (!(root instanceof ArrayNode arr)) {
            throw invalid("annotation JSON must be a list of network selections");
        }
        List<NetworkSelection> out = new ArrayList<>();
        for (JsonNode e : arr) {
            if (!(e instanceof ObjectNode o) || !o.path("name").isTextual()) {
                throw invalid("every entry of the annotation needs a \"name\" string: " + quote(Json.write(e)));
            }
            String net = o.get("name").asText();
            // null means absent everywhere (spec: optional fields); "namespace": "" is the pod's (4.1.2.1.1)
            String ns = text(o, "namespace", net);
            List<String> ips = strings(o, "ips", net);
            for (String ip : ips) {
                validIp(ip, true, "ips", net);
            }
            List<String> gws = strings(o, "default-route", net);
            for (String gw : gws) {
                validIp(gw, false, "default-route", net);
            }
            String mac = text(o, "mac", net);
            if (mac != null && !MAC.matcher(mac).matches()) {
                throw invalid("mac '" + quote(mac) + "' is not a MAC address (network " + net + ")");
            }
            String guid = text(o, "infiniband-guid", net);
            if (guid != null && !GUID.matcher(guid).matches()) {
                throw invalid("infiniband-guid '" + quote(guid) + "' is not an InfiniBand GUID (eight hex octets, colon separated; network "
                        + net + ")");
            }
            JsonNode ports = typed(o, "portMappings");
            if (ports != null && (!ports.isArray() || !allObjects(ports))) {
                throw invalid("\"portMappings\" must be a list of objects (network " + net + ")");
            }
            JsonNode bandwidth = typed(o, "bandwidth");
            if (bandwidth != null && !bandwidth.isObject()) {
                throw invalid("\"bandwidth\" must be an object (network " + net + ")");
            }
            JsonNode cniArgs = typed(o, "cni-args");
            if (cniArgs != null && !cniArgs.isObject()) {
                throw invalid("\"cni-args\" must be an object of arguments (network " + net + ")");
            }
            out.add(checked(ns == null || ns.isEmpty() ? podNamespace : ns, net, text(o, "interface", net), ips, mac, guid, gws, ports,
                    bandwidth, cniArgs));
        }
        return out;
    }

    private static NetworkSelection checked(String ns, String name, String ifname, List<String> ips, String mac, String guid,
            List<String> gws, JsonNode ports, JsonNode bw, JsonNode args) {
        if (name.length() > 253 || !DNS_SUBDOMAIN.matcher(name).matches()) {
            throw invalid("network name '" + quote(name) + "' is not a valid NetworkAttachmentDefinition name (a DNS-1123 subdomain: "
                    + "lower-case letters, digits, '-' and '.')");
        }
        if (!DNS_LABEL.matcher(ns).matches()) {
            throw invalid("namespace '" + quote(ns) + "' of network " + name + " is not a valid namespace name");
        }
        return new NetworkSelection(ns, name, ifname, ips, mac, guid, gws, ports, bw, args);
    }

    /** A field that, when present and not null, holds some JSON value. */
    private static JsonNode typed(ObjectNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v;
    }

    /** A string field: null when absent or null, an error when another type (numbers are not names). */
    private static String text(ObjectNode o, String field, String net) {
        JsonNode v = typed(o, field);
        if (v == null) {
            return null;
        }
        if (!v.isTextual()) {
            throw invalid("\"" + field + "\" must be a string, not " + quote(Json.write(v)) + " (network " + net + ")");
        }
        return v.asText();
    }

    private static List<String> strings(ObjectNode o, String field, String net) {
        JsonNode v = typed(o, field);
        if (v == null) {
            return List.of();
        }
        if (!v.isArray()) {
            throw invalid("\"" + field + "\" must be a list (network " + net + ")");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode x : v) {
            if (!x.isTextual()) {
                throw invalid("\"" + field + "\" must be a list of strings, not " + quote(Json.write(v)) + " (network " + net + ")");
            }
            out.add(x.asText());
        }
        return out;
    }

    private static boolean allObjects(JsonNode list) {
        for (JsonNode x : list) {
            if (!x.isObject()) {
                return false;
            }
        }
        return true;
    }

    /** An IPv4 or IPv6 address (with a prefix length where allowed), as Go's net.ParseIP/ParseCIDR read them. */
    private static void validIp(String ip, boolean prefixAllowed, String field, String net) {
        String addr = ip;
        String where = " in \"" + field + "\" is not a valid IP address" + (prefixAllowed ? " or CIDR" : "") + " (network " + net + ")";
        boolean v6 = ip.contains(":");
        if (prefixAllowed && ip.contains("/")) {
            addr = ip.substring(0, ip.indexOf('/'));
            String len = ip.substring(ip.indexOf('/') + 1);
            if (!Cidr.isDecimal(len) || Integer.parseInt(len) > (v6 ? 128 : 32)) {
                throw invalid("'" + quote(ip) + "'" + where);
            }
        }
        if (!(v6 ? isIpv6(addr) : isIpv4(addr))) {
            throw invalid("'" + quote(ip) + "'" + where);
        }
    }

    private static boolean isIpv4(String addr) {
        try {
            Cidr.parseAddress(addr);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * The JDK parses an IPv6 literal without any lookup once the text holds a ':'; the character check
     * before keeps zone IDs ("%eth0") and brackets out, which Go's parser refuses too.
     */
    private static boolean isIpv6(String addr) {
        if (!addr.matches("[0-9A-Fa-f:.]+") || addr.contains(":::")) {
            return false;
        }
        try {
            InetAddress.getByName(addr);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** A value quoted in a message, cut so that a huge annotation is not echoed into Events whole. */
    static String quote(String value) {
        return value.length() > 100 ? value.substring(0, 100) + "…" : value;
    }

    static CniException invalid(String message) {
        return new CniException(CniException.INVALID_SELECTION, "invalid " + io.multinet.NetworkNames.NETWORKS_ANNOTATION + ": " + message);
    }
}
