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
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
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
 * Operator scale on the mock API server: N nodes, 20 networks, every pod and lease in place; then one
 * node's delegator pod turns not Ready and Ready again, and the time until all 20 statuses show it is
 * measured, with the API writes it took and the size of the largest MultiNetwork.
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
        for (int nodes : Integer.getInteger("bench.small") != null ? new int[] { Integer.getInteger("bench.small") } : new int[] { 100, 1000 }) {
            rows.addAll(run(java.nio.file.Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath(), nodes));
        }
        for (int nodes : new int[] { 1000, 5000 }) {
            rows.addAll(aggregate(nodes));
        }
        System.out.println();
        System.out.println("| operator scale (20 networks) | value |");
        System.out.println("|---|---|");
        rows.forEach(System.out::println);
    }

    static List<String> run(java.nio.file.Path project, int nodes) throws Exception {
        KubernetesMockServer api = io.multinet.testing.MockApi.start();
        KubernetesClient client = api.createClient();
        new FakeCluster(client).applyCrds();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("default").endMetadata().build()).create();
        // Pods carry the specs their DaemonSets stamp out, up to 300 nodes. Beyond, only what the operator
        // reads: the stand-in ignores `limit` and would hand the operator's first list all 21,000 full pods
        // in one response, which no heap of its Deployment holds (a real API server pages it at 500).
        boolean fullPods = nodes <= 300;
        Map<String, io.fabric8.kubernetes.api.model.PodSpec> specs = fullPods ? podSpecs() : new HashMap<>();
        try (EtcdServer etcd = EtcdServer.started(); Client kv = Client.builder().endpoints(etcd.endpoint()).build()) {
            ExecutorService pool = Executors.newFixedThreadPool(16);
            long t0 = System.nanoTime();
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                int k = i;
                fs.add(pool.submit(() -> {
                    new FakeCluster(client).addNode(node(k), Map.of(), ip(k));
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
            env.put("MULTINET_OPERATOR_ETCD_ENDPOINTS", etcd.endpoint());
            env.put("MULTINET_OPERATOR_RESYNC_INTERVAL", "60s");
            // the JVM flags and environment its Deployment ships with (application.properties)
            java.util.Properties shipped = new java.util.Properties();
            try (var in = java.nio.file.Files.newBufferedReader(project.resolve("src/main/resources/application.properties"))) {
                shipped.load(in);
            }
            env.put("MALLOC_ARENA_MAX", shipped.getProperty("quarkus.kubernetes.env.vars.malloc-arena-max"));
            List<String> flags = new ArrayList<>(List.of("-XX:MaxRAM=" + shipped.getProperty("quarkus.kubernetes.resources.limits.memory")
                    .replace("Mi", "m")));
            flags.addAll(List.of(shipped.getProperty("quarkus.kubernetes.env.vars.java-opts-append").split(" ")));
            flags.addAll(io.multinet.testing.AppProcess.extraFlags("OPERATOR_JVM_EXTRA"));
            Process operator = io.multinet.testing.AppProcess.start(project, flags, env, api.url("/"),
                    io.multinet.testing.Loopback.freePort(), log);
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

            // one node's delegator pod turns not Ready, then Ready again
            drain(api);
            long t2 = System.nanoTime();
            pod(client, NetworkNames.DELEGATOR_DAEMONSET, NetworkNames.delegatorLabels(), 7, false, specs.get(null));
            waitAll(client, nodes, nodes - 1, operator, log);
            double down = (System.nanoTime() - t2) / 1e9;
            if (Boolean.getBoolean("bench.trace")) {
                System.out.println("=== change window");
            }
            int writesDown = drain(api) - 1;
            long t3 = System.nanoTime();
            pod(client, NetworkNames.DELEGATOR_DAEMONSET, NetworkNames.delegatorLabels(), 7, true, specs.get(null));
            waitAll(client, nodes, nodes, operator, log);
            double up = (System.nanoTime() - t3) / 1e9;
            int writesUp = drain(api) - 1;
            long largest = client.resources(MultiNetwork.class).list().getItems().stream()
                    .mapToLong(m -> Serialization.asJson(m).getBytes(StandardCharsets.UTF_8).length).max().orElse(0);
            MultiNetworkStatus st = client.resources(MultiNetwork.class).withName("net0").get().getStatus();
            if (st.nodes.desired != nodes) {
                throw new IllegalStateException("net0 counts " + st.nodes.desired + " nodes, not " + nodes);
            }
            long rssAfter = io.multinet.testing.AppProcess.rssKb(operator);
            String summary = io.multinet.testing.AppProcess.nativeMemory(operator, flags);
            if (!summary.isEmpty()) {
                System.out.println(summary);
            }
            double getMs = medianGetMs(client);
            operator.destroy();
            operator.waitFor(30, TimeUnit.SECONDS);
            java.nio.file.Files.deleteIfExists(log);
            pool.shutdown();
            api.destroy();
            return List.of(
                    row(nodes, "set-up (nodes, " + (NETWORKS + 1) * nodes + (fullPods ? " pods with their DaemonSets' specs, " : " pods with no spec but their node, ")
                            + NETWORKS * nodes + " leases)", String.format("%.1f s", setup)),
                    row(nodes, "first reconcile until all 20 statuses show every node ready", String.format("%.1f s", converge)),
                    row(nodes, "a delegator pod turns not Ready -> all 20 statuses show it", String.format("%.2f s", down)),
                    row(nodes, "it turns Ready again -> all 20 statuses show it", String.format("%.2f s", up)),
                    row(nodes, "API writes for that change (not Ready / Ready)", writesDown + " / " + writesUp),
                    row(nodes, "largest MultiNetwork object", String.format("%.1f KiB", largest / 1024.0)),
                    row(nodes, "operator RSS (own JVM, in its container's limit) after converging / after the change",
                            rssConverged / 1024 + " / " + rssAfter / 1024 + " MiB"),
                    row(nodes, "the stand-in's own cost: one GET of one Node, median of 20", String.format("%.1f ms", getMs)));
        }
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

    static String row(int nodes, String what, String value) {
        String r = "| " + nodes + " nodes: " + what + " | " + value + " |";
        System.out.println(r);
        return r;
    }

    /** The mock API server scans every object per request: what one request costs at this size. */
    static double medianGetMs(KubernetesClient client) {
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            long t0 = System.nanoTime();
            if (client.nodes().withName(node(i)).get() == null) {
                throw new IllegalStateException(node(i) + " is missing");
            }
            times.add(System.nanoTime() - t0);
        }
        java.util.Collections.sort(times);
        return times.get(10) / 1e6;
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

    /** Non-GET requests since the last call (the bench's own pod update is one of them). */
    static int drain(KubernetesMockServer api) throws InterruptedException {
        int writes = 0;
        io.fabric8.mockwebserver.http.RecordedRequest r;
        while ((r = api.takeRequest(1, TimeUnit.MILLISECONDS)) != null) {
            if (!"GET".equals(r.getMethod())) {
                writes++;
                if (Boolean.getBoolean("bench.trace")) {
                    System.out.println("write: " + r.getMethod() + " " + r.getPath());
                }
            }
        }
        return writes;
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
        Pod p = new PodBuilder().withNewMetadata().withName(ds + "-" + node(i)).withNamespace(NS).withLabels(labels).endMetadata()
                .withNewSpecLike(spec == null ? new io.fabric8.kubernetes.api.model.PodSpec() : spec).withNodeName(node(i)).endSpec().build();
        Pod stored = client.pods().inNamespace(NS).resource(p).createOr(x -> x.update());
        stored.setStatus(new io.fabric8.kubernetes.api.model.PodStatusBuilder().withPhase("Running")
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition().build());
        client.pods().inNamespace(NS).resource(stored).updateStatus();
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }
}
