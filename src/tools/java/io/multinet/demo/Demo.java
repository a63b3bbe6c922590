package io.multinet.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.multinet.NetworkNames;
import io.multinet.api.nad.NetworkAttachmentDefinition;
import io.multinet.api.v1alpha1.Allocation;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.api.v1alpha1.MultiNetworkStatus;
import io.multinet.flannel.Lease;
import io.multinet.flannel.SubnetEnv;
import io.multinet.operator.Conditions;
import io.multinet.testing.EtcdServer;
import io.multinet.testing.FakeCluster;
import io.multinet.testing.Loopback;
import io.multinet.testing.Netns;
import io.multinet.testing.NetnsFixture;

/**
 * `make demo`: the seed's two-network scenario end to end on one machine. The built application
 * runs as it would in a cluster (the operator and, on the node, the delegator daemon), the CNI calls
 * go through the built shim, and real reference plugins build real interfaces. What a cluster would
 * add and this machine lacks is played here and labelled so: the API server (fabric8's mock), the
 * DaemonSet controller and kubelet, and flanneld.
 */
public final class Demo implements AutoCloseable {

    static final String NODE = "node1";
    static final String NODE_ETH0 = "10.33.0.2";
    static final String NODE_ETH1 = "10.34.0.2";
    static final ObjectMapper JSON = new ObjectMapper();

    private final PrintStream out;
    private final Path project;
    private final Path root;
    private final List<Process> processes = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private KubernetesMockServer api;
    private KubernetesClient client;
    private EtcdServer etcd;
    private NetnsFixture netns;
    private Netns node;
    private io.etcd.jetcd.Client etcdClient;

    public Demo(PrintStream out, Path project) throws IOException {
        this.out = out;
        this.project = project;
        this.root = Files.createTempDirectory("multinet-demo");
    }

    public static void main(String[] args) throws Exception {
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
        Path project = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath();
        Demo demo = new Demo(System.out, project);
        Runtime.getRuntime().addShutdownHook(new Thread(demo::close));
        int exit = 0;
        try {
            demo.run();
        } catch (Exception e) {
            System.out.println("\nThe demo failed: " + e.getMessage());
            exit = 1;
        } finally {
            demo.close();
        }
        System.exit(exit);
    }

    void section(String title, String why) {
        out.println();
        out.println("== " + title + " " + "=".repeat(Math.max(0, 70 - title.length())));
        out.println(why);
        out.println();
    }

    /** The addresses each pod got, by pod and interface, for the demo's own test. */
    public final Map<String, Map<String, String>> podAddresses = new HashMap<>();

    public void run() throws Exception {
        section("1. A cluster on one machine", """
                A Kubernetes API server (fabric8's mock server in CRUD mode, on loopback, STAND-IN), a real
                etcd, and one node: a network namespace with its own eth0 and eth1.""");
        api = io.multinet.testing.MockApi.start(Loopback.freePort());
        client = api.createClient();
        FakeCluster cluster = new FakeCluster(client).applyCrds();
        for (String ns : List.of("default", "multinet-system")) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
        }
        etcd = EtcdServer.started();
        etcdClient = io.etcd.jetcd.Client.builder().endpoints(etcd.endpoint()).build();
        netns = new NetnsFixture();
        node = netns.create("node1");
        Netns lan = netns.create("lan");
        node.ip("link", "add", "eth0", "type", "veth", "peer", "name", "n1-eth0", "netns", lan.name());
        node.ip("link", "add", "eth1", "type", "veth", "peer", "name", "n1-eth1", "netns", lan.name());
        node.ip("addr", "add", NODE_ETH0 + "/24", "dev", "eth0");
        node.ip("addr", "add", NODE_ETH1 + "/24", "dev", "eth1");
        node.ip("link", "set", "eth0", "up");
        node.ip("link", "set", "eth1", "up");
        node.keep("eth0", "eth1");
        lan.keep("n1-eth0", "n1-eth1");
        cluster.addNode(NODE, Map.of(), NODE_ETH0);
        out.println("API server  " + api.url("/").replaceAll("/$", ""));
        out.println("etcd        " + etcd.endpoint());
        out.println("node1       network namespace " + node.name() + ": eth0 " + NODE_ETH0 + "/24, eth1 " + NODE_ETH1 + "/24");
        out.println("host paths  under " + root + " (never the machine's own /etc/cni, /opt/cni, /run, /var/lib)");

