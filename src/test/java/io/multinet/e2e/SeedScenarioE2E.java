package io.multinet.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.multinet.NetworkNames;
import io.multinet.bundle.BundleFinisher;
import io.multinet.etcd.EtcdTarget;
import io.multinet.etcd.JetcdFlannelStore;

/**
 * The seed's scenario on the real cluster: multinet installed from its own manifests (the operator
 * runs in its Deployment from the locally built image), the seed's two networks (flannel1: default,
 * kube-subnet-mgr, eth0; flannel2: etcd over TLS with client certificates from a Secret, host-gw,
 * eth1, --ip-masq), real flanneld on both nodes, and busybox pods that talk across nodes on both.
 * What it sees (kubectl get mnet, ip a, ping) is printed as well as checked.
 */
class SeedScenarioE2E {

    static final String NS = "multinet-system";
    static final String PODS = "default";
    static KubernetesClient k8s;
    static Path work;

    @BeforeAll
    static void install() throws Exception {
        k8s = TestCluster.admin();
        work = Files.createDirectories(TestCluster.project().resolve("target/e2e/seed"));
        BundleFinisher.writePlain(TestCluster.project(), work);
        System.out.println(TestCluster.kubectl("apply", "-f", work.resolve("multinet.yaml").toString()));
        TestCluster.kubectl("rollout", "status", "-n", NS, "deployment/multinet", "--timeout=180s");

        Path pki = TestCluster.pki();
        TestCluster.kubectl("create", "secret", "generic", "-n", NS, "flannel2-etcd-tls",
                "--from-file=ca.crt=" + pki.resolve("ca.crt"), "--from-file=tls.crt=" + pki.resolve("etcd-flannel-client.crt"),
                "--from-file=tls.key=" + pki.resolve("etcd-flannel-client.key"));
        // demo/networks.yaml as the admin wrote it, plus where this cluster's etcd is and its TLS Secret
        String networks = Files.readString(TestCluster.project().resolve("demo/networks.yaml")).replace("    prefix: /k8s/network2\n",
                "    prefix: /k8s/network2\n    endpoints: [" + TestCluster.FLANNEL_ETCD + "]\n    tlsSecret: flannel2-etcd-tls\n");
        assertTrue(networks.contains("tlsSecret"), "demo/networks.yaml no longer has flannel2's etcd prefix line");
        Path f = work.resolve("networks.yaml");
        Files.writeString(f, networks);
        TestCluster.kubectl("apply", "-f", f.toString());
    }

    @AfterAll
    static void cleanup() {
        try {
            TestCluster.kubectl("delete", "pod", "-n", PODS, "-l", "e2e=seed", "--ignore-not-found", "--wait=true", "--timeout=120s");
            TestCluster.kubectl("delete", "mnet", "flannel1", "flannel2", "--ignore-not-found", "--wait=true", "--timeout=180s");
        } finally {
            k8s.close();
        }
    }

