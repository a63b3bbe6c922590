package io.multinet.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.multinet.flannel.FlannelCni;
import io.multinet.flannel.SubnetEnv;

/**
 * The real flannel CNI plugin as the oracle for the delegator's built-in flannel handling: for the
 * same subnet file and config, both run the same reference plugins, and must produce the same
 * delegate config and the same interface, address, routes and MTU in the pod. Each side gets a
 * "host" namespace and a "pod" namespace of its own, made by this test inside the cluster's admin
 * namespace, so their bridges never meet.
 */
class FlannelOracleE2E {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String PLUGINS = "/usr/lib/cni";
    final List<String> namespaces = new ArrayList<>();
    Path dir;

    @AfterEach
    void removeNamespaces() throws Exception {
        for (String ns : namespaces) {
            run(List.of("ip", "netns", "del", ns), null, Map.of());
        }
        if (dir != null) {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        String left = run(List.of("ip", "netns", "list"), null, Map.of()).out();
        assertTrue(!left.contains(TestCluster.nsPrefix() + "-oracle"), "namespaces left: " + left);
    }

    @Test
    void builtInFlannelMatchesTheRealPlugin() throws Exception {
        dir = Files.createTempDirectory("flannel-oracle-");
        Path subnetFile = dir.resolve("subnet.env");
        Files.writeString(subnetFile, "FLANNEL_NETWORK=172.130.0.0/16\nFLANNEL_SUBNET=172.130.5.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n");

        Side real = side("real");
        Side ours = side("ours");
        // the config a NAD of multinet carries (FlannelCni.networkConfig), in the version the plugin speaks
        ObjectNode conf = JSON.createObjectNode().put("cniVersion", "0.4.0").put("name", "oracle").put("type", "flannel")
                .put("subnetFile", subnetFile.toString());
        conf.putObject("delegate").put("bridge", "oracle0").put("isDefaultGateway", false);

        ObjectNode realConf = conf.deepCopy().put("dataDir", dir.resolve("real-data").toString());
        realConf.putObject("ipam").put("dataDir", dir.resolve("real-ipam").toString());
        String realFlannel = System.getenv("MULTINET_E2E_FLANNEL_CNI");
        assertTrue(realFlannel != null && Files.isExecutable(Path.of(realFlannel)), "MULTINET_E2E_FLANNEL_CNI: " + realFlannel);
        TestCluster.Result realAdd = real.cni(realFlannel, "ADD", realConf);
        assertEquals(0, realAdd.exit(), realAdd.out() + realAdd.err());
        JsonNode realDelegate = JSON.readTree(Files.readString(dir.resolve("real-data").resolve(real.containerId)));

        ObjectNode oursConf = conf.deepCopy();
        oursConf.putObject("ipam").put("dataDir", dir.resolve("ours-ipam").toString());
        ObjectNode oursDelegate = FlannelCni.delegate(oursConf, SubnetEnv.read(subnetFile), null);
        TestCluster.Result oursAdd = ours.cni(PLUGINS + "/" + oursDelegate.path("type").asText(), "ADD", oursDelegate);
        assertEquals(0, oursAdd.exit(), oursAdd.out() + oursAdd.err());

        // the delegate config, field by field (paths aside)
        for (String field : List.of("name", "cniVersion", "type", "bridge", "mtu", "ipMasq", "isGateway", "isDefaultGateway")) {
            assertEquals(realDelegate.path(field), oursDelegate.path(field), "delegate." + field + ": real " + realDelegate + " ours " + oursDelegate);
        }
        assertEquals(realDelegate.path("ipam").path("type"), oursDelegate.path("ipam").path("type"));
        assertEquals(realDelegate.path("ipam").path("ranges"), oursDelegate.path("ipam").path("ranges"));
        assertEquals(realDelegate.path("ipam").path("routes").findValuesAsText("dst"), oursDelegate.path("ipam").path("routes").findValuesAsText("dst"));

        // what the pod and the host really got
        assertEquals(real.pod("ip", "-o", "-4", "addr", "show", "dev", "eth0").replaceAll(".*inet (\\S+).*\\s*", "$1"),
                ours.pod("ip", "-o", "-4", "addr", "show", "dev", "eth0").replaceAll(".*inet (\\S+).*\\s*", "$1"));
        assertEquals("172.130.5.2/24", ours.pod("ip", "-o", "-4", "addr", "show", "dev", "eth0").replaceAll(".*inet (\\S+).*\\s*", "$1"));
        assertEquals(real.pod("ip", "-4", "route"), ours.pod("ip", "-4", "route"));
        assertTrue(ours.pod("ip", "-4", "route").contains("172.130.0.0/16 via 172.130.5.1 dev eth0"), ours.pod("ip", "-4", "route"));
        assertEquals(mtu(real.pod("ip", "-o", "link", "show", "dev", "eth0")), mtu(ours.pod("ip", "-o", "link", "show", "dev", "eth0")));
        assertEquals("1450", mtu(ours.pod("ip", "-o", "link", "show", "dev", "eth0")));
        assertEquals(real.host("ip", "-o", "-4", "addr", "show", "dev", "oracle0").replaceAll(".*inet (\\S+).*\\s*", "$1"),
                ours.host("ip", "-o", "-4", "addr", "show", "dev", "oracle0").replaceAll(".*inet (\\S+).*\\s*", "$1"));
        System.out.println("real flannel plugin's delegate: " + realDelegate + "\nmultinet's delegate:          " + oursDelegate
                + "\npod routes (both):\n" + ours.pod("ip", "-4", "route"));

        // DEL on both: the address is given back and the real plugin's saved delegate is gone
        assertEquals(0, real.cni(realFlannel, "DEL", realConf).exit());
        assertEquals(0, ours.cni(PLUGINS + "/bridge", "DEL", oursDelegate).exit());
        for (String ipam : List.of("real-ipam", "ours-ipam")) {
            try (var s = Files.walk(dir.resolve(ipam))) {
                assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith("172.")).toList(), ipam);
            }
        }
        assertTrue(!Files.exists(dir.resolve("real-data").resolve(real.containerId)));
    }

    static String mtu(String ipLink) {
        return ipLink.replaceAll("(?s).* mtu (\\d+) .*", "$1");
    }

    Side side(String name) throws Exception {
        Side s = new Side(TestCluster.nsPrefix() + "-oracle-" + name + "-host", TestCluster.nsPrefix() + "-oracle-" + name + "-pod", "oracle-" + name);
        for (String ns : List.of(s.host, s.pod)) {
            assertEquals(0, run(List.of("ip", "netns", "add", ns), null, Map.of()).exit());
            namespaces.add(ns);
            run(List.of("ip", "-n", ns, "link", "set", "lo", "up"), null, Map.of());
        }
        return s;
    }

    record Side(String host, String pod, String containerId) {
        TestCluster.Result cni(String plugin, String command, JsonNode conf) throws Exception {
            return run(List.of("nsenter", "--net=/run/netns/" + host, plugin), conf.toString(),
                    Map.of("CNI_COMMAND", command, "CNI_CONTAINERID", containerId, "CNI_NETNS", "/run/netns/" + pod,
                            "CNI_IFNAME", "eth0", "CNI_PATH", PLUGINS));
        }

        String pod(String... cmd) throws Exception {
            return in(pod, cmd);
        }

        String host(String... cmd) throws Exception {
            return in(host, cmd);
        }

        static String in(String ns, String... cmd) throws Exception {
            List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
            c.addAll(List.of(cmd));
            TestCluster.Result e = run(c, null, Map.of());
            assertEquals(0, e.exit(), String.join(" ", cmd) + ": " + e.err());
            return e.out().strip();
        }
    }

    static TestCluster.Result run(List<String> cmd, String stdin, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        return TestCluster.exec(pb, stdin, java.time.Duration.ofMinutes(1));
    }
}