        section("2. Start multinet", """
                The built application twice, as the cluster would run it: the operator (Deployment) and the
                delegator daemon on node1 (DaemonSet pod, MULTINET_ROLE=node: io.multinet.delegator.NodeDaemon).""");
        int operatorPort = Loopback.freePort();
        int nodePort = Loopback.freePort();
        start("operator", operatorPort, Map.of(
                "MULTINET_OPERATOR_ETCD_ENDPOINTS", etcd.endpoint(),
                "MULTINET_OPERATOR_SUBNET_FILE_DIR", root.resolve("run/flannel/networks").toString(),
                "MULTINET_OPERATOR_DATA_DIR_BASE", root.resolve("var/lib/cni/flannel").toString(),
                "MULTINET_OPERATOR_RESYNC_INTERVAL", "2s"));
        Map<String, String> nodeEnv = io.multinet.testing.NodeRoot.env(io.multinet.testing.NodeRoot.settings(root, NODE, node,
                project.resolve("target/multinet")));
        start("delegator", nodePort, nodeEnv);
        waitFor("the operator is ready", () -> Loopback.httpStatus(operatorPort, "/q/health/ready") == 200);
        waitFor("the delegator answers", () -> Loopback.httpStatus(nodePort, "/q/health/live") == 200);
        out.println("operator    http://127.0.0.1:" + operatorPort + "/q/health/ready -> 200");
        out.println("delegator   http://127.0.0.1:" + nodePort + "/q/health/ready -> " + Loopback.httpStatus(nodePort, "/q/health/ready")
                + " (not ready: no default network yet)");

        section("3. kubectl apply -f demo/networks.yaml", """
                flannel1: the default network, kube mode, 172.96.0.0/16, flanneld on eth0.
                flannel2: etcd mode, host-gw, 172.112.0.0/16, etcd prefix /k8s/network2, eth1, NAD flannel2-conf.""");
        try (InputStream in = Files.newInputStream(project.resolve("demo/networks.yaml"))) {
            for (var item : client.load(in).items()) {
                client.resource(item).create();
            }
        }
        waitFor("both networks are accepted", () -> allocated("flannel1") != null && allocated("flannel2") != null
                && nad("flannel1-conf") != null && nad("flannel2-conf") != null);
        for (String net : List.of("flannel1", "flannel2")) {
            var ds = client.apps().daemonSets().inNamespace("multinet-system").withName(NetworkNames.flanneldDaemonSet(net)).get();
            out.println("DaemonSet multinet-system/" + ds.getMetadata().getName() + ": flanneld "
                    + String.join(" ", ds.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()));
        }
        out.println();
        for (String nad : List.of("flannel1-conf", "flannel2-conf")) {
            out.println("NetworkAttachmentDefinition default/" + nad + ":");
            out.println("  " + JSON.readTree(nad(nad).getSpec().config).toPrettyString().replace("\n", "\n  "));
        }
        out.println();
        out.println("etcd keys the operator wrote:");
        EtcdServer.keys(etcdClient).forEach((k, v) -> out.println("  " + k + " = " + v));

