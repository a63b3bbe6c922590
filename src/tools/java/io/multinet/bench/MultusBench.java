package io.multinet.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.multinet.NetworkNames;
import io.multinet.e2e.Multus;
import io.multinet.e2e.SeedNetworks;
import io.multinet.e2e.TestCluster;
import io.multinet.testing.AppProcess;

/**
 * Issue 21's benchmark (bench/multus-real, part of `make bench`): on the real two-node cluster, the
 * same workload through Multus thick, Multus thin, multinet and the default network alone (no meta
 * plugin), one after the other in one run, each reported as a ratio to Multus thick:
 * pod start (create -> Ready) at concurrency 1, 8 and 32; the CNI ADD and DEL alone as the runtime
 * makes them; the node daemon's RSS and CPU time under that load; a thundering herd of pods
 * created at once on one node (peak RSS, restarts, every pod attached); the API requests each node
 * daemon makes per pod (the API server's audit log). Every pod's attachments are checked, so a
 * fast wrong answer cannot pass.
 */
public final class MultusBench {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String PODS = "default";
    static final String NODE = "node1";
    /** Two extra networks per pod: a flannel network and a bridge one. */
    static final String NETWORKS = "flannel2-conf,compat-br";
    static final int[] CONCURRENCY = { 1, 8, 32 };
    /** A pod not Ready in this long counts its level as failed (Multus thick OOM-loops at 32); the slowest healthy start measured is under 20 s. */
    static final int POD_START_LIMIT_MIN = 4;

    final int pods = Integer.parseInt(System.getProperty("bench.multus.pods", "50"));
    final int herd = Integer.parseInt(System.getProperty("bench.multus.herd", "200"));
    final int cniCalls = Integer.parseInt(System.getProperty("bench.multus.cni-calls", "40"));
    final KubernetesClient k8s = TestCluster.admin();
    final Path work;
    final Map<String, Result> results = new LinkedHashMap<>();

    /** What one setup gave. Times in ns, memory in KiB; -1 where the setup has no daemon. */
    static final class Result {
        final Map<Integer, List<Long>> starts = new TreeMap<>();
        final List<Long> add = new ArrayList<>();
        final List<Long> del = new ArrayList<>();
        long rssMaxKb = -1;
        long cpuMs = -1;
        long herdPeakKb = -1;
        long herdNs;
        int herdAttached;
        int restarts;
        int leaked;
        double apiPerPod = -1;
        Map<String, Integer> apiByKind = new TreeMap<>();
    }

    /** A setup's node daemon on node1, found by its command line and node1's network namespace (it runs with hostNetwork). */
    record Daemon(String cmdline, String serviceAccount, String namespace, String podSelector) {
    }

    MultusBench(Path project) throws IOException {
        work = Files.createDirectories(project.resolve("target/bench/multus"));
    }

    public static void main(String[] args) {
        Exit.after(() -> {
            MultusBench b = new MultusBench(Path.of(args[0]));
            try {
                b.run();
            } finally {
                b.k8s.close();
            }
        });
    }

