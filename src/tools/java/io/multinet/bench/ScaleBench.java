package io.multinet.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.multinet.NetworkNames;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.api.v1alpha1.MultiNetworkNodeState;
import io.multinet.api.v1alpha1.MultiNetworkNodeStateStatus;
import io.multinet.api.v1alpha1.MultiNetworkStatus;
import io.multinet.api.v1alpha1.Networks;
import io.multinet.flannel.Lease;
import io.multinet.testing.EtcdServer;
import io.multinet.testing.FakeCluster;

/**
 * Operator scale: N nodes, 20 networks, every pod (with the spec its DaemonSet stamps out), node state
 * and lease in place, and the operator from the built jar in its own JVM with its Deployment's flags
 * and memory limit. Then nodes' delegator pods turn not Ready and Ready again, one at a time and 100 at
 * once, and the bench measures how long until all 20 statuses show it, the API requests it took, the
 * largest MultiNetwork, the operator's memory, and the time to a full sync after a restart.
 * <p>
 * Against a real kube-apiserver (bench/scale-real starts one with its etcd, nothing else: no kubelet
 * or controller changes what the bench writes) at 1,000 and 5,000 nodes; against fabric8's mock at 100,
 * where the mock's cost per request (it scans every object) still allows it.
 */
public final class ScaleBench {

    static final int NETWORKS = 20;
    static final String NS = "multinet-system";

    public static void main(String[] args) {
        Exit.after(() -> report(args));
    }

    static void report(String[] args) throws Exception {
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
        List<String> rows = new ArrayList<>();
        // End to end on the mock API server up to 1,000 nodes: its CRUD store scans every object on every request,
        // so setting up costs O(n^2) (about 4 minutes at 1,000 nodes, 21,000 pods; 5,000 would take hours).
        java.nio.file.Path project = java.nio.file.Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath();
        String realUrl = System.getenv("MULTINET_SCALE_API");
        if (realUrl != null && !realUrl.isBlank()) {
            for (String n : System.getenv().getOrDefault("MULTINET_SCALE_NODES", "1000,5000").split(",")) {
                try (Api api = Api.real(realUrl, System.getenv("MULTINET_SCALE_TOKEN"))) {
                    rows.addAll(run(project, Integer.parseInt(n.strip()), api));
                }
            }
        } else {
            for (int nodes : Integer.getInteger("bench.small") != null ? new int[] { Integer.getInteger("bench.small") } : new int[] { 100 }) {
                try (Api api = Api.mock()) {
                    rows.addAll(run(project, nodes, api));
                }
            }
        }
        for (int nodes : new int[] { 1000, 5000 }) {
            rows.addAll(aggregate(nodes));
        }
        System.out.println();
        System.out.println("| operator scale (20 networks) | value |");
        System.out.println("|---|---|");
        rows.forEach(System.out::println);
    }