        section("4. flanneld on node1 (STAND-IN)", """
                flanneld cannot run here, so this plays it exactly as the two flanneld pods would: each writes its
                subnet file, and flannel2's takes a lease under its prefix with PublicIP = eth1's address. The
                DaemonSet controller and kubelet are played too: one flanneld pod per network and the delegator pod,
                each Ready.""");
        cluster.sync();
        cluster.setAllPodsReady(true);
        Allocation a1 = allocated("flannel1");
        Allocation a2 = allocated("flannel2");
        writeSubnetFile(a1, new SubnetEnv("172.96.0.0/16", "172.96.12.1/24", 1450, true));
        writeSubnetFile(a2, new SubnetEnv("172.112.0.0/16", "172.112.88.1/24", 1500, true));
        long lease = etcdClient.getLeaseClient().grant(600).get(10, TimeUnit.SECONDS).getID();
        etcdClient.getKVClient().put(bytes("/k8s/network2/subnets/172.112.88.0-24"), bytes(Lease.value(NODE_ETH1, "host-gw")),
                io.etcd.jetcd.options.PutOption.builder().withLeaseId(lease).build()).get(10, TimeUnit.SECONDS);
        out.println("wrote " + a1.subnetFile + " and " + a2.subnetFile);
        out.println("put   /k8s/network2/subnets/172.112.88.0-24 (lease, PublicIP " + NODE_ETH1 + ")");
        Path conflist = root.resolve("etc/cni/net.d").resolve(NetworkNames.CNI_CONFIG_FILE);
        waitFor("the delegator is ready and wrote its CNI config", () -> Loopback.httpStatus(nodePort, "/q/health/ready") == 200 && Files.exists(conflist));
        out.println("delegator ready; " + conflist + ":");
        out.println("  " + Files.readString(conflist).strip().replace("\n", "\n  "));

        section("5. Two busybox pods", """
                Each pod is a Pod object plus a network namespace; the shim /opt/cni/bin/multinet is called with ADD the
                way a container runtime calls it. Then `ip a` from inside, the view `kubectl exec busybox -- ip a` gives.""");
        for (String[] p : new String[][] { { "busybox", "flannel2-conf" }, { "busybox1", "flannel1-conf" } }) {
            client.resource(new PodBuilder().withNewMetadata().withName(p[0]).withNamespace("default")
                    .addToAnnotations(NetworkNames.NETWORKS_ANNOTATION, p[1]).endMetadata()
                    .withNewSpec().withNodeName(NODE).addNewContainer().withName("busybox").withImage("busybox").endContainer().endSpec()
                    .build()).create();
            Netns sandbox = netns.create("pod-" + p[0]);
            String result = shim("ADD", p[0], sandbox, conflist);
            out.println("$ kubectl exec " + p[0] + " -- ip a      (" + NetworkNames.NETWORKS_ANNOTATION + ": " + p[1] + ")");
            String ipa = sandbox.exec("ip", "-4", "addr");
            out.println(ipa.strip());
            Map<String, String> addrs = new HashMap<>();
            for (String ifname : List.of("eth0", "net1")) {
                String line = sandbox.ip("-o", "-4", "addr", "show", "dev", ifname);
                addrs.put(ifname, line.replaceAll("(?s).* inet ([0-9./]+) .*", "$1").strip());
            }
            podAddresses.put(p[0], addrs);
            out.println();
            out.println("CNI result (eth0): " + JSON.readTree(result).path("ips").toString());
            waitFor("the network-status annotation", () -> client.pods().inNamespace("default").withName(p[0]).get().getMetadata()
                    .getAnnotations().containsKey(NetworkNames.NETWORK_STATUS_ANNOTATION));
            out.println(NetworkNames.NETWORK_STATUS_ANNOTATION + ":");
            out.println("  " + client.pods().inNamespace("default").withName(p[0]).get().getMetadata().getAnnotations()
                    .get(NetworkNames.NETWORK_STATUS_ANNOTATION).replace("\n", "\n  "));
            out.println();
        }