    void run() throws Exception {
        System.out.println("Multus v4.3.0 (gopkg.in/k8snetworkplumbingwg/multus-cni.v4, e2e/cluster/modules/multus) against multinet on the test"
                + " cluster (Kubernetes " + TestCluster.kubectl("version", "-o", "json").replaceAll("(?s).*\"serverVersion\".*?\"gitVersion\": \"([^\"]+)\".*", "$1")
                + "); " + pods + " pods with networks " + NETWORKS + " at concurrency 1, 8, 32; " + cniCalls + " CNI calls; a herd of " + herd
                + " pods; all on " + NODE);
        SeedNetworks.install(work);
        TestCluster.kubectl("apply", "-f", Multus.writeNads(work).toString());
        SeedNetworks.awaitReady(Duration.ofMinutes(5));
        boolean multinetStopped = false;
        try {
            results.put("multinet", measure("multinet", new Daemon(io.multinet.delegator.NodeDaemon.class.getName(), "system:serviceaccount:multinet-system:multinet-delegator",
                    SeedNetworks.NS, NetworkNames.delegatorLabels().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(java.util.stream.Collectors.joining(","))), true));
            multinetStopped = true;
            Multus.stopMultinet();
            Daemon multus = new Daemon("multus-daemon", "system:serviceaccount:kube-system:multus", Multus.NS, "app=multus");
            for (Multus.Flavour f : Multus.Flavour.values()) {
                Multus.writeDefaultNetwork(k8s);
                Multus.install(f, work);
                try {
                    results.put("Multus " + f.name().toLowerCase(), measure("Multus " + f.name().toLowerCase(),
                            f == Multus.Flavour.THICK ? multus : new Daemon(null, multus.serviceAccount, null, null), true));
                } finally {
                    Multus.uninstall(f, work);
                }
            }
            Multus.writeDefaultNetwork(k8s);
            try {
                results.put("default network alone", measure("default network alone", new Daemon(null, null, null, null), false));
            } finally {
                for (String node : TestCluster.nodes()) {
                    io.multinet.testing.EtcdServer.deleteTree(TestCluster.nodeRoot(node).resolve("etc/cni/net.d").resolve(Multus.DEFAULT_CONFIG));
                }
            }
            Multus.startMultinet();
            multinetStopped = false;
        } catch (Exception | AssertionError e) {
            // printed now: a clean-up step that fails as well must not hide it
            System.out.println("the run stopped: " + e);
            e.printStackTrace(System.out);
            throw e;
        } finally {
            deletePods();
            if (multinetStopped) {
                // its networks carry its finalizer: only the operator lets them go
                Multus.startMultinet();
            }
            TestCluster.kubectlAs(TestCluster.kubeconfig(), "delete", "-f", work.resolve("nads.yaml").toString(), "--ignore-not-found");
            TestCluster.kubectlAs(TestCluster.kubeconfig(), "delete", "mnet", "--all", "--wait=true", "--timeout=300s");
            TestCluster.runDocumented("uninstall");
        }
        report();
    }

    // ---- one setup ---------------------------------------------------------------------------------

