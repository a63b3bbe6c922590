package io.multinet.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.multinet.NetworkNames;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.flannel.FlannelCni;

/**
 * Multus v4.3 on the test cluster beside multinet, for the side-by-side comparison (issue 21):
 * installed from Multus' own deployments/ manifests, unchanged but for the NAD CRD, which multinet
 * installed already (its images carry the tags those manifests name: e2e/cluster/images/build.sh).
 * The two meta plugins take turns on the nodes; the flannel networks and their flanneld stay.
 */
public final class Multus {

    /** The thick plugin (daemon + shim) and the thin one (a binary the runtime executes), as Multus' docs install each. */
    public enum Flavour {
        THICK("multus-daemonset-thick.yml", "multus-shim"), THIN("multus-daemonset.yml", "multus");

        final String manifest;
        final String binary;

        Flavour(String manifest, String binary) {
            this.manifest = manifest;
            this.binary = binary;
        }
    }

    public static final String NS = "kube-system";
    public static final String DAEMONSET = "kube-multus-ds";
    public static final String CONFIG = "00-multus.conf";
    /** The default network as a Multus user has it: the flannel config of the default MultiNetwork, first in net.d. */
    public static final String DEFAULT_CONFIG = "05-flannel1.conflist";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Multus() {
    }

    /**
     * The NADs both sides get, in namespace default: a bridge with host-local (a route of its own), a
     * macvlan on eth1 chained with tuning (MTU) that takes a requested MAC and address, a macvlan with
     * static IPAM; the flannel networks' NADs are multinet's own (flannel1-conf, flannel2-conf).
     */
    public static Path writeNads(Path work) throws IOException {
        Path nads = work.resolve("nads.yaml");
        Files.writeString(nads, """
                apiVersion: k8s.cni.cncf.io/v1
                kind: NetworkAttachmentDefinition
                metadata: {name: compat-br, namespace: default}
                spec:
                  config: '{"cniVersion": "0.3.1", "name": "compat-br", "type": "bridge", "bridge": "compat0", "isGateway": true,
                    "ipam": {"type": "host-local", "subnet": "10.123.0.0/24", "routes": [{"dst": "10.223.0.0/16"}]}}'
                ---
                apiVersion: k8s.cni.cncf.io/v1
                kind: NetworkAttachmentDefinition
                metadata: {name: compat-mv, namespace: default}
                spec:
                  config: '{"cniVersion": "1.0.0", "name": "compat-mv", "plugins": [{"type": "macvlan", "master": "eth1", "mode": "bridge",
                    "capabilities": {"mac": true, "ips": true},
                    "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.124.0.0/24", "rangeStart": "10.124.0.100", "gateway": "10.124.0.1"}]]}},
                    {"type": "tuning", "mtu": 1400}]}'
                ---
                apiVersion: k8s.cni.cncf.io/v1
                kind: NetworkAttachmentDefinition
                metadata: {name: compat-static, namespace: default}
                spec:
                  config: '{"cniVersion": "0.4.0", "name": "compat-static", "type": "macvlan", "master": "eth1", "mode": "bridge",
                    "capabilities": {"ips": true}, "ipam": {"type": "static", "routes": [{"dst": "10.225.0.0/16", "gw": "10.125.0.1"}]}}'
                """);
        return nads;
    }

    /** Multus' manifest for a flavour without the NAD CRD (multinet's stays as it is), written under work. */
    public static Path manifest(Flavour f, Path work) throws IOException {
        String text = Files.readString(TestCluster.multusDeployments().resolve(f.manifest));
        String kept = Arrays.stream(text.split("(?m)^---\\s*$")).filter(d -> !d.contains("kind: CustomResourceDefinition"))
                .filter(d -> d.lines().anyMatch(l -> l.startsWith("kind:"))).collect(Collectors.joining("---\n"));
        // The one change: the thick daemon empties its socket directory at start (RemoveAll, MkdirAll), and
        // on this test ground each node's /run/multus is a bind mount of its own (two nodes share one
        // machine's /run), which cannot be removed: the socket goes one level down, and the shim is told.
        String socketDir = "\"socketDir\": \"/host/run/multus/\"";
        if (f == Flavour.THICK) {
            if (!kept.contains(socketDir)) {
                throw new IllegalStateException(f.manifest + " no longer has " + socketDir);
            }
            kept = kept.replace(socketDir, "\"socketDir\": \"/host/run/multus/daemon/\",\n        \"daemonSocketDir\": \"/run/multus/daemon\"");
        }
        Path out = work.resolve("multus-" + f.name().toLowerCase() + ".yaml");
        Files.writeString(out, kept);
        return out;
    }

    /**
     * multinet steps aside without losing its networks: the operator scaled to zero (so it does not
     * roll the delegator back), the delegator DaemonSet deleted (its pods take the conflist and the
     * shim off the nodes, as on uninstall). flanneld, the NADs and the MultiNetworks stay.
     */
    public static void stopMultinet() {
        TestCluster.kubectl("scale", "-n", SeedNetworks.NS, "deployment/multinet", "--replicas=0");
        TestCluster.await("the operator stopped", Duration.ofMinutes(2), () -> List.of("", "0").contains(TestCluster.kubectl("get", "-n",
                SeedNetworks.NS, "deployment/multinet", "-o", "jsonpath={.status.replicas}").strip()));
        TestCluster.kubectl("delete", "ds", "-n", SeedNetworks.NS, NetworkNames.DELEGATOR_DAEMONSET, "--wait=true", "--timeout=120s");
        for (String node : TestCluster.nodes()) {
            Path conflist = TestCluster.nodeRoot(node).resolve("etc/cni/net.d").resolve(NetworkNames.CNI_CONFIG_FILE);
            TestCluster.await(node + ": the delegator took " + conflist.getFileName() + " off", Duration.ofMinutes(2), () -> !Files.exists(conflist));
        }
    }