        section("6. kubectl get mnet", "Per-node health, as the operator aggregates it.");
        waitFor("both networks Ready", () -> ready("flannel1") && ready("flannel2"));
        out.printf("%-10s %-16s %-9s %-5s %-6s %s%n", "NAME", "NETWORK", "BACKEND", "MODE", "NODES", "READY");
        for (MultiNetwork n : client.resources(MultiNetwork.class).list().getItems()) {
            out.printf("%-10s %-16s %-9s %-5s %-6s %s%n", n.getMetadata().getName(), n.getSpec().network, n.getSpec().backendType(),
                    n.getSpec().subnetManager(), n.getStatus().nodes.summary,
                    Conditions.find(n.getStatus().conditions, "Ready").map(c -> c.getStatus()).orElse(""));
        }
        out.println();
        out.println("$ kubectl get mnet flannel2 -o yaml   (status)");
        MultiNetworkStatus st2 = client.resources(MultiNetwork.class).withName("flannel2").get().getStatus();
        out.println(Serialization.asYaml(st2).replace("---\n", ""));

        section("7. Delete everything", """
                DEL through the shim for both pods, then the MultiNetworks: the operator removes the DaemonSets, the
                NADs and the etcd prefix; the delegator removes the bridges once no pod uses them.""");
        for (String p : List.of("busybox", "busybox1")) {
            shim("DEL", p, netns.get("pod-" + p), conflist);
            client.pods().inNamespace("default").withName(p).delete();
        }
        client.resources(MultiNetwork.class).delete();
        waitFor("flanneld DaemonSets deleted", () -> client.apps().daemonSets().inNamespace("multinet-system").list().getItems().stream()
                .noneMatch(d -> d.getMetadata().getName().startsWith("flanneld-")));
        cluster.sync(); // the DaemonSet controller removes the flanneld pods: now the prefix may go
        Files.deleteIfExists(Path.of(a1.subnetFile)); // (STAND-IN) flanneld gone: its subnet file with it
        Files.deleteIfExists(Path.of(a2.subnetFile));
        waitFor("the MultiNetworks are gone", () -> client.resources(MultiNetwork.class).list().getItems().isEmpty());
        waitFor("the bridges are gone", () -> !node.links().contains(a1.bridge) && !node.links().contains(a2.bridge));
        out.println("links on node1:       " + String.join(" ", node.links()));
        for (String pod : List.of("busybox", "busybox1")) {
            out.println("links in " + pod + ":" + " ".repeat(12 - pod.length()) + String.join(" ", netns.get("pod-" + pod).links()));
        }
        out.println("IP leases:            " + listFiles(root.resolve("var/lib/cni/networks")));
        out.println("cache files:          " + listFiles(root.resolve("var/lib/multinet/cache")));
        out.println("flannel data files:   " + listFiles(root.resolve("var/lib/cni/flannel")));
        out.println("etcd keys:            " + (EtcdServer.keys(etcdClient).isEmpty() ? "(none)" : EtcdServer.keys(etcdClient).keySet()));
        out.println("NADs:                 " + (client.resources(NetworkAttachmentDefinition.class).inAnyNamespace().list().getItems().isEmpty()
                ? "(none)" : "left!"));
        check(node.links().equals(List.of("lo", "eth0", "eth1")), "node1 has links besides lo, eth0, eth1: " + node.links());
        check(listFiles(root.resolve("var/lib/cni/networks")).equals("(none)"), "IP leases are left");
        check(listFiles(root.resolve("var/lib/multinet/cache")).equals("(none)"), "cache files are left");
        check(EtcdServer.keys(etcdClient).isEmpty(), "etcd keys are left: " + EtcdServer.keys(etcdClient).keySet());
        if (!problems.isEmpty()) {
            throw new IllegalStateException(String.join("; ", problems));
        }
        out.println();
        out.println("Nothing is left. The demo cleans up its processes, namespaces and files on exit (Ctrl-C too).");
        succeeded = true;
    }

    private boolean succeeded;

    /** On failure, the end of each process log, before the temporary root goes. */
    private void printLogTails() {
        for (String role : List.of("operator", "delegator")) {
            Path log = root.resolve(role + ".log");
            try {
                if (Files.exists(log)) {
                    List<String> lines = Files.readAllLines(log);
                    out.println("--- errors in the " + role + " log ---");
                    lines.stream().filter(l -> l.contains("ERROR") || l.startsWith("Caused by")).limit(15).forEach(out::println);
                }
            } catch (IOException e) {
                out.println("cannot read " + log + ": " + e.getMessage());
            }
        }
    }

    private void check(boolean ok, String problem) {
        if (!ok) {
            problems.add(problem);
        }
    }

    private String shim(String command, String pod, Netns sandbox, Path conflist) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(root.resolve("opt/cni/bin/multinet").toString());
        pb.environment().clear();
        pb.environment().putAll(Map.of("CNI_COMMAND", command, "CNI_CONTAINERID", "cid-" + pod, "CNI_NETNS", sandbox.path(),
                "CNI_IFNAME", "eth0", "CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=" + pod,
                "CNI_PATH", root.resolve("opt/cni/bin").toString()));
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            in.write(io.multinet.testing.NodeRoot.pluginConf(conflist).getBytes(StandardCharsets.UTF_8));
        }
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("CNI " + command + " of " + pod + " failed: " + stdout);
        }
        return stdout;
    }

    private void writeSubnetFile(Allocation a, SubnetEnv env) throws IOException {
        Files.createDirectories(Path.of(a.subnetFile).getParent());
        Files.writeString(Path.of(a.subnetFile), env.render());
    }

    private Allocation allocated(String name) {
        MultiNetwork n = client.resources(MultiNetwork.class).withName(name).get();
        return n == null || n.getStatus() == null ? null : n.getStatus().allocated;
    }

    private boolean ready(String name) {
        MultiNetwork n = client.resources(MultiNetwork.class).withName(name).get();
        return n != null && n.getStatus() != null && Conditions.isTrue(n.getStatus().conditions, "Ready");
    }

    private NetworkAttachmentDefinition nad(String name) {
        return client.resources(NetworkAttachmentDefinition.class).inNamespace("default").withName(name).get();
    }

    static io.etcd.jetcd.ByteSequence bytes(String s) {
        return io.etcd.jetcd.ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    private static String listFiles(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return "(none)";
        }
        try (var walk = Files.walk(dir)) {
            List<String> files = walk.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith("last_reserved_ip")
                    && !f.getFileName().toString().equals("lock")).map(f -> dir.relativize(f).toString()).toList();
            return files.isEmpty() ? "(none)" : String.join(" ", files);
        }
    }

    private void start(String role, int port, Map<String, String> env) throws IOException {
        Map<String, String> all = new HashMap<>(env);
        if (role.equals("operator")) {
            all.putAll(io.multinet.testing.AppProcess.operatorEnv("multinet-system"));
        }
        Path log = root.resolve(role + ".log");
        List<String> jvm = List.of("-XX:+UseSerialGC", "-Xmx128m");
        processes.add(role.equals("operator") ? io.multinet.testing.AppProcess.start(project, jvm, all, api.url("/"), port, log)
                : io.multinet.testing.AppProcess.startNode(project, jvm, all, api.url("/"), port, log));
        out.println(role + " log: " + log);
    }

    private void waitFor(String what, Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try {
                if (condition.get()) {
                    return;
                }
            } catch (RuntimeException notYet) {
                // keep waiting
            }
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("a multinet process exited (" + p.exitValue() + "); logs in " + root);
                }
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("timed out waiting until " + what + "; logs in " + root);
    }

    @Override
    public synchronized void close() {
        if (!succeeded && !processes.isEmpty()) {
            printLogTails();
        }
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        processes.clear();
        if (etcdClient != null) {
            etcdClient.close();
            etcdClient = null;
        }
        if (etcd != null) {
            etcd.close();
            etcd = null;
        }
        if (netns != null) {
            try {
                netns.close();
            } catch (AssertionError leaks) {
                out.println("clean-up found: " + leaks.getMessage());
            }
            netns = null;
        }
        if (api != null) {
            api.destroy();
            api = null;
        }
        try {
            EtcdServer.deleteTree(root);
        } catch (RuntimeException e) {
            out.println("could not remove " + root + ": " + e.getMessage());
        }
    }
}