    Result measure(String setup, Daemon daemon, boolean extraNetworks) throws Exception {
        System.out.println("== " + setup);
        Result r = new Result();
        java.util.Set<Path> before = new java.util.HashSet<>(Multus.leases(NODE));
        String networks = extraNetworks ? NETWORKS : null;
        int wantInterfaces = extraNetworks ? 3 : 1;
        try {
            startPods("warm", 1, 1, networks, wantInterfaces); // images and caches warm, as on a node that has run pods
        } catch (java.util.concurrent.ExecutionException e) {
            // like a concurrency level whose pods do not start: a result of this setup (its rows show none Ready), not the end of the run
            System.out.printf("  warm-up: the pod was not Ready within %d minutes (%s)%n", POD_START_LIMIT_MIN, e.getCause());
        }
        deletePods(r, before);
        // first, while the node is quiet: after concurrency 32 Multus thick's daemon may be OOM-looping
        try {
            cniCalls(r, networks);
        } catch (Exception | AssertionError e) {
            r.add.clear();
            r.del.clear();
            System.out.println("  CNI calls failed: " + e);
        }
        deletePods(r, before);
        Long pid = daemon.cmdline == null ? null : daemonPid(daemon.cmdline);
        int restarts0 = daemon.podSelector == null ? 0 : restarts(daemon);
        long audit0 = auditLines();
        long cpu0 = pid == null ? 0 : cpuMs(pid);
        AtomicLong rssMax = new AtomicLong(-1);
        var sampler = Executors.newSingleThreadScheduledExecutor();
        if (pid != null) {
            sampler.scheduleAtFixedRate(() -> rssMax.accumulateAndGet(AppProcess.rssKb(pid), Math::max), 0, 100, TimeUnit.MILLISECONDS);
        }
        int started = 0;
        for (int c : CONCURRENCY) {
            started += pods;
            try {
                r.starts.put(c, startPods("c" + c, pods, c, networks, wantInterfaces));
                System.out.printf("  concurrency %d: create -> Ready p50 %s, p99 %s%n", c, Bench.ms(Bench.pct(r.starts.get(c), 0.5)),
                        Bench.ms(Bench.pct(r.starts.get(c), 0.99)));
            } catch (java.util.concurrent.ExecutionException e) {
                // a setup whose pods do not start (Multus thick's daemon OOM-looping at concurrency 32) is a result, not the end of the run
                System.out.printf("  concurrency %d: pods not Ready within %d minutes (%s)%n", c, POD_START_LIMIT_MIN, e.getCause());
            }
            deletePods(r, before);
        }
        sampler.shutdownNow();
        if (pid != null) {
            // a daemon that was killed and restarted meanwhile (Multus thick at concurrency 32) has no comparable CPU time;
            // its RSS maximum is that of its first life, until the kill
            r.cpuMs = pid.equals(livePid(daemon.cmdline)) ? cpuMs(pid) - cpu0 : -1;
            r.rssMaxKb = rssMax.get();
        }
        if (daemon.serviceAccount != null) {
            // deletions count too: a DEL is part of a pod's life
            var kinds = auditSince(audit0, daemon.serviceAccount);
            r.apiByKind = kinds;
            r.apiPerPod = kinds.values().stream().mapToInt(Integer::intValue).sum() / (double) started;
        }
        Long herdPid = pid == null ? null : livePid(daemon.cmdline);
        if (herdPid != null) {
            AppProcess.resetPeakRss(herdPid);
        }
        long t0 = System.nanoTime();
        createAtOnce("herd", herd, networks);
        // a daemon that is OOM-killed over and over may never get them all Ready: wait a bounded time and say how far it got
        long deadline = t0 + TimeUnit.MINUTES.toNanos(6);
        List<Pod> herdPods = List.of();
        while (System.nanoTime() < deadline) {
            herdPods = k8s.pods().inNamespace(PODS).withLabel("bench", "multus").list().getItems();
            if (herdPods.stream().filter(TestCluster::ready).count() == herd) {
                break;
            }
            Thread.sleep(1000);
        }
        r.herdNs = System.nanoTime() - t0;
        r.herdAttached = (int) herdPods.stream().filter(p -> TestCluster.ready(p) && interfaces(p) == wantInterfaces).count();
        if (r.herdAttached < herd) {
            // the annotation may trail readiness by a moment: look once more; a herd that never got there is a result too
            try {
                TestCluster.await("the herd's network-status", Duration.ofSeconds(30), () -> k8s.pods().inNamespace(PODS).withLabel("bench", "multus")
                        .list().getItems().stream().filter(p -> TestCluster.ready(p) && interfaces(p) == wantInterfaces).count() == herd);
            } catch (AssertionError e) {
                System.out.println("  herd: not all attached: " + e.getMessage());
            }
            r.herdAttached = (int) k8s.pods().inNamespace(PODS).withLabel("bench", "multus").list().getItems().stream()
                    .filter(p -> TestCluster.ready(p) && interfaces(p) == wantInterfaces).count();
        }
        if (herdPid != null && herdPid.equals(livePid(daemon.cmdline))) {
            r.herdPeakKb = AppProcess.peakRssKb(herdPid); // of a daemon killed meanwhile there is no peak to read: "-"
        }
        r.restarts = daemon.podSelector == null ? 0 : restarts(daemon) - restarts0;
        System.out.printf("  herd of %d: %d Ready and attached after %.1f s, daemon peak RSS %s, daemon restarts %d%n", herd, r.herdAttached, r.herdNs / 1e9,
                r.herdPeakKb < 0 ? "-" : r.herdPeakKb / 1024 + " MiB", r.restarts);
        deletePods(r, before);
        return r;
    }

