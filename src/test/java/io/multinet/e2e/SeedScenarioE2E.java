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
import io.multinet.api.v1alpha1.Cidr;
import io.multinet.etcd.EtcdTarget;
import io.multinet.etcd.JetcdFlannelStore;

/**
 * The seed's scenario on the real cluster: multinet installed from its own manifests (the operator
 * runs in its Deployment from the locally built image), the seed's two networks (flannel1: default,
 * kube-subnet-mgr, eth0; flannel2: etcd over TLS with client certificates from a Secret, host-gw,
 * eth1, --ip-masq), real flanneld on both nodes, and busybox pods that talk across nodes on both.
 * What it sees (kubectl get mnet, ip a, ping) is printed as well as checked.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class SeedScenarioE2E {

    static final String NS = "multinet-system";
    static final String PODS = "default";
    static KubernetesClient k8s;
    static Path work;
    static EtcdTarget etcdTarget;
    /** The first pods' addresses: busybox-nodeN and busybox1-nodeN, eth0 and net1. */
    static final Map<String, Map<String, String>> ips = new HashMap<>();

    @BeforeAll
    static void install() throws Exception {
        k8s = TestCluster.admin();
        work = Files.createDirectories(TestCluster.project().resolve("target/e2e/seed"));
        SeedNetworks.install(work);
    }

    @AfterAll
    static void cleanup() {
        try {
            // after a failure half-way: whatever is left (after the uninstall step, mnet is no longer a type)
            TestCluster.kubectlAs(TestCluster.kubeconfig(), "delete", "pod", "-n", PODS, "-l", "e2e=seed", "--ignore-not-found", "--wait=true",
                    "--timeout=120s");
            TestCluster.kubectlAs(TestCluster.kubeconfig(), "delete", "mnet", "flannel1", "flannel2", "--ignore-not-found", "--wait=true",
                    "--timeout=180s");
        } finally {
            k8s.close();
        }
    }

    @Test
    @org.junit.jupiter.api.Order(1)
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
        for (String node : TestCluster.nodes()) {
            Path dir = TestCluster.nodeRoot(node).resolve("run/flannel/networks");
            String env1 = Files.readString(dir.resolve("flannel1.env"));
            String env2 = Files.readString(dir.resolve("flannel2.env"));
            assertTrue(env1.contains("FLANNEL_NETWORK=172.96.0.0/16"), env1);
            assertTrue(env2.contains("FLANNEL_NETWORK=172.112.0.0/16") && env2.contains("FLANNEL_IPMASQ=true"), env2);
            flannel2Subnet.put(node, value(env2, "FLANNEL_SUBNET"));
            // the per-node health in each network's status is what the node really has
            for (var net : Map.of("flannel1", env1, "flannel2", env2).entrySet()) {
                String health = TestCluster.kubectl("get", "mnet", net.getKey(), "-o", "jsonpath={.status.nodeHealth[?(@.node==\"" + node
                        + "\")]['ready','flanneld','delegator','subnet']}");
                assertEquals("true true true " + Cidr.containing(value(net.getValue(), "FLANNEL_SUBNET")), health,
                        net.getKey() + " on " + node);
            }
        }
        var tls = new EtcdTarget.Tls(Files.readString(TestCluster.pki().resolve("ca.crt")),
                Files.readString(TestCluster.pki().resolve("etcd-flannel-client.crt")), Files.readString(TestCluster.pki().resolve("etcd-flannel-client.key")));
        etcdTarget = new EtcdTarget(List.of(TestCluster.flannelEtcd()), tls, null, null);
        try (var etcd = new JetcdFlannelStore(Duration.ofSeconds(10))) {
            var keys = etcd.list(etcdTarget, "/k8s/network2/subnets/");
            assertEquals(2, keys.size(), "flannel2 leases: " + keys.keySet());
            for (String node : TestCluster.nodes()) {
                String subnet = flannel2Subnet.get(node).replaceFirst("\\.1/", ".0-");
                assertTrue(keys.containsKey("/k8s/network2/subnets/" + subnet), node + ": no lease " + subnet + " in " + keys.keySet());
            }
        }

        // busybox asks for flannel2, busybox1 for flannel1: one of each on each node
        for (String node : TestCluster.nodes()) {
            k8s.pods().inNamespace(PODS).resource(pod("busybox-" + node, node, "flannel2-conf")).create();
            k8s.pods().inNamespace(PODS).resource(pod("busybox1-" + node, node, "flannel1-conf")).create();
        }
        for (String node : TestCluster.nodes()) {
            for (String name : List.of("busybox-" + node, "busybox1-" + node)) {
                awaitReady(name);
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

        pingTwins("scenario");

        // Issue 15: each flanneld serves health on loopback only, on its own declared port, and its
        // probes (startup, readiness, liveness) passed there: the pods are Ready above
        for (String net : List.of("flannel1", "flannel2")) {
            String port = TestCluster.kubectl("get", "mnet", net, "-o", "jsonpath={.status.allocated.healthzPort}");
            assertEquals(port, TestCluster.kubectl("get", "ds", "-n", NS, NetworkNames.flanneldDaemonSet(net), "-o",
                    "jsonpath={.spec.template.spec.containers[0].ports[0].hostPort}"));
            for (String node : TestCluster.nodes()) {
                String listening = onNode(node, "ss", "-ltnH");
                assertTrue(listening.contains("127.0.0.1:" + port + " "), net + " health on loopback on " + node + ": " + listening);
                assertTrue(!listening.contains("0.0.0.0:" + port + " ") && !listening.contains("*:" + port + " "),
                        net + " health not on every address on " + node + ": " + listening);
            }
        }
    }

    /** A command in a node's network namespace (its iptables, routes, sockets). */
    static String onNode(String node, String... cmd) {
        List<String> c = new java.util.ArrayList<>(List.of("ip", "netns", "exec", TestCluster.nodeNetns(node)));
        c.addAll(List.of(cmd));
        return TestCluster.command(c.toArray(String[]::new));
    }

    /**
     * Issue 15: a stock kube-flannel beside the kube-mode network is reported on that network (both would
     * manage the nodes' podCIDR routes and annotations), and the report goes when it goes.
     */
    @Test
    @org.junit.jupiter.api.Order(8)
    void aStockFlannelBesideTheKubeModeNetworkIsReported() throws Exception {
        Path stock = work.resolve("stock-flannel.yaml");
        Files.writeString(stock, """
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: kube-flannel
                ---
                apiVersion: apps/v1
                kind: DaemonSet
                metadata:
                  name: kube-flannel-ds
                  namespace: kube-flannel
                spec:
                  selector:
                    matchLabels: {app: flannel}
                  template:
                    metadata:
                      labels: {app: flannel}
                    spec:
                      nodeSelector: {e2e-no-such-node: "true"}
                      containers:
                      - name: kube-flannel
                        image: %s
                        command: ["sleep", "3600"]
                """.formatted(TestCluster.busybox()));
        TestCluster.kubectl("apply", "-f", stock.toString());
        try {
            TestCluster.await("flannel1 reports the stock flannel", Duration.ofMinutes(2), () -> TestCluster.kubectl("get", "mnet", "flannel1",
                    "-o", "jsonpath={.status.conditions[?(@.type==\"Degraded\")].reason}").equals("StockFlannelPresent"));
            assertEquals("False", TestCluster.kubectl("get", "mnet", "flannel2", "-o",
                    "jsonpath={.status.conditions[?(@.type==\"Degraded\")].status}"), "an etcd-mode network is not concerned");
        } finally {
            TestCluster.kubectl("delete", "-f", stock.toString(), "--wait=true", "--timeout=120s");
        }
        TestCluster.await("flannel1 no longer degraded", Duration.ofMinutes(2), () -> TestCluster.kubectl("get", "mnet", "flannel1",
                "-o", "jsonpath={.status.conditions[?(@.type==\"Degraded\")].status}").equals("False"));
    }

    /**
     * Issue 23: the README's "Run the operator against a real cluster", as written. The operator in the
     * cluster is scaled away with the README's own lines, the built jar runs on this machine with the
     * settings the README names (etcd endpoints and TLS Secret as environment variables), takes the
     * Lease, and brings a new etcd-mode network to Ready on both nodes and deletes it again. Then the
     * work goes back to the Deployment, as the README says. It runs once the seed's networks are gone:
     * the operator pod the Deployment starts again would otherwise land on flannel1 (the default network
     * by then), and its attachment is not one the deletion checks may find.
     */
    @Test
    @org.junit.jupiter.api.Order(25)
    void theReadmesOperatorOnThisMachineTakesOverAndGivesBack() throws Exception {
        List<String> lines = TestCluster.documented("README.md", "local-operator");
        String run = lines.get(lines.size() - 1);
        assertTrue(run.startsWith("java -jar target/quarkus-app/quarkus-run.jar"), "the README's last line starts the operator: " + run);
        // the build line is the README's too, but this tier runs from the very build it would redo
        List<String> handOver = lines.subList(0, lines.size() - 1).stream().filter(l -> !l.startsWith("mvn ")).toList();
        Path log = work.resolve("local-operator.log");
        Path net = work.resolve("flannel3.yaml");
        Process operator = null;
        try {
            System.out.println(TestCluster.runShell(handOver, "README.md's local-operator commands"));
            assertEquals("0", TestCluster.kubectl("get", "deploy", "-n", NS, "multinet", "-o", "jsonpath={.spec.replicas}"));
            // the operator's own pod: the Deployment's label without a component (the DaemonSets' pods have one)
            TestCluster.await("the operator pod gone", Duration.ofMinutes(2), () -> TestCluster.kubectl("get", "pods", "-n", NS, "-l",
                    NetworkNames.LABEL_NAME + "=" + NetworkNames.APP + ",!" + NetworkNames.LABEL_COMPONENT, "-o", "name").isBlank());

            ProcessBuilder pb = TestCluster.adminShell("exec " + run).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("MULTINET_OPERATOR_ETCD_ENDPOINTS", TestCluster.flannelEtcd());
            pb.environment().put("MULTINET_OPERATOR_ETCD_TLS_SECRET", "flannel2-etcd-tls");
            Process local = pb.start();
            operator = local;
            TestCluster.await("the local operator serves health on localhost:8080", Duration.ofMinutes(2), () -> {
                assertTrue(local.isAlive(), "the local operator exited: " + tail(log));
                return TestCluster.exec(new ProcessBuilder("curl", "-sf", "http://localhost:8080/q/health/ready"), null, Duration.ofSeconds(10))
                        .exit() == 0;
            });
            // a network that names no etcd endpoint: the operator's settings supply it
            Files.writeString(net, """
                    apiVersion: multinet.io/v1alpha1
                    kind: MultiNetwork
                    metadata: {name: flannel3}
                    spec:
                      network: 172.140.0.0/16
                      backend: {type: host-gw}
                      etcd: {prefix: /k8s/network3}
                      flanneld: {iface: [eth1]}
                    """);
            TestCluster.kubectl("apply", "-f", net.toString());
            TestCluster.await("flannel3 Ready on both nodes, reconciled by the operator on this machine", Duration.ofMinutes(4),
                    () -> TestCluster.kubectl("get", "mnet", "flannel3", "-o", "jsonpath={.status.nodes.summary}").equals("2/2")
                            && TestCluster.kubectl("get", "mnet", "flannel3", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}")
                                    .equals("True"));
            try (var etcd = new JetcdFlannelStore(Duration.ofSeconds(10))) {
                assertEquals(2, etcd.list(etcdTarget, "/k8s/network3/subnets/").size(), "a lease per node under the new prefix");
                TestCluster.kubectl("delete", "-f", net.toString(), "--wait=true", "--timeout=180s");
                assertEquals(Map.of(), etcd.list(etcdTarget, "/k8s/network3/"), "its deletion removed its keys");
            }
        } finally {
            if (operator != null) {
                operator.destroy();
                if (!operator.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    operator.destroyForcibly();
                }
            }
            if (Files.exists(net)) {
                TestCluster.kubectl("delete", "-f", net.toString(), "--ignore-not-found", "--wait=false");
            }
            // "give the work back", as the README says: whatever happened above, the cluster's operator runs again
            TestCluster.kubectl("scale", "-n", NS, "deployment/multinet", "--replicas=1");
            TestCluster.kubectl("rollout", "status", "-n", NS, "deployment/multinet", "--timeout=300s");
        }
        assertEquals("1", TestCluster.kubectl("get", "deploy", "-n", NS, "multinet", "-o", "jsonpath={.status.readyReplicas}"),
                "the operator in the cluster is back");
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (java.io.IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    // ---- faults: each is followed by proof that the networks work and that nothing leaked -------

    @Test
    @org.junit.jupiter.api.Order(2)
    void kubeletRestarted() throws Exception {
        restartedDaemonLeavesNetworksWorking("kubelet", "node2");
    }

    @Test
    @org.junit.jupiter.api.Order(3)
    void containerdRestarted() throws Exception {
        restartedDaemonLeavesNetworksWorking("containerd", "node1");
    }

    static void restartedDaemonLeavesNetworksWorking(String daemon, String node) throws Exception {
        node("restart", daemon + "-" + node);
        TestCluster.kubectl("wait", "--for=condition=Ready", "node/" + node, "--timeout=120s");
        // kubelet's CRI connection redials with a back-off after containerd went away: exec works again
        // only once it has (the pods' networks never stopped; this is about reaching the pods)
        TestCluster.await("kubectl exec on " + node + " again", Duration.ofMinutes(2),
                () -> TestCluster.kubectlAs(TestCluster.kubeconfig(), "exec", "-n", PODS, "busybox-" + node, "--", "true").exit() == 0);
        pingTwins("after " + daemon + " on " + node + " restarted");
        freshPairWorks(daemon);
    }

    @Test
    @org.junit.jupiter.api.Order(4)
    void aFlanneldPodDeleted() throws Exception {
        String pod = TestCluster.kubectl("get", "pod", "-n", NS, "-l", NetworkNames.LABEL_NETWORK + "=flannel2",
                "--field-selector=spec.nodeName=node1", "-o", "name").strip();
        assertTrue(pod.startsWith("pod/"), pod);

        // Issue 15: every flanneld flushes the chains all flanneld share when it starts, so flannel1 would lose
        // its masquerade until its own flanneld resyncs; the node daemon keeps the same rules in chains of its
        // own. A pod on flannel1 opens new connections out to the fabric, which has no route back to pod
        // addresses: only masqueraded ones can work.
        java.util.Set<String> sources = java.util.concurrent.ConcurrentHashMap.newKeySet();
        // the numbered attempts of the restart below, by the source address they arrived from
        Map<String, String> arrived = new java.util.concurrent.ConcurrentHashMap<>();
        var server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress(FABRIC_LAN0, 0), 0);
        server.createContext("/", ex -> {
            sources.add(ex.getRemoteAddress().getAddress().getHostAddress());
            arrived.put(ex.getRequestURI().getPath(), ex.getRemoteAddress().getAddress().getHostAddress());
            ex.sendResponseHeaders(200, 2);
            ex.getResponseBody().write("ok".getBytes());
            ex.close();
        });
        server.start();
        try {
            // busybox's nc (its wget crashes in this build); each attempt is a new connection, so a new NAT decision
            String connect = "if printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 1 " + FABRIC_LAN0 + " " + server.getAddress().getPort()
                    + " | grep -q ok; then echo ok; else echo fail; fi";
            java.util.function.IntFunction<List<String>> connections = n -> TestCluster.kubectl("exec", "-n", PODS, "busybox1-node1", "--",
                    "sh", "-c", "i=0; while [ $i -lt " + n + " ]; do " + connect + "; i=$((i+1)); done").lines().filter(l -> !l.isBlank()).toList();
            assertEquals(List.of("ok"), connections.apply(1), "flannel1 masquerades out");

            // the kept rules say what flanneld's say: the same rules, in chains of their own (the nodes run legacy iptables)
            String nat = onNode("node1", "iptables-legacy-save", "-t", "nat");
            assertEquals(chainRules(nat, "FLANNEL-POSTRTG"), chainRules(nat, "MULTINET-POSTRTG"), "the kept nat rules are flanneld's");
            String filter = onNode("node1", "iptables-legacy-save", "-t", "filter");
            assertEquals(chainRules(filter, "FLANNEL-FWD"), chainRules(filter, "MULTINET-FWD"), "the kept forward rules are flanneld's");

            // Deterministically, with nobody to put rules back: flannel1's flanneld and the node daemon on node1 are
            // stopped (SIGSTOP, a few seconds, well inside their probes' failure thresholds) around the flushes.
            String subnetFile = TestCluster.kubectl("get", "mnet", "flannel1", "-o", "jsonpath={.status.allocated.subnetFile}");
            List<Long> flanneld = processesOnNode("node1", "--subnet-file=" + subnetFile);
            List<Long> daemon = processesOnNode("node1", "MULTINET_ROLE=node");
            assertEquals(1, flanneld.size(), "flannel1's flanneld on node1: " + flanneld);
            assertTrue(!daemon.isEmpty(), "the node daemon on node1");
            try {
                signal("STOP", flanneld);
                onNode("node1", "iptables-legacy", "-t", "nat", "-F", "FLANNEL-POSTRTG"); // what any flanneld's start does
                assertEquals(List.of("ok", "ok", "ok"), connections.apply(3), "flannel's chain flushed: the kept rules masquerade");
                signal("STOP", daemon);
                onNode("node1", "iptables-legacy", "-t", "nat", "-F", "MULTINET-POSTRTG");
                assertEquals(List.of("fail"), connections.apply(1), "without either chain the connection leaves un-masqueraded and fails");
            } finally {
                signal("CONT", daemon);
                signal("CONT", flanneld);
            }
            TestCluster.await("masquerade back on node1", Duration.ofSeconds(30), () -> connections.apply(1).equals(List.of("ok")));

            // and a real restart: flannel2's flanneld pod replaced while flannel1's pod connects out all through it
            // Each attempt is numbered, so a failed one says what happened to it: it never reached the server (without
            // masquerade a connection never completes: the server's answer has no route back to a pod address), or it
            // reached it masqueraded and the answer did not come back in time. The client waits up to 3 s, not 1: on the
            // 2-core test machine a new flanneld pod's start competes with it for the CPU, the likeliest cause of the one
            // failure in 300 seen once with 1 s (not proven: the attempts were not numbered then).
            String numbered = "if printf 'GET /r$i HTTP/1.0\\r\\n\\r\\n' | nc -w 3 " + FABRIC_LAN0 + " " + server.getAddress().getPort()
                    + " | grep -q ok; then echo ok; else echo fail $i; fi";
            String loop = "i=0; while [ $i -lt 300 ]; do " + numbered + "; i=$((i+1)); sleep 0.1; done";
            var probes = java.util.concurrent.CompletableFuture.supplyAsync(() -> TestCluster.kubectl("exec", "-n", PODS, "busybox1-node1",
                    "--", "sh", "-c", loop));
            TestCluster.await("connections out from flannel1 flowing", Duration.ofSeconds(30), () -> !sources.isEmpty());
            TestCluster.kubectl("delete", "-n", NS, pod, "--wait=true");
            awaitNetworksReady();
            List<String> results = probes.get(3, java.util.concurrent.TimeUnit.MINUTES).lines().filter(l -> !l.isBlank()).toList();
            List<String> failed = results.stream().filter(l -> l.startsWith("fail")).map(l -> "/r" + l.substring(5).strip()).toList();
            String why = "failed attempts " + failed + ": never reached the server " + failed.stream().filter(f -> !arrived.containsKey(f)).toList()
                    + ", reached it (from " + failed.stream().filter(arrived::containsKey).map(f -> f + " " + arrived.get(f)).toList()
                    + ") but no answer came back within 3 s";
            System.out.println("masquerade gap while flannel2's flanneld restarted on node1: " + failed.size() + " of " + results.size()
                    + " new connections from a flannel1 pod failed (flanneld --iptables-resync=1, with the node daemon's kept rules)"
                    + (failed.isEmpty() ? "" : "; " + why));
            assertEquals(List.of(), failed, "no connection lost its masquerade while another network's flanneld restarted: " + why);
            assertEquals(java.util.Set.of(nodeLan0("node1")), sources,
                    "every connection that arrived was masqueraded to node1's address");
        } finally {
            server.stop(0);
        }
        pingTwins("after flanneld of flannel2 on node1 was replaced");
        freshPairWorks("flanneld");
    }

    /**
     * A chain's rules from iptables-save, without the chain's name and comments, as a set: flannel's
     * chain holds them in the order the networks' flanneld started, the kept chain puts returns first.
     */
    static java.util.SortedSet<String> chainRules(String save, String chain) {
        return save.lines().filter(l -> l.startsWith("-A " + chain + " "))
                .map(l -> l.substring(("-A " + chain + " ").length()).replaceAll("-m comment --comment (\"[^\"]*\"|\\S+) ", ""))
                .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
    }

    /** The processes in a node's network namespace whose command line or environment holds the text. */
    static List<Long> processesOnNode(String node, String text) throws java.io.IOException {
        String netns = "net:[" + Files.getAttribute(Path.of("/run/netns", TestCluster.nodeNetns(node)), "unix:ino") + "]";
        List<Long> out = new java.util.ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(d -> d.getFileName().toString().matches("[0-9]+")).toList()) {
                try {
                    if (!Files.readSymbolicLink(p.resolve("ns/net")).toString().equals(netns)) {
                        continue;
                    }
                    String seen = new String(Files.readAllBytes(p.resolve("cmdline"))) + "\0" + new String(Files.readAllBytes(p.resolve("environ")));
                    if (java.util.Arrays.asList(seen.split("\0")).stream().anyMatch(w -> w.equals(text) || w.startsWith(text + " "))) {
                        out.add(Long.parseLong(p.getFileName().toString()));
                    }
                } catch (java.io.IOException e) {
                    // gone meanwhile, or a kernel thread
                }
            }
        }
        return out;
    }

    static void signal(String signal, List<Long> pids) {
        pids.forEach(pid -> TestCluster.command("kill", "-" + signal, String.valueOf(pid)));
    }

    /** The fabric's address on lan0: outside every pod network, with no route back to pod addresses. */
    static final String FABRIC_LAN0 = "10.77.0.254";

    static String nodeLan0(String node) {
        Matcher m = Pattern.compile(" inet (10\\.77\\.0\\.[0-9]+)/").matcher(onNode(node, "ip", "-4", "-o", "addr", "show"));
        assertTrue(m.find(), "node " + node + " has an address on lan0");
        return m.group(1);
    }

    @Test
    @org.junit.jupiter.api.Order(5)
    void etcdStoppedForThirtySeconds() throws Exception {
        node("stop", "etcd-flannel");
        try {
            Thread.sleep(30_000);
            // the datapath does not need etcd while it is away
            pingTwins("while flannel2's etcd is stopped");
        } finally {
            node("start", "etcd-flannel");
        }
        awaitNetworksReady();
        pingTwins("after flannel2's etcd came back");
        freshPairWorks("etcd");
    }

    @Test
    @org.junit.jupiter.api.Order(6)
    void theDelegatorDeletedWhilePodsAreCreated() throws Exception {
        int before = nodeState().size();
        List<String> names = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String name = "busybox-restart-" + i;
            names.add(name);
            k8s.pods().inNamespace(PODS).resource(pod(name, TestCluster.nodes().get(i % 2), "flannel2-conf")).create();
        }
        TestCluster.kubectl("delete", "pod", "-n", NS, "-l", NetworkNames.LABEL_COMPONENT + "=" + NetworkNames.COMPONENT_DELEGATOR,
                "--field-selector=spec.nodeName=node1", "--wait=false");
        for (String name : names) {
            awaitReady(name);
            String ipA = TestCluster.kubectl("exec", "-n", PODS, name, "--", "ip", "a");
            assertTrue(address(ipA, "net1").startsWith("172.112."), ipA);
        }
        deleteAndAwaitNothingLeft(names, before);
    }

    @Test
    @org.junit.jupiter.api.Order(7)
    void aHundredPodsCreatedAndDeletedSixteenAtATime() throws Exception {
        int before = nodeState().size();
        List<String> names = java.util.stream.IntStream.range(0, 100).mapToObj(i -> "busybox-bulk-" + i).toList();
        var pool = java.util.concurrent.Executors.newFixedThreadPool(16);
        try {
            var created = names.stream().map(n -> pool.submit(() -> k8s.pods().inNamespace(PODS)
                    .resource(pod(n, TestCluster.nodes().get(Math.abs(n.hashCode()) % 2), "flannel2-conf")).create())).toList();
            for (var f : created) {
                f.get();
            }
            TestCluster.await("100 pods Ready", Duration.ofMinutes(8), () -> k8s.pods().inNamespace(PODS).withLabel("e2e", "seed").list().getItems()
                    .stream().filter(p -> p.getMetadata().getName().startsWith("busybox-bulk-"))
                    .filter(TestCluster::ready)
                    .count() == 100);
            var deleted = names.stream().map(n -> pool.submit(() -> k8s.pods().inNamespace(PODS).withName(n).delete())).toList();
            for (var f : deleted) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        awaitNothingLeft(names, before);
        // issue 20: the daemons that served them run on the image's class data archive; one whose
        // archive did not match its JVM or jars would have started without it, silently
        for (String node : TestCluster.nodes()) {
            List<Long> daemons = processesOnNode(node, "MULTINET_ROLE=node");
            assertEquals(1, daemons.size(), "the delegator on " + node + ": " + daemons);
            assertTrue(Files.readString(Path.of("/proc/" + daemons.get(0) + "/maps")).contains("/deployments/node.jsa"),
                    "the daemon on " + node + " maps its class data archive");
        }
    }

    // ---- helpers of the faults ----------------------------------------------------------------

    static void node(String action, String daemon) {
        TestCluster.command("bash", TestCluster.project().resolve("e2e/cluster/node.sh").toString(), action, daemon);
    }

    static void awaitReady(String name) {
        k8s.pods().inNamespace(PODS).withName(name).waitUntilCondition(TestCluster::ready, 4, java.util.concurrent.TimeUnit.MINUTES);
    }

    static void awaitNetworksReady() {
        SeedNetworks.awaitReady(Duration.ofMinutes(4));
    }

    /** busybox-node1 reaches busybox-node2 over net1 (flannel2) and eth0 (flannel1). */
    static void pingTwins(String when) {
        for (String iface : List.of("net1", "eth0")) {
            String target = ips.get("busybox-node2").get(iface);
            String ping = TestCluster.kubectl("exec", "-n", PODS, "busybox-node1", "--", "ping", "-c", "3", "-W", "3", "-I", iface, target);
            System.out.println(when + ": ping -I " + iface + " " + target + ": " + ping.lines().filter(l -> l.contains("packets")).findFirst().orElse(ping));
            assertTrue(ping.contains("3 packets received"), when + ": " + ping);
        }
    }

    /** A new pod on each node, on flannel2, that reach each other; then deleted without a trace. */
    static void freshPairWorks(String tag) throws Exception {
        int before = nodeState().size();
        List<String> names = List.of("busybox-" + tag + "-node1", "busybox-" + tag + "-node2");
        for (int i = 0; i < 2; i++) {
            k8s.pods().inNamespace(PODS).resource(pod(names.get(i), TestCluster.nodes().get(i), "flannel2-conf")).create();
        }
        names.forEach(SeedScenarioE2E::awaitReady);
        String target = address(TestCluster.kubectl("exec", "-n", PODS, names.get(1), "--", "ip", "a"), "net1");
        String ping = TestCluster.kubectl("exec", "-n", PODS, names.get(0), "--", "ping", "-c", "2", "-W", "3", "-I", "net1", target);
        assertTrue(ping.contains("2 packets received"), tag + ": " + ping);
        deleteAndAwaitNothingLeft(names, before);
    }

    static void deleteAndAwaitNothingLeft(List<String> names, int before) throws Exception {
        TestCluster.kubectl(java.util.stream.Stream.concat(java.util.stream.Stream.of("delete", "pod", "-n", PODS, "--wait=true", "--timeout=180s"),
                names.stream()).toArray(String[]::new));
        awaitNothingLeft(names, before);
    }

    /** The node-side state of the given (deleted) pods is gone: leases, delegate files and cache entries back to before. */
    static void awaitNothingLeft(List<String> names, int before) {
        try {
            TestCluster.await("the node-side state of " + names.size() + " deleted pods removed", Duration.ofMinutes(3),
                    () -> nodeState().size() == before);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": before " + before + " files, now " + nodeState(), e);
        }
    }

    /**
     * What pods leave on the nodes, on both: IP leases on the two networks, flannel delegate files,
     * DEL cache entries of busybox pods, and the host ends of their veths.
     */
    static List<String> nodeState() {
        try {
            List<String> state = new java.util.ArrayList<>();
            for (String node : TestCluster.nodes()) {
                Path root = TestCluster.nodeRoot(node);
                List<Path> files = new java.util.ArrayList<>(TestCluster.stateFiles(root.resolve("var/lib/multinet/cache")).stream().filter(SeedScenarioE2E::ofSeedPod).toList());
                files.addAll(TestCluster.stateFiles(root.resolve("var/lib/cni/flannel")));
                files.addAll(TestCluster.stateFiles(root.resolve("var/lib/cni/networks")).stream()
                        .filter(p -> p.getFileName().toString().matches("172\\.(96|112)\\..*")).toList());
                files.forEach(f -> state.add(f.toString()));
                for (String link : TestCluster.command("ip", "-n", TestCluster.nodeNetns(node), "-o", "link", "show", "type", "veth").split("\n")) {
                    // the operator's own pod sits on the node's bootstrap bridge (cni0), and stays
                    // "Error: Peer netns reference is invalid." is iproute2 on a netns id whose namespace is gone, not a link
                    if (!link.isBlank() && !link.startsWith("Error:") && !link.matches("\\d+: eth[01]@.*") && !link.contains(" master cni0 ")) {
                        state.add(node + " link " + link.split(":\\s+")[1].replaceFirst("@.*", ""));
                    }
                }
            }
            return state;
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

    @Test
    @org.junit.jupiter.api.Order(20)
    void deletionLeavesNothingEvenWhenTheOperatorRestartsMidway() throws Exception {
        // pods deleted: nothing of theirs is left on the nodes (DEL cache, IP leases, flannel delegate
        // files). kubelet removes the pod object before it tears the sandbox down, so this is awaited.
        TestCluster.kubectl("delete", "pod", "-n", PODS, "-l", "e2e=seed", "--wait=true", "--timeout=120s");
        try {
            TestCluster.await("no DEL cache entry, IP lease or flannel delegate file of the deleted pods on the nodes",
                    Duration.ofMinutes(2), () -> nodeState().isEmpty());
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + ": " + nodeState(), e);
        }

        // networks deleted: their DaemonSets, NADs and etcd keys go, and on the nodes their datapath
        String vni = TestCluster.kubectl("get", "mnet", "flannel1", "-o", "jsonpath={.status.allocated.vni}");
        Map<String, String> subnetFiles = new HashMap<>();
        for (String net : List.of("flannel1", "flannel2")) {
            subnetFiles.put(net, TestCluster.kubectl("get", "mnet", net, "-o", "jsonpath={.status.allocated.subnetFile}"));
        }
        TestCluster.kubectl("delete", "mnet", "flannel1", "flannel2", "--wait=false");
        // the operator's pod is deleted while it finalizes: its successor must finish the deletion
        for (Pod op : k8s.pods().inNamespace(NS).list().getItems()) {
            if (op.getMetadata().getOwnerReferences().stream().anyMatch(o -> o.getKind().equals("ReplicaSet"))) {
                k8s.pods().inNamespace(NS).resource(op).delete();
            }
        }
        TestCluster.await("flannel1 and flannel2 deleted", Duration.ofMinutes(4),
                () -> TestCluster.kubectl("get", "mnet", "-o", "name").isBlank());
        for (String net : List.of("flannel1", "flannel2")) {
            TestCluster.await(NetworkNames.flanneldDaemonSet(net) + " deleted", Duration.ofMinutes(2),
                    () -> k8s.apps().daemonSets().inNamespace(NS).withName(NetworkNames.flanneldDaemonSet(net)).get() == null);
        }
        assertEquals("", TestCluster.kubectl("get", "net-attach-def", "-A", "-o", "name").strip());
        try (var etcd = new JetcdFlannelStore(Duration.ofSeconds(10))) {
            assertEquals(Map.of(), etcd.list(etcdTarget, "/k8s/network2/"));
        }
        // Issue 15: flanneld removes nothing when it stops; the delegator takes the rest off each node
        for (String node : TestCluster.nodes()) {
            TestCluster.await("no datapath of the deleted networks left on " + node, Duration.ofMinutes(2), () -> datapath(node, vni, subnetFiles).isEmpty());
        }
    }

    /** What of flannel1 and flannel2 is still on a node: the vxlan device, routes, iptables rules, subnet files. */
    static List<String> datapath(String node, String vni, Map<String, String> subnetFiles) {
        List<String> left = new java.util.ArrayList<>();
        if (onNode(node, "ip", "-o", "link", "show").contains(" flannel." + vni + ":")) {
            left.add("flannel." + vni);
        }
        for (String cidr : List.of("172.96.0.0/16", "172.112.0.0/16")) {
            String routes = onNode(node, "ip", "-4", "route", "show", "root", cidr).strip();
            if (!routes.isEmpty()) {
                left.add("routes " + routes);
            }
            // flanneld's chains and the node daemon's copies only: kube-proxy names the cluster CIDR (172.96.0.0/16) in rules of its own
            for (String rule : onNode(node, "xtables-legacy-multi", "iptables-save").split("\n")) {
                if ((rule.startsWith("-A FLANNEL-") || rule.startsWith("-A MULTINET-")) && rule.contains(cidr)) {
                    left.add("iptables " + rule);
                }
            }
        }
        for (String f : subnetFiles.values()) {
            if (Files.exists(TestCluster.nodeRoot(node).resolve(f.substring(1)))) {
                left.add("subnet file " + f);
            }
        }
        return left;
    }

    @Test
    @org.junit.jupiter.api.Order(30)
    void uninstallAsDocumentedLeavesNodesThatStillRunPodsAndOtherPeoplesNetworks() throws Exception {
        Path foreign = work.resolve("foreign-nad.yaml");
        Files.writeString(foreign, """
                apiVersion: k8s.cni.cncf.io/v1
                kind: NetworkAttachmentDefinition
                metadata: {name: someone-elses, namespace: default}
                spec:
                  config: '{"cniVersion": "1.0.0", "name": "someone-elses", "type": "macvlan", "master": "eth1", "ipam": {"type": "host-local", "subnet": "10.78.1.0/24"}}'
                """);
        TestCluster.kubectl("apply", "-f", foreign.toString());

        System.out.println(TestCluster.runDocumented("uninstall"));

        TestCluster.await("namespace " + NS + " gone", Duration.ofMinutes(3), () -> k8s.namespaces().withName(NS).get() == null);
        assertEquals("customresourcedefinition.apiextensions.k8s.io/network-attachment-definitions.k8s.cni.cncf.io",
                TestCluster.kubectl("get", "crd", "network-attachment-definitions.k8s.cni.cncf.io", "-o", "name").strip());
        assertEquals("networkattachmentdefinition.k8s.cni.cncf.io/someone-elses",
                TestCluster.kubectl("get", "net-attach-def", "-n", "default", "-o", "name").strip());
        for (String node : TestCluster.nodes()) {
            Path root = TestCluster.nodeRoot(node);
            assertTrue(!Files.exists(root.resolve("etc/cni/net.d/00-multinet.conflist")), node + ": the conflist stayed");
            assertTrue(!Files.exists(root.resolve("opt/cni/bin/multinet")), node + ": the shim stayed");
        }
        // new pods start on the node's own primary network
        List<String> names = List.of("busybox-after-node1", "busybox-after-node2");
        for (int i = 0; i < 2; i++) {
            k8s.pods().inNamespace(PODS).resource(new PodBuilder(pod(names.get(i), TestCluster.nodes().get(i), "x")).editMetadata()
                    .removeFromAnnotations(NetworkNames.NETWORKS_ANNOTATION).endMetadata().build()).create();
        }
        for (String name : names) {
            awaitReady(name);
            String ipA = TestCluster.kubectl("exec", "-n", PODS, name, "--", "ip", "a");
            assertTrue(address(ipA, "eth0").startsWith("10.244."), ipA);
        }
        TestCluster.kubectl(java.util.stream.Stream.concat(java.util.stream.Stream.of("delete", "pod", "-n", PODS, "--wait=true"),
                names.stream()).toArray(String[]::new));
        TestCluster.kubectl("delete", "-f", foreign.toString());
    }

    static Pod pod(String name, String node, String networks) {
        return TestCluster.busyboxPod(name, node, "e2e", "seed", networks);
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