    static List<String> run(java.nio.file.Path project, int nodes, Api api) throws Exception {
        KubernetesClient client = api.client();
        new FakeCluster(client).applyCrds();
        for (String crd : api.real() ? List.of("multinetworks.multinet.io", "multinetworknodestates.multinet.io") : List.<String> of()) {
            client.apiextensions().v1().customResourceDefinitions().withName(crd).waitUntilCondition(c -> c != null && c.getStatus() != null
                    && c.getStatus().getConditions().stream().anyMatch(x -> x.getType().equals("Established") && x.getStatus().equals("True")),
                    60, TimeUnit.SECONDS);
        }
        for (String ns : List.of("default", NS)) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).createOr(x -> x.update());
        }
        // Pods carry the specs their DaemonSets stamp out. The mock ignores `limit` and would hand the
        // operator's first list every full pod in one response, so there only up to 300 nodes; a real API
        // server pages it at 500.
        boolean fullPods = api.real() || nodes <= 300;
        Map<String, io.fabric8.kubernetes.api.model.PodSpec> specs = fullPods ? podSpecs() : new HashMap<>();
        try (EtcdServer etcd = EtcdServer.started(); Client kv = Client.builder().endpoints(etcd.endpoint()).build()) {
            ExecutorService pool = Executors.newFixedThreadPool(api.real() ? 48 : 16);
            long t0 = System.nanoTime();
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                int k = i;
                fs.add(pool.submit(() -> {
                    addNode(client, k);
                    MultiNetworkNodeState s = client.resource(state(k)).create();
                    s.setStatus(new MultiNetworkNodeStateStatus());
                    s.getStatus().networks = new ArrayList<>();
                    for (int n = 0; n < NETWORKS; n++) {
                        MultiNetworkNodeStateStatus.Network x = new MultiNetworkNodeStateStatus.Network();
                        x.name = "net" + n;
                        x.subnetFilePresent = true;
                        s.getStatus().networks.add(x);
                    }
                    client.resource(s).updateStatus();
                    pod(client, NetworkNames.DELEGATOR_DAEMONSET, NetworkNames.delegatorLabels(), k, true, specs.get(null));
                    for (int n = 0; n < NETWORKS; n++) {
                        pod(client, NetworkNames.flanneldDaemonSet("net" + n), NetworkNames.flanneldLabels("net" + n), k, true, specs.get("net" + n));
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
            List<CompletableFuture<?>> puts = new ArrayList<>();
            for (int n = 0; n < NETWORKS; n++) {
                for (int i = 0; i < nodes; i++) {
                    puts.add(kv.getKVClient().put(bytes("/multinet.io/networks/net" + n + "/subnets/10." + (100 + n) + "." + (i / 60) + "."
                            + (4 * (i % 60)) + "-30"), bytes(Lease.value(ip(i), "vxlan"))));
                }
                CompletableFuture.allOf(puts.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
                puts.clear();
            }
            double setup = (System.nanoTime() - t0) / 1e9;

            // the operator as its Deployment runs it: its own JVM, seeing the memory its container is limited to
            java.nio.file.Path log = java.nio.file.Files.createTempFile("multinet-scale-operator", ".log");
            Map<String, String> env = new HashMap<>(io.multinet.testing.AppProcess.operatorEnv(NS));
            env.putAll(api.operatorEnv());
            env.put("MULTINET_OPERATOR_ETCD_ENDPOINTS", etcd.endpoint());
            env.put("MULTINET_OPERATOR_RESYNC_INTERVAL", "60s");
            // the JVM flags and environment its Deployment ships with (application.properties)
            java.util.Properties shipped = new java.util.Properties();
            try (var in = java.nio.file.Files.newBufferedReader(project.resolve("src/main/resources/application.properties"))) {
                shipped.load(in);
            }
            env.put("MALLOC_ARENA_MAX", shipped.getProperty("quarkus.kubernetes.env.vars.malloc-arena-max"));
            String limit = shipped.getProperty("quarkus.kubernetes.resources.limits.memory");
            List<String> flags = new ArrayList<>(List.of("-XX:MaxRAM=" + limit.replace("Mi", "m")));
            flags.addAll(List.of(shipped.getProperty("quarkus.kubernetes.env.vars.java-opts-append").split(" ")));
            flags.addAll(io.multinet.testing.AppProcess.extraFlags("OPERATOR_JVM_EXTRA"));
            int port = io.multinet.testing.Loopback.freePort();
            Process operator = io.multinet.testing.AppProcess.start(project, flags, env, api.url(), port, log);
            Runtime.getRuntime().addShutdownHook(new Thread(operator::destroyForcibly)); // also when the bench fails
            for (int n = 0; n < NETWORKS; n++) {
                MultiNetwork m = Networks.network("net" + n, "10." + (100 + n) + ".0.0/16");
                m.getSpec().subnetLen = 30; // room for a subnet per node
                client.resource(m).create();
            }
            long t1 = System.nanoTime();
            waitAll(client, nodes, nodes, operator, log);
            double converge = (System.nanoTime() - t1) / 1e9;
            long rssConverged = io.multinet.testing.AppProcess.rssKb(operator);

            // one node's delegator pod turns not Ready, then Ready again: ten nodes in turn, each change timed
            List<Double> times = new ArrayList<>();
            Api.Requests perChange = null;
            for (int round = 0; round < 10; round++) {
                int k = 7 + round * (nodes / 10);
                for (boolean ready : new boolean[] { false, true }) {
                    api.requests();
                    double before = reconciles(port);
                    long t = System.nanoTime();
                    setReady(client, k, ready);
                    waitAll(client, nodes, ready ? nodes : nodes - 1, operator, log);
                    times.add((System.nanoTime() - t) / 1e9);
                    Api.Requests r = api.requests().less(1, 2); // the bench's own GET and status update of the pod
                    r = r.reconciles(reconciles(port) - before);
                    perChange = perChange == null ? r : perChange.plus(r);
                }
            }
            java.util.Collections.sort(times);

            // 100 nodes flap at once (half the nodes on a smaller cluster)
            int count = Math.min(100, nodes / 2);
            List<Integer> flapping = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                flapping.add((3 + i * (nodes / count)) % nodes);
            }
            double[] flap = new double[2];
            for (boolean ready : new boolean[] { false, true }) {
                long t = System.nanoTime();
                List<Future<?>> changes = new ArrayList<>();
                for (int k : flapping) {
                    changes.add(pool.submit(() -> {
                        setReady(client, k, ready);
                        return null;
                    }));
                }
                for (Future<?> f : changes) {
                    f.get();
                }
                waitAll(client, nodes, ready ? nodes : nodes - count, operator, log);
                flap[ready ? 1 : 0] = (System.nanoTime() - t) / 1e9;
            }

            long largest = client.resources(MultiNetwork.class).list().getItems().stream()
                    .mapToLong(m -> Serialization.asJson(m).getBytes(StandardCharsets.UTF_8).length).max().orElse(0);
            MultiNetworkStatus st = client.resources(MultiNetwork.class).withName("net0").get().getStatus();
            if (st.nodes.desired != nodes) {
                throw new IllegalStateException("net0 counts " + st.nodes.desired + " nodes, not " + nodes);
            }
            long rssAfter = io.multinet.testing.AppProcess.rssKb(operator);
            double heapMiB = metric(port, "jvm_memory_used_bytes", "area=\"heap\"") / (1024 * 1024);
            String summary = io.multinet.testing.AppProcess.nativeMemory(operator, flags);
            if (!summary.isEmpty()) {
                System.out.println(summary);
            }

            // a restart: the time until the new operator has synced its caches and reconciled every network
            operator.destroy();
            operator.waitFor(30, TimeUnit.SECONDS);
            api.requests();
            long t4 = System.nanoTime();
            operator = io.multinet.testing.AppProcess.start(project, flags, env, api.url(), port, log);
            Process restarted = operator;
            Runtime.getRuntime().addShutdownHook(new Thread(restarted::destroyForcibly));
            while (reconcilesSucceeded(port) < NETWORKS) {
                if (!operator.isAlive()) {
                    throw new IllegalStateException("the restarted operator exited: " + tail(log));
                }
                if (System.nanoTime() - t4 > TimeUnit.SECONDS.toNanos(Long.getLong("bench.wait", 900))) {
                    throw new IllegalStateException("the restarted operator did not reconcile every network: " + tail(log));
                }
                Thread.sleep(100);
            }
            double restart = (System.nanoTime() - t4) / 1e9;
            Api.Requests afterRestart = api.requests();
            operator.destroy();
            operator.waitFor(30, TimeUnit.SECONDS);
            java.nio.file.Files.deleteIfExists(log);
            pool.shutdown();
            return List.of(
                    row(nodes, api, "set-up (nodes, " + (NETWORKS + 1) * nodes + (fullPods ? " pods with their DaemonSets' specs, " : " pods with no spec but their node, ")
                            + NETWORKS * nodes + " leases)", String.format("%.1f s", setup)),
                    row(nodes, api, "first reconcile until all 20 statuses show every node ready", String.format("%.1f s", converge)),
                    row(nodes, api, "one delegator pod turns not Ready or Ready -> all 20 statuses show it (20 changes, p50 / p99)",
                            String.format("%.2f / %.2f s", times.get(times.size() / 2), times.get(times.size() - 1))),
                    row(nodes, api, count + " delegator pods turn not Ready at once -> all 20 statuses show it / Ready again",
                            String.format("%.2f / %.2f s", flap[0], flap[1])),
                    row(nodes, api, "API writes per change (ideal: 20, one per network) / requests per change / reconciles per change / requests per reconcile",
                            perChange.per(20)),
                    row(nodes, api, "largest MultiNetwork object", String.format("%.1f KiB", largest / 1024.0)),
                    row(nodes, api, "operator RSS after converging / after the changes (limit " + limit + "); heap used",
                            rssConverged / 1024 + " / " + rssAfter / 1024 + " MiB; " + String.format("%.0f MiB", heapMiB)),
                    row(nodes, api, "operator restart -> caches synced and all 20 networks reconciled; API writes meanwhile",
                            String.format("%.1f s; %d", restart, afterRestart.writes())));
        }
    }

    /** The operator's reconciliations so far, from its own metrics (the Java Operator SDK's counter). */
    static double reconciles(int port) throws Exception {
        return metric(port, "operator_sdk_reconciliations_started_total", "");
    }

    static double reconcilesSucceeded(int port) {
        try {
            return metric(port, "operator_sdk_reconciliations_success_total", "");
        } catch (Exception e) {
            return 0; // not serving yet
        }
    }

    /** The sum of a series of the operator's /q/metrics whose labels contain the text. */
    static double metric(int port, String name, String labels) throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        String text = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/q/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        double sum = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith(name) && (line.charAt(name.length()) == '{' || line.charAt(name.length()) == ' ') && line.contains(labels)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    static String tail(java.nio.file.Path log) throws java.io.IOException {
        List<String> lines = java.nio.file.Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    static void addNode(KubernetesClient client, int k) {
        var node = new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata().withName(node(k))
                .withLabels(Map.of("kubernetes.io/os", "linux", "kubernetes.io/arch", "amd64", "kubernetes.io/hostname", node(k),
                        "beta.kubernetes.io/os", "linux", "beta.kubernetes.io/arch", "amd64", "topology.kubernetes.io/zone", "zone-" + k % 3))
                .withAnnotations(Map.of("node.alpha.kubernetes.io/ttl", "0", "volumes.kubernetes.io/controller-managed-attach-detach", "true"))
                .endMetadata().withNewSpec().withPodCIDR("10.244." + k % 250 + ".0/24").endSpec().withStatus(kubeletNodeStatus(k)).build();
        var created = client.nodes().resource(node).create();
        if (created.getStatus() == null || created.getStatus().getConditions().isEmpty()) {
            created.setStatus(node.getStatus()); // a real API server keeps status out of a create
            client.nodes().resource(created).updateStatus();
        }
    }

    /**
     * A node's status as a kubelet writes it: conditions, addresses, capacity, node info and the
     * images it holds (most of a real Node's size), so the operator's node cache is measured at size.
     */
    static io.fabric8.kubernetes.api.model.NodeStatus kubeletNodeStatus(int k) {
        String t = "2026-12-02T06:00:00Z";
        var q = Map.of("cpu", new io.fabric8.kubernetes.api.model.Quantity("8"), "memory", new io.fabric8.kubernetes.api.model.Quantity("32827648Ki"),
                "pods", new io.fabric8.kubernetes.api.model.Quantity("110"), "ephemeral-storage", new io.fabric8.kubernetes.api.model.Quantity("101203452Ki"),
                "hugepages-2Mi", new io.fabric8.kubernetes.api.model.Quantity("0"), "hugepages-1Gi", new io.fabric8.kubernetes.api.model.Quantity("0"));
        var b = new io.fabric8.kubernetes.api.model.NodeStatusBuilder().withCapacity(q).withAllocatable(q)
                .addNewAddress().withType("InternalIP").withAddress(ip(k)).endAddress().addNewAddress().withType("Hostname").withAddress(node(k)).endAddress()
                .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(10250).endKubeletEndpoint().endDaemonEndpoints()
                .withNewNodeInfo().withArchitecture("amd64").withOperatingSystem("linux").withOsImage("Debian GNU/Linux 13 (trixie)")
                .withKernelVersion("6.1.0-28-amd64").withContainerRuntimeVersion("containerd://2.1.4").withKubeletVersion("v1.34.4")
                .withKubeProxyVersion("").withMachineID(String.format("%032x", k)).withSystemUUID(java.util.UUID.nameUUIDFromBytes(node(k).getBytes()).toString())
                .withBootID(java.util.UUID.nameUUIDFromBytes(ip(k).getBytes()).toString()).endNodeInfo();
        for (String[] c : new String[][] { { "MemoryPressure", "False", "KubeletHasSufficientMemory" },
                { "DiskPressure", "False", "KubeletHasNoDiskPressure" }, { "PIDPressure", "False", "KubeletHasSufficientPID" },
                { "Ready", "True", "KubeletReady" } }) {
            b.addNewCondition().withType(c[0]).withStatus(c[1]).withReason(c[2]).withMessage("kubelet reports " + c[2])
                    .withLastHeartbeatTime(t).withLastTransitionTime(t).endCondition();
        }
        for (int i = 0; i < 25; i++) {
            String repo = "registry.example/team-" + i % 5 + "/service-" + i;
            b.addNewImage().withNames(repo + "@sha256:" + String.format("%064x", (long) i * 7919 + 1), repo + ":v1." + i)
                    .withSizeBytes(10_000_000L + i * 1_000_000L).endImage();
        }
        return b.build();
    }

    /**
     * The operator's own work per change at 1,000 and 5,000 nodes, without the API server: one status
     * aggregation of each of the 20 networks from the observed nodes, pods, node states and leases.
     */
    static List<String> aggregate(int nodes) {
        List<io.fabric8.kubernetes.api.model.Node> ns = new ArrayList<>();
        Map<String, Pod> pods = new HashMap<>();
        Map<String, MultiNetworkNodeState> states = new HashMap<>();
        Map<String, Lease> leases = new HashMap<>();
        for (int i = 0; i < nodes; i++) {
            ns.add(new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata().withName(node(i)).endMetadata().withNewStatus()
                    .addNewAddress().withType("InternalIP").withAddress(ip(i)).endAddress().addNewCondition().withType("Ready")
                    .withStatus("True").endCondition().endStatus().build());
            pods.put(node(i), new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewStatus().addNewCondition()
                    .withType("Ready").withStatus("True").endCondition().endStatus().build());
            MultiNetworkNodeState s = state(i);
            s.setStatus(new MultiNetworkNodeStateStatus());
            for (int n = 0; n < NETWORKS; n++) {
                MultiNetworkNodeStateStatus.Network x = new MultiNetworkNodeStateStatus.Network();
                x.name = "net" + n;
                x.subnetFilePresent = true;
                s.getStatus().networks.add(x);
            }
            states.put(node(i), s);
            leases.put(ip(i), new Lease("/multinet.io/networks/net0/subnets/10.100." + (i / 60) + "." + (4 * (i % 60)) + "-30",
                    "10.100." + (i / 60) + "." + (4 * (i % 60)) + "/30", ip(i)));
        }
        pods.put(node(7), new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewStatus().addNewCondition()
                .withType("Ready").withStatus("False").endCondition().endStatus().build());
        long worst = 0;
        long largest = 0;
        List<Long> times = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            long t0 = System.nanoTime();
            for (int n = 0; n < NETWORKS; n++) {
                MultiNetwork m = Networks.network("net" + n, "10." + (100 + n) + ".0.0/16");
                m.getSpec().subnetLen = 30;
                var plan = io.multinet.api.v1alpha1.NetworkPlanner.planAll(List.of(m), io.multinet.api.v1alpha1.PlannerSettings.defaults())
                        .get(m.getMetadata().getName());
                var st = io.multinet.operator.StatusAggregator.aggregate(m, new io.multinet.operator.StatusAggregator.Observed(plan, ns,
                        pods, pods, states, leases, null, null, List.of("default/net" + n), List.of(), List.of(), List.of(), null), 100, "t");
                m.setStatus(st);
                largest = Math.max(largest, Serialization.asJson(m).getBytes(StandardCharsets.UTF_8).length);
                if (st.nodes.ready != nodes - 1) {
                    throw new IllegalStateException("aggregation is wrong: " + st.nodes.summary);
                }
            }
            times.add(System.nanoTime() - t0);
        }
        java.util.Collections.sort(times);
        worst = times.get(times.size() - 1);
        return List.of(row(nodes, "status of all 20 networks computed from the caches (median of 5, in-process)",
                        String.format("%.1f ms (worst %.1f ms)", times.get(2) / 1e6, worst / 1e6)),
                row(nodes, "largest MultiNetwork object (1 node not ready)", String.format("%.1f KiB", largest / 1024.0)));
    }

    static String row(int nodes, Api api, String what, String value) {
        return row(nodes, what + " (" + api.describe() + ")", value);
    }

    static String row(int nodes, String what, String value) {
        String r = "| " + nodes + " nodes: " + what + " | " + value + " |";
        System.out.println(r);
        return r;
    }

    static void waitAll(KubernetesClient client, int nodes, int ready, Process operator, java.nio.file.Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.getLong("bench.wait", 600));
        while (System.nanoTime() < deadline) {
            if (!operator.isAlive()) {
                throw new IllegalStateException("the operator exited with " + operator.exitValue() + ":\n"
                        + String.join("\n", java.nio.file.Files.readAllLines(log).stream().skip(Math.max(0, java.nio.file.Files.readAllLines(log).size() - 30)).toList()));
            }
            List<MultiNetwork> all = client.resources(MultiNetwork.class).list().getItems();
            if (all.size() == NETWORKS && all.stream().allMatch(m -> m.getStatus() != null && m.getStatus().nodes != null
                    && m.getStatus().nodes.desired == nodes && m.getStatus().nodes.ready == ready)) {
                return;
            }
            Thread.sleep(100);
        }
        StringBuilder seen = new StringBuilder();
        for (MultiNetwork m : client.resources(MultiNetwork.class).list().getItems()) {
            seen.append(m.getMetadata().getName()).append('=').append(m.getStatus() == null || m.getStatus().nodes == null ? "-"
                    : m.getStatus().nodes.summary + (m.getStatus().nodes.notReadyByReason == null ? "" : m.getStatus().nodes.notReadyByReason))
                    .append(' ');
        }
        throw new IllegalStateException("statuses did not converge to " + ready + "/" + nodes + ": " + seen);
    }

    static String node(int i) {
        return String.format("node-%05d", i);
    }

    static String ip(int i) {
        return "10.200." + (i / 250) + "." + (i % 250 + 1);
    }

    static MultiNetworkNodeState state(int i) {
        MultiNetworkNodeState s = new MultiNetworkNodeState();
        s.getMetadata().setName(node(i));
        return s;
    }

    /**
     * The pod specs the DaemonSets stamp out (key: network, null for the delegator): the operator
     * caches every one of these pods, so the bench gives them their real size.
     */
    static Map<String, io.fabric8.kubernetes.api.model.PodSpec> podSpecs() {
        var settings = io.multinet.testing.OperatorHarness.settings(Map.of());
        Map<String, io.fabric8.kubernetes.api.model.PodSpec> out = new HashMap<>();
        out.put(null, io.multinet.operator.DelegatorDaemonSet.desired(settings).getSpec().getTemplate().getSpec());
        for (int n = 0; n < NETWORKS; n++) {
            MultiNetwork m = Networks.network("net" + n, "10." + (100 + n) + ".0.0/16");
            m.getSpec().subnetLen = 30;
            var a = io.multinet.api.v1alpha1.NetworkPlanner.planAll(List.of(m), io.multinet.api.v1alpha1.PlannerSettings.defaults())
                    .get(m.getMetadata().getName()).allocation();
            out.put("net" + n, io.multinet.flannel.FlanneldDaemonSet.desired(m, a, io.multinet.operator.SettingsMapping.flanneld(settings))
                    .getSpec().getTemplate().getSpec());
        }
        return out;
    }

    static void pod(KubernetesClient client, String ds, Map<String, String> labels, int i, boolean ready, io.fabric8.kubernetes.api.model.PodSpec spec) {
        Map<String, String> stamped = new HashMap<>(labels);
        stamped.put("controller-revision-hash", "7d8f9c6b5d");
        stamped.put("pod-template-generation", "1");
        Pod p = new PodBuilder().withNewMetadata().withName(ds + "-" + node(i)).withNamespace(NS).withLabels(stamped).endMetadata()
                .withNewSpecLike(spec == null ? new io.fabric8.kubernetes.api.model.PodSpec() : spec).withNodeName(node(i)).endSpec().build();
        Pod stored = client.pods().inNamespace(NS).resource(p).createOr(x -> x.update());
        stored.setStatus(kubeletPodStatus(stored, i, ready));
        client.pods().inNamespace(NS).resource(stored).updateStatus();
    }

    /**
     * A pod's status as a kubelet writes it for a running host-network pod: the five conditions, one
     * status per container, the node's IPs: what the operator's pod cache receives for each pod.
     */
    static io.fabric8.kubernetes.api.model.PodStatus kubeletPodStatus(Pod pod, int i, boolean ready) {
        String t = "2026-12-02T06:00:00Z";
        String r = ready ? "True" : "False";
        var b = new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running").withHostIP(ip(i)).addNewHostIP(ip(i))
                .withPodIP(ip(i)).addNewPodIP(ip(i)).withStartTime(t).withQosClass("Burstable")
                .addNewCondition().withType("PodReadyToStartContainers").withStatus("True").withLastTransitionTime(t).endCondition()
                .addNewCondition().withType("Initialized").withStatus("True").withLastTransitionTime(t).endCondition()
                .addNewCondition().withType("Ready").withStatus(r).withLastTransitionTime(t).endCondition()
                .addNewCondition().withType("ContainersReady").withStatus(r).withLastTransitionTime(t).endCondition()
                .addNewCondition().withType("PodScheduled").withStatus("True").withLastTransitionTime(t).endCondition();
        for (var c : pod.getSpec().getContainers()) {
            b.addNewContainerStatus().withName(c.getName()).withImage(c.getImage()).withImageID(c.getImage() + "@sha256:" + String.format("%064x", 42))
                    .withContainerID("containerd://" + String.format("%064x", (long) i * 31 + c.getName().hashCode())).withReady(ready)
                    .withStarted(true).withRestartCount(0).withNewState().withNewRunning().withStartedAt(t).endRunning().endState()
                    .endContainerStatus();
        }
        return b.build();
    }

    /** The node's delegator pod turns Ready or not, as its kubelet would report it: a status update only. */
    static void setReady(KubernetesClient client, int k, boolean ready) {
        Pod p = client.pods().inNamespace(NS).withName(NetworkNames.DELEGATOR_DAEMONSET + "-" + node(k)).get();
        p.setStatus(kubeletPodStatus(p, k, ready));
        client.pods().inNamespace(NS).resource(p).updateStatus();
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