    /** n pods, c at a time: each worker creates a pod and waits until it is Ready, then takes the next. */
    List<Long> startPods(String tag, int n, int c, String networks, int wantInterfaces) throws Exception {
        ExecutorService workers = Executors.newFixedThreadPool(c);
        AtomicInteger next = new AtomicInteger();
        List<Long> times = Collections.synchronizedList(new ArrayList<>());
        List<String> names = Collections.synchronizedList(new ArrayList<>());
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < c; t++) {
                fs.add(workers.submit(() -> {
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        String name = "bench-" + tag + "-" + i;
                        names.add(name);
                        long t0 = System.nanoTime();
                        k8s.pods().inNamespace(PODS).resource(pod(name, networks)).create();
                        // the client's watch sees the status change that makes the pod Ready
                        k8s.pods().inNamespace(PODS).withName(name).waitUntilCondition(TestCluster::ready, POD_START_LIMIT_MIN, TimeUnit.MINUTES);
                        times.add(System.nanoTime() - t0);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            workers.shutdownNow();
        }
        for (String name : names) {
            TestCluster.await(name + " has its network-status", Duration.ofMinutes(1),
                    () -> interfaces(k8s.pods().inNamespace(PODS).withName(name).get()) == wantInterfaces);
        }
        return times;
    }

    void createAtOnce(String tag, int n, String networks) throws Exception {
        ExecutorService creators = Executors.newFixedThreadPool(32);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String name = "bench-" + tag + "-" + i;
                fs.add(creators.submit(() -> k8s.pods().inNamespace(PODS).resource(pod(name, networks)).create()));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            creators.shutdownNow();
        }
    }

    /**
     * The bench's pods gone from the API server. A setup whose daemon is down (Multus thick OOM-looping)
     * cannot run their DELs, and the kubelet keeps them Terminating: after 5 minutes they are removed
     * by force, and what their sandboxes leave is counted by the caller.
     */
    void deletePods() {
        if (TestCluster.kubectlAs(TestCluster.kubeconfig(), Duration.ofMinutes(6), "delete", "pod", "-n", PODS, "-l", "bench=multus", "--wait=true",
                "--timeout=300s").exit() != 0) {
            System.out.println("  pods still there after 5 minutes: deleted by force");
            TestCluster.kubectlAs(TestCluster.kubeconfig(), "delete", "pod", "-n", PODS, "-l", "bench=multus", "--grace-period=0", "--force", "--wait=false");
        }
    }

    /**
     * Deletes the bench's pods, then counts what their DELs left in node1's /var/lib/cni (leases, flannel's
     * files: Multus thick leaks eth0's, docs/delegator.md) and removes it, so that no setup runs out of
     * addresses because of another's leaks.
     */
    void deletePods(Result r, java.util.Set<Path> before) throws Exception {
        deletePods();
        List<Path> left = Multus.leftBehind(NODE, before);
        r.leaked += left.size();
        for (Path p : left) {
            Files.deleteIfExists(p);
        }
    }

    static Pod pod(String name, String networks) {
        return TestCluster.busyboxPod(name, NODE, "bench", "multus", networks);
    }

    /** Entries of a pod's network-status with an address (1 without a meta plugin: eth0 from the pod's IP). */
    static int interfaces(Pod p) {
        if (p == null) {
            return 0;
        }
        String s = p.getMetadata().getAnnotations().get(NetworkNames.NETWORK_STATUS_ANNOTATION);
        if (s == null) {
            return p.getStatus() != null && p.getStatus().getPodIP() != null ? 1 : 0;
        }
        try {
            int n = 0;
            for (JsonNode e : JSON.readTree(s)) {
                n += e.path("ips").size() > 0 ? 1 : 0;
            }
            return n;
        } catch (IOException e) {
            return 0;
        }
    }

    // ---- the CNI call alone ------------------------------------------------------------------------

    /**
     * ADD then DEL as the container runtime makes them: the first config in node1's net.d (as
     * containerd picks it), each plugin of a conflist in turn with the previous result (DEL in
     * reverse), in node1's namespaces, for a pod that exists (the meta plugins read its annotation),
     * into a network namespace made for each call. Process start is in every figure alike.
     */
    void cniCalls(Result r, String networks) throws Exception {
        String name = "bench-cni";
        k8s.pods().inNamespace(PODS).resource(pod(name, networks)).create();
        Pod p = k8s.pods().inNamespace(PODS).withName(name).waitUntilCondition(TestCluster::ready, 4, TimeUnit.MINUTES);
        Path netd = TestCluster.nodeRoot(NODE).resolve("etc/cni/net.d");
        Path conf;
        try (var s = Files.list(netd)) {
            conf = s.filter(f -> f.toString().matches(".*\\.(conf|conflist|json)$")).sorted().findFirst().orElseThrow();
        }
        JsonNode doc = JSON.readTree(conf.toFile());
        List<ObjectNode> plugins = new ArrayList<>();
        if (doc.has("plugins")) {
            for (JsonNode pl : doc.get("plugins")) {
                ObjectNode one = ((ObjectNode) pl).deepCopy();
                one.put("cniVersion", doc.path("cniVersion").asText()).put("name", doc.path("name").asText());
                plugins.add(one);
            }
        } else {
            plugins.add((ObjectNode) doc);
        }
        System.out.println("  CNI calls through " + conf.getFileName() + " (" + plugins.stream().map(x -> x.path("type").asText()).toList() + ")");
        for (int i = 0; i < cniCalls; i++) {
            String netns = "bench-cni-" + i;
            String id = String.format("%064x", i + 1L).replace(' ', '0');
            onNode(List.of("ip", "netns", "add", netns), null, Map.of());
            Map<String, String> env = Map.of("CNI_CONTAINERID", id, "CNI_NETNS", "/run/netns/" + netns, "CNI_IFNAME", "eth0", "CNI_PATH", "/opt/cni/bin",
                    "CNI_ARGS", "K8S_POD_INFRA_CONTAINER_ID=" + id + ";K8S_POD_UID=" + p.getMetadata().getUid() + ";IgnoreUnknown=1;K8S_POD_NAMESPACE="
                            + PODS + ";K8S_POD_NAME=" + name);
            try {
                JsonNode prev = null;
                long t0 = System.nanoTime();
                for (ObjectNode pl : plugins) {
                    ObjectNode in = pl.deepCopy();
                    if (prev != null) {
                        in.set("prevResult", prev);
                    }
                    prev = JSON.readTree(call("ADD", pl.path("type").asText(), in, env));
                }
                r.add.add(System.nanoTime() - t0);
                if (i == 0) {
                    String ips = onNode(List.of("ip", "netns", "exec", netns, "ip", "-o", "-4", "addr"), null, Map.of());
                    if (ips.lines().filter(l -> l.contains(" inet ") && !l.contains(" lo ")).count() != (networks == null ? 1 : 3)) {
                        throw new IllegalStateException("ADD did not attach every network:\n" + ips);
                    }
                }
                t0 = System.nanoTime();
                for (int k = plugins.size() - 1; k >= 0; k--) {
                    call("DEL", plugins.get(k).path("type").asText(), plugins.get(k), env);
                }
                r.del.add(System.nanoTime() - t0);
            } finally {
                onNode(List.of("ip", "netns", "del", netns), null, Map.of());
            }
        }
        System.out.printf("  ADD p50 %s p99 %s, DEL p50 %s p99 %s%n", Bench.ms(Bench.pct(r.add, 0.5)), Bench.ms(Bench.pct(r.add, 0.99)),
                Bench.ms(Bench.pct(r.del, 0.5)), Bench.ms(Bench.pct(r.del, 0.99)));
    }

    String call(String command, String type, JsonNode conf, Map<String, String> env) throws Exception {
        Map<String, String> e = new LinkedHashMap<>(env);
        e.put("CNI_COMMAND", command);
        String out = onNode(List.of("/opt/cni/bin/" + type), conf.toString(), e);
        JsonNode r = out.isBlank() ? null : JSON.readTree(out);
        if (r != null && r.has("code")) {
            throw new IllegalStateException(command + " through " + type + " failed: " + out);
        }
        return out.isBlank() ? "null" : out;
    }

    /** A command in node1's network and mount namespaces; fails with its output on a non-zero exit. */
    static String onNode(List<String> cmd, String stdin, Map<String, String> env) {
        List<String> c = new ArrayList<>(List.of("nsenter", "--net=/run/netns/" + TestCluster.nodeNetns(NODE), "--mount=" + TestCluster.nodeMountNs(NODE), "--"));
        c.addAll(cmd);
        ProcessBuilder pb = new ProcessBuilder(c);
        pb.environment().putAll(env);
        TestCluster.Result r = TestCluster.exec(pb, stdin, Duration.ofMinutes(2));
        if (r.exit() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " exited " + r.exit() + ": " + r.out() + r.err());
        }
        return r.out();
    }