    @Test
    void twoNetworksPodsOnBothAndTrafficAcrossNodes() throws Exception {
        for (String net : List.of("flannel1", "flannel2")) {
            TestCluster.await(net + " Ready on both nodes", Duration.ofMinutes(5), () -> TestCluster.kubectl("get", "mnet", net, "-o",
                    "jsonpath={.status.conditions[?(@.type==\"Ready\")].status} {.status.observedGeneration}/{.metadata.generation}")
                    .equals("True 1/1"));
            assertEquals("2", TestCluster.kubectl("get", "ds", "-n", NS, NetworkNames.flanneldDaemonSet(net), "-o", "jsonpath={.status.numberReady}"));
        }
        String mnet = TestCluster.kubectl("get", "mnet");
        System.out.println("$ kubectl get mnet\n" + mnet);
        assertTrue(mnet.lines().filter(l -> l.startsWith("flannel")).allMatch(l -> l.contains("True") && l.contains("2/2")), mnet);

        // each flanneld wrote its own subnet file on each node; flannel2's leases are in etcd under its prefix
        Map<String, String> flannel2Subnet = new HashMap<>();
        for (String node : TestCluster.NODES) {
            Path dir = TestCluster.nodeRoot(node).resolve("run/flannel/networks");
            String env1 = Files.readString(dir.resolve("flannel1.env"));
            String env2 = Files.readString(dir.resolve("flannel2.env"));
            assertTrue(env1.contains("FLANNEL_NETWORK=172.96.0.0/16"), env1);
            assertTrue(env2.contains("FLANNEL_NETWORK=172.112.0.0/16") && env2.contains("FLANNEL_IPMASQ=true"), env2);
            flannel2Subnet.put(node, value(env2, "FLANNEL_SUBNET"));
        }
        var tls = new EtcdTarget.Tls(Files.readString(TestCluster.pki().resolve("ca.crt")),
                Files.readString(TestCluster.pki().resolve("etcd-flannel-client.crt")), Files.readString(TestCluster.pki().resolve("etcd-flannel-client.key")));
        try (var etcd = new JetcdFlannelStore(Duration.ofSeconds(10))) {
            var keys = etcd.list(new EtcdTarget(List.of(TestCluster.FLANNEL_ETCD), tls, null, null), "/k8s/network2/subnets/");
            assertEquals(2, keys.size(), "flannel2 leases: " + keys.keySet());
            for (String node : TestCluster.NODES) {
                String subnet = flannel2Subnet.get(node).replaceFirst("\\.1/", ".0-");
                assertTrue(keys.containsKey("/k8s/network2/subnets/" + subnet), node + ": no lease " + subnet + " in " + keys.keySet());
            }
        }

        // busybox asks for flannel2, busybox1 for flannel1: one of each on each node
        for (String node : TestCluster.NODES) {
            k8s.pods().inNamespace(PODS).resource(pod("busybox-" + node, node, "flannel2-conf")).create();
            k8s.pods().inNamespace(PODS).resource(pod("busybox1-" + node, node, "flannel1-conf")).create();
        }
        Map<String, Map<String, String>> ips = new HashMap<>();
        for (String node : TestCluster.NODES) {
            for (String name : List.of("busybox-" + node, "busybox1-" + node)) {
                k8s.pods().inNamespace(PODS).withName(name).waitUntilCondition(p -> p != null && p.getStatus().getConditions().stream()
                        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")), 3, java.util.concurrent.TimeUnit.MINUTES);
                String ipA = TestCluster.kubectl("exec", "-n", PODS, name, "--", "ip", "a");
                System.out.println("$ kubectl exec " + name + " -- ip a\n" + ipA);
                ips.put(name, Map.of("eth0", address(ipA, "eth0"), "net1", address(ipA, "net1")));
                assertStatusMatches(name, ips.get(name));
            }
            assertTrue(ips.get("busybox-" + node).get("eth0").startsWith("172.96."), ips.toString());
            assertTrue(ips.get("busybox-" + node).get("net1").startsWith("172.112."), ips.toString());
            assertEquals(flannel2Subnet.get(node).replaceFirst("\\.1/24$", ""), prefix3(ips.get("busybox-" + node).get("net1")));
            assertTrue(ips.get("busybox1-" + node).get("eth0").startsWith("172.96."), ips.toString());
            assertTrue(ips.get("busybox1-" + node).get("net1").startsWith("172.96."), ips.toString());
        }

        // across nodes: over net1 (flannel2, host-gw routes on eth1) and over eth0 (flannel1, vxlan)
        for (String iface : List.of("net1", "eth0")) {
            String target = ips.get("busybox-node2").get(iface);
            String ping = TestCluster.kubectl("exec", "-n", PODS, "busybox-node1", "--", "ping", "-c", "3", "-W", "3", "-I", iface, target);
            System.out.println("$ kubectl exec busybox-node1 -- ping -I " + iface + " " + target + "\n" + ping);
            assertTrue(ping.contains("3 packets received"), ping);
        }

        // pods deleted: nothing of theirs is left on the nodes (DEL cache, IP leases, flannel delegate
        // files). kubelet removes the pod object before it tears the sandbox down, so this is awaited.
        TestCluster.kubectl("delete", "pod", "-n", PODS, "-l", "e2e=seed", "--wait=true", "--timeout=120s");
        try {
            TestCluster.await("no DEL cache entry, IP lease or flannel delegate file of the deleted pods on the nodes",
                    Duration.ofMinutes(2), () -> podLeftovers().isEmpty());
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": " + podLeftovers(), e);
        }

        // networks deleted: their DaemonSets, NADs and etcd keys go
        TestCluster.kubectl("delete", "mnet", "flannel1", "flannel2", "--wait=true", "--timeout=180s");
        for (String net : List.of("flannel1", "flannel2")) {
            TestCluster.await(NetworkNames.flanneldDaemonSet(net) + " deleted", Duration.ofMinutes(2),
                    () -> k8s.apps().daemonSets().inNamespace(NS).withName(NetworkNames.flanneldDaemonSet(net)).get() == null);
        }
        assertEquals("", TestCluster.kubectl("get", "net-attach-def", "-A", "-o", "name").strip());
        try (var etcd = new JetcdFlannelStore(Duration.ofSeconds(10))) {
            assertEquals(Map.of(), etcd.list(new EtcdTarget(List.of(TestCluster.FLANNEL_ETCD), tls, null, null), "/k8s/network2/"));
        }
    }

