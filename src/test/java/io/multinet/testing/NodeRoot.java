package io.multinet.testing;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The node role's settings for a node played by a network namespace, with every host path under a
 * temporary root: one place for the tests, the demo and the benchmarks.
 */
public final class NodeRoot {

    private NodeRoot() {
    }

    /** As configuration properties (multinet.role=node, multinet.node.*). */
    public static Map<String, String> settings(Path root, String nodeName, Netns node, Path shim) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("multinet.role", "node");
        m.put("multinet.node.node-name", nodeName);
        m.put("multinet.node.cni-bin-dir", root.resolve("opt/cni/bin").toString());
        m.put("multinet.node.cni-conf-dir", root.resolve("etc/cni/net.d").toString());
        m.put("multinet.node.socket-dir", root.resolve("run/multinet").toString());
        m.put("multinet.node.cache-dir", root.resolve("var/lib/multinet/cache").toString());
        m.put("multinet.node.ipam-data-dir", root.resolve("var/lib/cni/networks").toString());
        m.put("multinet.node.plugin-dirs", "/usr/lib/cni");
        m.put("multinet.node.shim-source", shim.toString());
        m.put("multinet.node.refresh-interval", "200ms");
        m.put("multinet.node.attachments-report-interval", "200ms");
        m.put("multinet.node.plugin-netns", node.name());
        return m;
    }

    /** What a runtime passes the plugin of a conflist: its object with the list's name and cniVersion. */
    public static String pluginConf(Path conflist) {
        try {
            var json = new com.fasterxml.jackson.databind.ObjectMapper();
            var list = json.readTree(conflist.toFile());
            var conf = (com.fasterxml.jackson.databind.node.ObjectNode) list.get("plugins").get(0).deepCopy();
            conf.put("name", list.get("name").asText());
            conf.put("cniVersion", list.get("cniVersion").asText());
            return conf.toString();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read " + conflist, e);
        }
    }

    /** The same as environment variables, for a process started from the built jar. */
    public static Map<String, String> env(Map<String, String> settings) {
        Map<String, String> env = new LinkedHashMap<>();
        settings.forEach((k, v) -> env.put(k.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'), v));
        return env;
    }
}