    // ---- the node daemon ---------------------------------------------------------------------------

    /** The daemon's pid on node1: its command line, and node1's network namespace (hostNetwork). */
    static Long daemonPid(String cmdline) throws IOException {
        long node1 = Files.getAttribute(Path.of("/run/netns/" + TestCluster.nodeNetns(NODE)), "unix:ino") instanceof Long l ? l : -1;
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(d -> d.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                    if (cmd.contains(cmdline) && Files.readSymbolicLink(p.resolve("ns/net")).toString().equals("net:[" + node1 + "]")
                            && !cmd.startsWith("nsenter")) {
                        return Long.parseLong(p.getFileName().toString());
                    }
                } catch (IOException gone) {
                    // the process ended while the list was read
                }
            }
        }
        throw new IllegalStateException("no process '" + cmdline + "' in " + TestCluster.nodeNetns(NODE));
    }

    /** utime + stime of a process, in ms (clock ticks of 10 ms). */
    /** The daemon's process now, or null while there is none (killed, not yet restarted). */
    static Long livePid(String cmdline) throws IOException {
        try {
            return daemonPid(cmdline);
        } catch (IllegalStateException none) {
            return null;
        }
    }

    static long cpuMs(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
    }

    int restarts(Daemon d) {
        String out = TestCluster.kubectl("get", "pod", "-n", d.namespace, "-l", d.podSelector, "--field-selector=spec.nodeName=" + NODE, "-o",
                "jsonpath={.items[*].status.containerStatuses[*].restartCount}");
        return out.isBlank() ? 0 : java.util.Arrays.stream(out.trim().split("\\s+")).mapToInt(Integer::parseInt).sum();
    }

    // ---- API requests ------------------------------------------------------------------------------

    static Path auditLog() {
        return TestCluster.kubeconfig().getParent().resolve("logs/audit.log");
    }

    static long auditLines() throws IOException {
        try (var l = Files.lines(auditLog())) {
            return l.count();
        } catch (java.nio.file.NoSuchFileException e) {
            return 0;
        }
    }

    /** The requests a user made since line `from` of the audit log, by verb and resource. */
    static Map<String, Integer> auditSince(long from, String user) throws IOException {
        Map<String, Integer> kinds = new TreeMap<>();
        try (var lines = Files.lines(auditLog())) {
            lines.skip(from).forEach(l -> {
                try {
                    JsonNode e = JSON.readTree(l);
                    if (user.equals(e.path("user").path("username").asText())) {
                        JsonNode o = e.path("objectRef");
                        String k = e.path("verb").asText() + " " + o.path("resource").asText() + (o.has("subresource") ? "/" + o.get("subresource").asText() : "");
                        kinds.merge(k, 1, Integer::sum);
                    }
                } catch (IOException bad) {
                    // a line being written as it was read
                }
            });
        }
        return kinds;
    }

    // ---- the table ---------------------------------------------------------------------------------

    void report() {
        Result thick = results.get("Multus thick");
        List<String> setups = new ArrayList<>(results.keySet());
        StringBuilder t = new StringBuilder("\n| measure | " + String.join(" | ", setups) + " |\n|---|" + "---|".repeat(setups.size()) + "\n");
        for (int c : CONCURRENCY) {
            for (double q : new double[] { 0.5, 0.99 }) {
                row(t, "pod start c=" + c + " p" + (int) (q * 100), setups,
                        r -> r.starts.containsKey(c) ? (double) Bench.pct(r.starts.get(c), q) / 1e6 : null, "%.0f ms", thick);
            }
        }
        row(t, "CNI ADD p50", setups, r -> r.add.isEmpty() ? null : Bench.pct(r.add, 0.5) / 1e6, "%.1f ms", thick);
        row(t, "CNI ADD p99", setups, r -> r.add.isEmpty() ? null : Bench.pct(r.add, 0.99) / 1e6, "%.1f ms", thick);
        row(t, "CNI DEL p50", setups, r -> r.del.isEmpty() ? null : Bench.pct(r.del, 0.5) / 1e6, "%.1f ms", thick);
        row(t, "CNI DEL p99", setups, r -> r.del.isEmpty() ? null : Bench.pct(r.del, 0.99) / 1e6, "%.1f ms", thick);
        row(t, "CNI ADD+DEL p50", setups, r -> r.add.isEmpty() || r.del.isEmpty() ? null : (Bench.pct(r.add, 0.5) + Bench.pct(r.del, 0.5)) / 1e6,
                "%.1f ms", thick);
        row(t, "daemon RSS, max under load", setups, r -> r.rssMaxKb < 0 ? null : r.rssMaxKb / 1024.0, "%.0f MiB", thick);
        row(t, "daemon CPU time, " + 3 * pods + " pods", setups, r -> r.cpuMs < 0 ? null : r.cpuMs / 1000.0, "%.1f s", thick);
        row(t, "herd of " + herd + ": all Ready", setups, r -> r.herdNs / 1e9, "%.0f s", thick);
        row(t, "herd: daemon peak RSS", setups, r -> r.herdPeakKb < 0 ? null : r.herdPeakKb / 1024.0, "%.0f MiB", thick);
        row(t, "herd: pods attached", setups, r -> (double) r.herdAttached, "%.0f", null);
        row(t, "herd: daemon restarts", setups, r -> (double) r.restarts, "%.0f", null);
        row(t, "files left in /var/lib/cni after all its pods were deleted", setups, r -> (double) r.leaked, "%.0f", null);
        row(t, "API requests per pod (start + delete)", setups, r -> r.apiPerPod < 0 ? null : r.apiPerPod, "%.2f", thick);
        System.out.println(t);
        results.forEach((s, r) -> {
            if (!r.apiByKind.isEmpty()) {
                System.out.println("API requests of " + s + " during " + 3 * pods + " pod starts and deletions: " + r.apiByKind);
            }
        });
    }

    /** A value per setup, and its ratio to Multus thick's where a base is given ("-" where a setup has none). */
    void row(StringBuilder t, String what, List<String> setups, java.util.function.Function<Result, Double> f, String fmt, Result base) {
        t.append("| ").append(what).append(" |");
        Double b = base == null ? null : f.apply(base);
        for (String s : setups) {
            Double v = f.apply(results.get(s));
            t.append(' ').append(v == null ? "-" : String.format(fmt, v));
            if (v != null && b != null && b > 0) {
                t.append(String.format(" (%.2fx)", v / b));
            }
            t.append(" |");
        }
        t.append('\n');
    }
}