    static List<Path> podLeftovers() {
        try {
            List<Path> left = new java.util.ArrayList<>();
            for (String node : TestCluster.NODES) {
                Path root = TestCluster.nodeRoot(node);
                // the operator's own pod keeps its entry: only the deleted pods' entries must be gone
                left.addAll(files(root.resolve("var/lib/multinet/cache")).stream().filter(SeedScenarioE2E::ofSeedPod).toList());
                left.addAll(files(root.resolve("var/lib/cni/flannel")));
                left.addAll(files(root.resolve("var/lib/cni/networks")).stream()
                        .filter(p -> p.getFileName().toString().matches("172\\.(96|112)\\..*")).toList());
            }
            return left;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static boolean ofSeedPod(Path cacheEntry) {
        try {
            return Files.readString(cacheEntry).matches("(?s).*\"podName\"\\s*:\\s*\"busybox1?-node.*");
        } catch (java.io.IOException e) {
            return false; // removed while we looked: gone is what we want
        }
    }

    /** Regular files under dir (none when it does not exist). */
    static List<Path> files(Path dir) throws java.io.IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().equals("lock")
                    && !p.getFileName().toString().startsWith("last_reserved_ip")).toList();
        }
    }

    static Pod pod(String name, String node, String networks) {
        return new PodBuilder().withNewMetadata().withName(name).addToLabels("e2e", "seed")
                .addToAnnotations(NetworkNames.NETWORKS_ANNOTATION, networks).endMetadata()
                .withNewSpec().withNodeName(node).withTerminationGracePeriodSeconds(0L)
                .addNewContainer().withName("busybox").withImage(TestCluster.BUSYBOX).withImagePullPolicy("IfNotPresent")
                .withCommand("sleep", "3600").endContainer().endSpec().build();
    }

    /** The network-status annotation has eth0 (default) and net1 with the addresses `ip a` shows. */
    static void assertStatusMatches(String pod, Map<String, String> ips) throws Exception {
        String annotation = k8s.pods().inNamespace(PODS).withName(pod).get().getMetadata().getAnnotations().get(NetworkNames.NETWORK_STATUS_ANNOTATION);
        JsonNode status = new ObjectMapper().readTree(annotation);
        Map<String, JsonNode> byIface = new HashMap<>();
        status.forEach(e -> byIface.put(e.path("interface").asText(), e));
        assertEquals(ips.keySet(), byIface.keySet(), pod + ": " + annotation);
        for (var e : ips.entrySet()) {
            JsonNode entry = byIface.get(e.getKey());
            assertEquals(e.getValue().replaceFirst("/.*", ""), entry.path("ips").path(0).asText(), pod + ": " + annotation);
            assertEquals(e.getKey().equals("eth0"), entry.path("default").asBoolean(), pod + ": " + annotation);
        }
        assertTrue(byIface.get("net1").path("name").asText().startsWith(PODS + "/flannel"), annotation);
    }

    static String address(String ipA, String iface) {
        Matcher m = Pattern.compile("inet (\\S+) .* " + Pattern.quote(iface) + "\\s*$", Pattern.MULTILINE).matcher(ipA);
        assertTrue(m.find(), "no IPv4 address on " + iface + " in:\n" + ipA);
        return m.group(1).replaceFirst("/.*", "");
    }

    static String prefix3(String ip) {
        return ip.substring(0, ip.lastIndexOf('.'));
    }

    static String value(String env, String key) {
        return env.lines().filter(l -> l.startsWith(key + "=")).findFirst().orElseThrow().substring(key.length() + 1);
    }
}