    /** The operator back; it deploys the delegator again, which writes its conflist on every node. */
    public static void startMultinet() {
        TestCluster.kubectl("scale", "-n", SeedNetworks.NS, "deployment/multinet", "--replicas=1");
        TestCluster.await("the delegator on both nodes again", Duration.ofMinutes(4), () -> TestCluster.readyOnEveryNode(SeedNetworks.NS, NetworkNames.DELEGATOR_DAEMONSET)
                && TestCluster.nodes().stream().allMatch(n -> Files.exists(TestCluster.nodeRoot(n).resolve("etc/cni/net.d")
                        .resolve(NetworkNames.CNI_CONFIG_FILE))));
        SeedNetworks.awaitReady(Duration.ofMinutes(4));
    }

    /**
     * The default network for Multus' clusterNetwork: exactly the config the delegator gives eth0 for
     * the default MultiNetwork (FlannelCni.networkConfig), as the conflist a flannel install leaves.
     */
    public static void writeDefaultNetwork(KubernetesClient k8s) throws IOException {
        MultiNetwork mn = k8s.resources(MultiNetwork.class).withName("flannel1").get();
        ObjectNode plugin = FlannelCni.networkConfig(mn, mn.getStatus().allocated, true);
        ObjectNode conflist = JSON.createObjectNode().put("cniVersion", plugin.path("cniVersion").asText()).put("name", "flannel1");
        plugin.remove(List.of("cniVersion", "name"));
        conflist.putArray("plugins").add(plugin);
        for (String node : TestCluster.nodes()) {
            Files.writeString(TestCluster.nodeRoot(node).resolve("etc/cni/net.d").resolve(DEFAULT_CONFIG), conflist.toPrettyString());
        }
    }

    public static void install(Flavour f, Path work) throws IOException {
        TestCluster.kubectl("apply", "-f", manifest(f, work).toString());
        TestCluster.kubectl("rollout", "status", "-n", NS, "ds/" + DAEMONSET, "--timeout=300s");
        for (String node : TestCluster.nodes()) {
            Path conf = TestCluster.nodeRoot(node).resolve("etc/cni/net.d").resolve(CONFIG);
            TestCluster.await(node + ": Multus wrote " + CONFIG, Duration.ofMinutes(2), () -> Files.exists(conf));
            if (f == Flavour.THICK) {
                Path socket = TestCluster.nodeRoot(node).resolve("run/multus/daemon/multus.sock");
                TestCluster.await(node + ": the Multus daemon listens on " + socket, Duration.ofMinutes(2), () -> Files.exists(socket));
            }
        }
        TestCluster.await("Multus Ready on both nodes", Duration.ofMinutes(2), () -> TestCluster.readyOnEveryNode(NS, DAEMONSET));
    }

    /**
     * Multus off the cluster and the nodes. Its quickstart manifests leave their files behind (its
     * docs say they do not cover uninstall), so what they wrote is removed here, as an admin would.
     */
    public static void uninstall(Flavour f, Path work) throws IOException {
        TestCluster.kubectl("delete", "-f", manifest(f, work).toString(), "--ignore-not-found", "--wait=true", "--timeout=120s");
        TestCluster.kubectl("wait", "-n", NS, "--for=delete", "pod", "-l", "app=multus", "--timeout=120s");
        for (String node : TestCluster.nodes()) {
            Path root = TestCluster.nodeRoot(node);
            for (String p : List.of("etc/cni/net.d/" + CONFIG, "etc/cni/net.d/" + DEFAULT_CONFIG, "etc/cni/net.d/multus.d", "opt/cni/bin/" + f.binary,
                    "opt/cni/bin/passthru", "var/lib/cni/multus")) {
                io.multinet.testing.EtcdServer.deleteTree(root.resolve(p));
            }
            for (String dir : List.of("run/multus", "run/k8s.cni.cncf.io", "etc/cni/multus")) {
                try (Stream<Path> s = Files.list(root.resolve(dir))) {
                    for (Path p : s.toList()) {
                        io.multinet.testing.EtcdServer.deleteTree(p);
                    }
                }
            }
        }
    }

    /** IPAM leases (host-local's files, its lock and cursor aside) and flannel's per-container files on a node. */
    public static List<Path> leases(String node) throws IOException {
        List<Path> out = new java.util.ArrayList<>(TestCluster.stateFiles(TestCluster.nodeRoot(node).resolve("var/lib/cni/networks")));
        out.addAll(TestCluster.stateFiles(TestCluster.nodeRoot(node).resolve("var/lib/cni/flannel")));
        return out;
    }

    /**
     * What pods deleted a moment ago left on a node beyond `before`, once their sandboxes' DELs had up to
     * 90 s (a pod deleted without grace leaves the API at once, its sandbox a moment later).
     */
    public static List<Path> leftBehind(String node, java.util.Set<Path> before) throws IOException, InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        List<Path> left = leases(node).stream().filter(p -> !before.contains(p)).toList();
        while (!left.isEmpty() && System.nanoTime() < until) {
            Thread.sleep(1000);
            left = leases(node).stream().filter(p -> !before.contains(p)).toList();
        }
        return left;
    }
}
