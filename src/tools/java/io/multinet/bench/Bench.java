package io.multinet.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.multinet.NetworkNames;
import io.multinet.api.v1alpha1.Allocation;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.api.v1alpha1.Networks;
import io.multinet.api.v1alpha1.PlannerSettings;
import io.multinet.flannel.FlannelCni;
import io.multinet.flannel.SubnetEnv;
import io.multinet.testing.FakeCluster;
import io.multinet.testing.Netns;
import io.multinet.testing.NetnsFixture;
import io.multinet.testing.NodeSim;

/**
 * `make bench`: the delegator measured side by side with the same plugins called directly, in one
 * run, reported as ratios. Every run checks its own results (addresses assigned, nothing leaked),
 * so a fast wrong answer cannot pass.
 */
public final class Bench implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String NODE = "bench-node";
    private final PrintStream out;
    private final Path project;
    private final Path root;
    private KubernetesMockServer api;
    private KubernetesClient client;
    private NetnsFixture netns;
    private Netns node;
    private Process daemon;
    private List<String> daemonFlags;
    private int port;
    private Path conflistPluginConf;
    private final List<ObjectNode> directConfs = new ArrayList<>();
    private final List<String> rows = new ArrayList<>();

    Bench(PrintStream out, Path project) throws IOException {
        this.out = out;
        this.project = project;
        this.root = Files.createTempDirectory("multinet-bench");
    }

    public static void main(String[] args) {
        Exit.after(() -> report(args));
    }

    static void report(String[] args) throws Exception {
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
        int pods = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        try (Bench b = new Bench(System.out, Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath())) {
            b.setUp();
            long rssStart;
            // BENCH_FOOTPRINT=1: the daemon's memory alone (its figures as in a full run), for trying JVM flags (DAEMON_JVM_EXTRA)
            if ("1".equals(System.getenv("BENCH_FOOTPRINT"))) {
                rssStart = b.rssKb();
                for (int concurrency : new int[] { 1, 4, 16 }) {
                    b.pass(pods, concurrency, true);
                }
            } else {
                b.latency(pods);
                b.nativeHop(500);
                rssStart = b.rssKb();
                b.throughput(pods);
            }
            long rssAfter = b.rssKb();
            b.out.println("daemon right after the throughput runs: " + b.threadsAndJars());
            long rssSteady = b.settled();
            b.herd(pods);
            b.row("Daemon RSS after start / right after throughput (JVM flags of the DaemonSet)", rssStart / 1024 + " MiB", rssAfter / 1024 + " MiB",
                    "the burst's heap and threads still held");
            b.row("Daemon RSS steady after throughput (" + SETTLE.toSeconds() + " s idle)", rssSteady / 1024 + " MiB", "-", "goal <= 64 MiB");
            b.nativeMemory(pods);
            b.out.println();
            b.out.println("| measurement | delegator | direct / reference | ratio or note |");
            b.out.println("|---|---|---|---|");
            b.rows.forEach(b.out::println);
        }
    }

    void row(String what, String a, String b, String note) {
        rows.add("| " + what + " | " + a + " | " + b + " | " + note + " |");
        out.println(what + ": " + a + " vs " + b + " (" + note + ")");
    }

    void setUp() throws Exception {
        // the daemon talks TLS to the stand-in API server, as to a real one (a handshake loads some 400 classes)
        api = io.multinet.testing.MockApi.startTls(Files.createDirectories(root).resolve("api-ca.crt"));
        client = api.createClient();
        new FakeCluster(client).applyCrds();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("default").endMetadata().build()).create();
        netns = new NetnsFixture();
        node = netns.create("node");
        PlannerSettings ps = new PlannerSettings(root.resolve("run/flannel/networks").toString(), root.resolve("var/lib/cni/flannel").toString(),
                List.of(), 10300, 100, 1, true);
        MultiNetwork third = Networks.network("flannel3", "172.120.0.0/16");
        third.getSpec().attachment.name = "flannel3-conf";
        String[][] envs = { { "172.96.0.0/16", "172.96.1.1/22" }, { "172.112.0.0/16", "172.112.4.1/22" }, { "172.120.0.0/16", "172.120.8.1/22" } };
        int i = 0;
        for (MultiNetwork n : List.of(Networks.flannel1(), Networks.flannel2(), third)) {
            Allocation a = NodeSim.acceptNetwork(client, n, ps);
            SubnetEnv env = new SubnetEnv(envs[i][0], envs[i][1], 1500, true);
            Files.createDirectories(Path.of(a.subnetFile).getParent());
            Files.writeString(Path.of(a.subnetFile), env.render());
            Files.createDirectories(Path.of(a.dataDir));
            netns.track(Path.of(a.dataDir));
            node.keep(a.bridge, a.bridge.replace("mn-", "dr-"));
            // the direct path: the same delegate the flannel contract renders, on its own bridge and lease store
            ObjectNode d = FlannelCni.delegate(FlannelCni.networkConfig(n, a, i == 0), env, root.resolve("var/lib/cni/direct").toString());
            d.put("bridge", a.bridge.replace("mn-", "dr-"));
            directConfs.add(d);
            i++;
        }
        netns.trackLeases(root.resolve("var/lib/cni/networks"));
        netns.trackLeases(root.resolve("var/lib/cni/direct"));
        netns.track(Files.createDirectories(root.resolve("var/lib/multinet/cache")));

        List<String> flags = new ArrayList<>(List.of(io.multinet.operator.DelegatorDaemonSet.JVM_OPTIONS.split(" ")));
        // as the image runs it: with the node's class data archive (BENCH_NO_ARCHIVE=1: without, to compare)
        if (!"1".equals(System.getenv("BENCH_NO_ARCHIVE"))) {
            flags.add(0, io.multinet.testing.AppProcess.nodeArchive(project, root.resolve("node.jsa")));
        }
        // DAEMON_JVM_EXTRA: flags to try next to the DaemonSet's
        flags.addAll(io.multinet.testing.AppProcess.extraFlags("DAEMON_JVM_EXTRA"));
        daemonFlags = flags;
        startDaemon(flags);
        Path conflist = root.resolve("etc/cni/net.d").resolve(NetworkNames.CNI_CONFIG_FILE);
        conflistPluginConf = root.resolve("plugin.json");
        Files.writeString(conflistPluginConf, io.multinet.testing.NodeRoot.pluginConf(conflist));
        out.println("delegator ready (pid " + daemon.pid() + "), node namespace " + node.name() + ", JVM flags: " + String.join(" ", flags)
                + ", MALLOC_ARENA_MAX=" + io.multinet.operator.DelegatorDaemonSet.MALLOC_ARENA_MAX);
    }

    /** The node role from the built application, with these JVM flags and the DaemonSet's environment; returns once it is ready. */
    void startDaemon(List<String> flags) throws Exception {
        port = io.multinet.testing.Loopback.freePort();
        Map<String, String> env = new HashMap<>(io.multinet.testing.NodeRoot.env(io.multinet.testing.NodeRoot.settings(root, NODE, node,
                project.resolve("target/multinet"))));
        env.put("MALLOC_ARENA_MAX", io.multinet.operator.DelegatorDaemonSet.MALLOC_ARENA_MAX);
        env.put("MULTINET_NODE_API_SERVER_CA", root.resolve("api-ca.crt").toString());
        daemon = io.multinet.testing.AppProcess.startNode(project, flags, env, api.url("/"), port, root.resolve("daemon.log"));
        Path conflist = root.resolve("etc/cni/net.d").resolve(NetworkNames.CNI_CONFIG_FILE);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(conflist) && io.multinet.testing.Loopback.httpStatus(port, "/q/health/ready") == 200)) {
            if (System.nanoTime() > deadline || !daemon.isAlive()) {
                throw new IllegalStateException("the delegator did not become ready; see " + root.resolve("daemon.log"));
            }
            Thread.sleep(100);
        }
    }

    // ---- the two paths ---------------------------------------------------------------------------

    /** ADD then DEL of one pod through the shim; returns {add ns, del ns}. */
    long[] viaDelegator(String pod, Netns sandbox) throws Exception {
        long t0 = System.nanoTime();
        String add = shim("ADD", pod, sandbox);
        long t1 = System.nanoTime();
        checkAttached(sandbox, 3, add);
        long t2 = System.nanoTime();
        shim("DEL", pod, sandbox);
        long t3 = System.nanoTime();
        return new long[] { t1 - t0, t3 - t2 };
    }

    /** The same delegates, called directly in sequence as a runtime would call one plugin after another. */
    long[] direct(String pod, Netns sandbox) throws Exception {
        String[] ifnames = { "eth0", "net1", "net2" };
        long t0 = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            plugin("ADD", pod, sandbox, ifnames[i], directConfs.get(i));
        }
        long t1 = System.nanoTime();
        checkAttached(sandbox, 3, null);
        long t2 = System.nanoTime();
        for (int i = 2; i >= 0; i--) {
            plugin("DEL", pod, sandbox, ifnames[i], directConfs.get(i));
        }
        long t3 = System.nanoTime();
        return new long[] { t1 - t0, t3 - t2 };
    }

    void createPod(String pod) {
        client.resource(new PodBuilder().withNewMetadata().withName(pod).withNamespace("default")
                .addToAnnotations(NetworkNames.NETWORKS_ANNOTATION, "flannel2-conf, flannel3-conf").endMetadata()
                .withNewSpec().withNodeName(NODE).endSpec().build()).create();
    }

    String shim(String command, String pod, Netns sandbox) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(root.resolve("opt/cni/bin/multinet").toString());
        pb.environment().clear();
        pb.environment().putAll(Map.of("CNI_COMMAND", command, "CNI_CONTAINERID", "c-" + pod, "CNI_NETNS", sandbox.path(), "CNI_IFNAME", "eth0",
                "CNI_ARGS", "K8S_POD_NAMESPACE=default;K8S_POD_NAME=" + pod, "CNI_PATH", root.resolve("opt/cni/bin").toString()));
        pb.redirectInput(conflistPluginConf.toFile());
        Process p = pb.start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(command + " " + pod + ": " + stdout);
        }
        return stdout;
    }

    void plugin(String command, String pod, Netns sandbox, String ifname, ObjectNode conf) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("ip", "netns", "exec", node.name(), "/usr/lib/cni/bridge");
        pb.environment().clear();
        pb.environment().putAll(Map.of("CNI_COMMAND", command, "CNI_CONTAINERID", "d-" + pod + "-" + ifname, "CNI_NETNS", sandbox.path(),
                "CNI_IFNAME", ifname, "CNI_PATH", "/usr/lib/cni", "PATH", "/usr/sbin:/usr/bin:/sbin:/bin"));
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            in.write(conf.toString().getBytes(StandardCharsets.UTF_8));
        }
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("direct " + command + " " + pod + " " + ifname + ": " + stdout);
        }
    }

    static void checkAttached(Netns sandbox, int interfaces, String result) throws IOException {
        String addrs = sandbox.ip("-o", "-4", "addr", "show", "scope", "global");
        long count = addrs.lines().filter(l -> l.contains("inet 172.")).count();
        if (count != interfaces) {
            throw new IllegalStateException("expected " + interfaces + " addresses, got: " + addrs);
        }
        if (result != null && !JSON.readTree(result).path("ips").get(0).path("address").asText().startsWith("172.96.")) {
            throw new IllegalStateException("eth0 not on the default network: " + result);
        }
    }

    // ---- 1. latency ------------------------------------------------------------------------------

    void latency(int pods) throws Exception {
        List<Long> delegAdd = new ArrayList<>();
        List<Long> delegDel = new ArrayList<>();
        List<Long> dirAdd = new ArrayList<>();
        List<Long> dirDel = new ArrayList<>();
        List<Long> delegBoth = new ArrayList<>();
        List<Long> dirBoth = new ArrayList<>();
        for (int i = 0; i < pods + 10; i++) {
            createPod("lat" + i);
        }
        double[] before = daemonTimes();
        for (int i = 0; i < pods + 10; i++) {
            String pod = "lat" + i;
            Netns sandbox = netns.create(pod);
            long[] a;
            long[] b;
            // alternate which path goes first, so neither always runs on a warmer machine
            if (i % 2 == 0) {
                a = viaDelegator(pod, sandbox);
                b = direct(pod, sandbox);
            } else {
                b = direct(pod, sandbox);
                a = viaDelegator(pod, sandbox);
            }
            netns.remove(pod);
            if (i >= 10) { // the first ten warm both paths up
                delegAdd.add(a[0]);
                delegDel.add(a[1]);
                dirAdd.add(b[0]);
                dirDel.add(b[1]);
                delegBoth.add(a[0] + a[1]);
                dirBoth.add(b[0] + b[1]);
            }
        }
        for (String[] p : new String[][] { { "p50", "0.5" }, { "p90", "0.9" }, { "p99", "0.99" } }) {
            double q = Double.parseDouble(p[1]);
            long d = pct(delegBoth, q);
            long r = pct(dirBoth, q);
            row("ADD+DEL, default + 2 flannel attachments, " + pods + " pods, " + p[0], ms(d), ms(r),
                    String.format("%.2fx, +%s", (double) d / r, ms(d - r)));
        }
        double[] after = daemonTimes();
        double adds = after[0] - before[0];
        double inDaemon = (after[1] - before[1]) / adds;
        double inDelegates = (after[2] - before[2]) / adds;
        row("ADD inside the daemon, mean: all / running the three networks (flannel contract + plugin execs) / the rest",
                ms((long) (inDaemon * 1e9)), ms((long) (inDelegates * 1e9)), "the rest: " + ms((long) ((inDaemon - inDelegates) * 1e9)));
        row("ADD alone p50", ms(pct(delegAdd, 0.5)), ms(pct(dirAdd, 0.5)), String.format("%.2fx", (double) pct(delegAdd, 0.5) / pct(dirAdd, 0.5)));
        row("DEL alone p50", ms(pct(delegDel, 0.5)), ms(pct(dirDel, 0.5)), String.format("%.2fx", (double) pct(delegDel, 0.5) / pct(dirDel, 0.5)));
    }

    /** From the daemon's own metrics: ADD requests, seconds in ADD, seconds in the networks' ADDs. */
    double[] daemonTimes() {
        String m = io.multinet.testing.Loopback.get(port, "/q/metrics");
        var add = Map.of("command", "ADD");
        return new double[] { io.multinet.testing.PrometheusText.value(m, "multinet_cni_request_duration_seconds_count", add),
                io.multinet.testing.PrometheusText.value(m, "multinet_cni_request_duration_seconds_sum", add),
                io.multinet.testing.PrometheusText.value(m, "multinet_cni_network_duration_seconds_sum", add) };
    }

    // ---- 2. the native hop -----------------------------------------------------------------------

    void nativeHop(int n) throws Exception {
        List<Long> shimVersion = new ArrayList<>();
        List<Long> shimStatus = new ArrayList<>();
        List<Long> trueExec = new ArrayList<>();
        List<Long> inProcess = new ArrayList<>();
        var engine = new io.multinet.delegator.Delegator(null, null,
                new io.multinet.delegator.Delegator.Options(root.resolve("inproc"), null, false, List.of(), java.time.Duration.ofSeconds(120)),
                new io.multinet.delegator.DelegatorMetrics(new io.multinet.delegator.Prometheus()));
        byte[] conf = Files.readAllBytes(conflistPluginConf);
        for (int i = 0; i < n; i++) {
            shimVersion.add(time(() -> exec(List.of(root.resolve("opt/cni/bin/multinet").toString()), Map.of("CNI_COMMAND", "VERSION"))));
            shimStatus.add(time(() -> exec(List.of(root.resolve("opt/cni/bin/multinet").toString()), Map.of("CNI_COMMAND", "STATUS"))));
            trueExec.add(time(() -> exec(List.of("/bin/true"), Map.of())));
            inProcess.add(time(() -> engine.handle(new io.multinet.delegator.CniRequest("VERSION", null, null, null, null, conf))));
        }
        row("VERSION through the shim (answered by the shim), p50", us(pct(shimVersion, 0.5)), us(pct(trueExec, 0.5)) + " (exec /bin/true)",
                String.format("%.2fx of /bin/true", (double) pct(shimVersion, 0.5) / pct(trueExec, 0.5)));
        row("STATUS through shim + socket + daemon, p50", us(pct(shimStatus, 0.5)), us(pct(inProcess, 0.5)) + " (daemon in-process)",
                "socket hop " + us(pct(shimStatus, 0.5) - pct(shimVersion, 0.5)));
    }

    // ---- 3. throughput ---------------------------------------------------------------------------

    void throughput(int pods) throws Exception {
        for (int concurrency : new int[] { 1, 4, 16 }) {
            double viaDelegator = pass(pods, concurrency, true);
            double direct = pass(pods, concurrency, false);
            row("throughput, " + pods + " pods ADD then DEL, concurrency " + concurrency, String.format("%.1f pods/s", viaDelegator),
                    String.format("%.1f pods/s", direct), String.format("%.2fx, 0 errors", viaDelegator / direct));
        }
    }

    /**
     * A thundering herd, as after a node reboot or a drain onto this node: every pod's ADD at the same
     * moment, then their DELs, each pod checked as in the throughput runs. The daemon's peak RSS
     * meanwhile: the kernel's high-water mark, reset just before (clear_refs 5).
     */
    void herd(int pods) throws Exception {
        io.multinet.testing.AppProcess.resetPeakRss(daemon);
        long before = io.multinet.testing.AppProcess.peakRssKb(daemon);
        double rate = pass(pods, pods, true);
        long peak = io.multinet.testing.AppProcess.peakRssKb(daemon);
        row("thundering herd: " + pods + " ADDs at once, then their DELs (all attached, 0 errors)",
                "peak RSS " + peak / 1024 + " MiB", "RSS before " + before / 1024 + " MiB; DaemonSet limit " + io.multinet.operator.DelegatorDaemonSet.MEMORY_LIMIT,
                String.format("%.1f pods/s; the daemon serves %s at a time, the rest wait", rate, io.multinet.delegator.NodeSettings.of(Map.of()).cniWorkers()));
        if (!daemon.isAlive()) {
            throw new IllegalStateException("the daemon died in the herd");
        }
    }

    double pass(int pods, int concurrency, boolean delegator) throws Exception {
        return pass((delegator ? "t" : "u") + concurrency + "-", pods, concurrency, delegator);
    }

    /** tag: the pods' name prefix, new for every pass (the pods stay in the API server). */
    double pass(String tag, int pods, int concurrency, boolean delegator) throws Exception {
        List<Netns> boxes = new ArrayList<>();
        for (int i = 0; i < pods; i++) {
            if (delegator) {
                createPod(tag + i);
            }
            boxes.add(netns.create(tag + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        AtomicInteger errors = new AtomicInteger();
        long t0 = System.nanoTime();
        try {
            for (String command : List.of("ADD", "DEL")) {
                List<Future<?>> fs = new ArrayList<>();
                for (int i = 0; i < pods; i++) {
                    int k = i;
                    fs.add(pool.submit(() -> {
                        try {
                            if (delegator) {
                                shim(command, tag + k, boxes.get(k));
                            } else {
                                String[] ifn = { "eth0", "net1", "net2" };
                                for (int j = 0; j < 3; j++) {
                                    int x = command.equals("ADD") ? j : 2 - j;
                                    plugin(command, tag + k, boxes.get(k), ifn[x], directConfs.get(x));
                                }
                            }
                        } catch (Exception e) {
                            errors.incrementAndGet();
                            out.println("error: " + e.getMessage());
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
                if (command.equals("ADD")) {
                    for (Netns b : boxes) {
                        checkAttached(b, 3, null);
                    }
                }
            }
        } finally {
            pool.shutdown();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        for (int i = 0; i < pods; i++) {
            netns.remove(tag + i);
        }
        if (errors.get() > 0) {
            throw new IllegalStateException(errors.get() + " errors at concurrency " + concurrency);
        }
        return pods / seconds;
    }

    // ---- helpers -----------------------------------------------------------------------------------

    /** Its threads and the jars it holds open, from /proc. */
    String threadsAndJars() throws IOException {
        long threads = io.multinet.testing.AppProcess.threads(daemon.pid());
        long jars;
        try (var fds = Files.list(Path.of("/proc/" + daemon.pid() + "/fd"))) {
            jars = fds.filter(f -> {
                try {
                    return Files.readSymbolicLink(f).toString().endsWith(".jar");
                } catch (IOException gone) {
                    return false;
                }
            }).count();
        }
        return threads + " threads, " + jars + " jars open";
    }

    long rssKb() {
        return io.multinet.testing.AppProcess.rssKb(daemon);
    }

    /**
     * How long an idle daemon takes to settle after a burst: its workers end after 30 s
     * (SocketServer.WORKER_IDLE), the heap is given back after 30 s quiet (IdleReclaim), the JDK's
     * process reaper threads end after 60 s; then a margin.
     */
    static final java.time.Duration SETTLE = java.time.Duration.ofSeconds(75);

    /** The daemon's RSS once it has sat idle for {@link #SETTLE}: the steady state a node keeps between bursts. */
    long settled() throws Exception {
        Thread.sleep(SETTLE.toMillis());
        long rss = rssKb();
        out.println("daemon " + SETTLE.toSeconds() + " s after the throughput runs: " + threadsAndJars() + ", RSS " + rss / 1024 + " MiB");
        return rss;
    }

    /**
     * Where the daemon's memory goes: Native Memory Tracking's summary and the classes loaded, from a
     * daemon of its own (NMT costs memory itself, so the RSS rows above are measured without it),
     * after the same throughput run at concurrency 16.
     */
    void nativeMemory(int pods) throws Exception {
        stopDaemon();
        List<String> flags = new ArrayList<>(daemonFlags);
        if (flags.stream().noneMatch(f -> f.startsWith("-XX:NativeMemoryTracking"))) {
            flags.add("-XX:NativeMemoryTracking=summary");
        }
        startDaemon(flags);
        pass("nmt-", pods, 16, true);
        String summary = io.multinet.testing.AppProcess.nativeMemory(daemon, flags);
        Process classes = new ProcessBuilder("jcmd", String.valueOf(daemon.pid()), "VM.classloader_stats").redirectErrorStream(true).start();
        String stats = new String(classes.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        classes.waitFor();
        out.println("Native Memory Tracking of the daemon after " + pods + " pods at concurrency 16 (RSS " + rssKb() / 1024 + " MiB with NMT on):");
        out.println(summary.lines().filter(l -> l.startsWith("Total") || l.startsWith("-")
                || l.contains("(reserved=") && l.contains("committed=")).collect(java.util.stream.Collectors.joining("\n")));
        out.println("class loaders: " + stats.lines().filter(l -> l.startsWith("Total")).findFirst().orElse(stats));
        row("daemon's committed memory by NMT (" + pods + " pods at concurrency 16)", committed(summary, "Total"), "metaspace "
                + committed(summary, "Metaspace") + " + class space " + committed(summary, "Class") + ", CDS archive "
                + committed(summary, "Shared class space") + ", heap " + committed(summary, "Java Heap") + ", code " + committed(summary, "Code")
                + ", threads " + committed(summary, "Thread") + ", symbols " + committed(summary, "Symbol"), "see the summary above the table");
    }

    /** The committed KB of one NMT summary line, in MiB. */
    static String committed(String summary, String category) {
        var m = java.util.regex.Pattern.compile("(?m)^[-\\s]*" + java.util.regex.Pattern.quote(category) + "[^\n]*?committed=([0-9]+)KB").matcher(summary);
        return m.find() ? Long.parseLong(m.group(1)) / 1024 + " MiB" : "?";
    }

    void stopDaemon() throws InterruptedException {
        daemon.destroy();
        daemon.waitFor(20, TimeUnit.SECONDS);
    }

    interface Action {
        void run() throws Exception;
    }

    static long time(Action a) throws Exception {
        long t0 = System.nanoTime();
        a.run();
        return System.nanoTime() - t0;
    }

    static void exec(List<String> cmd, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        p.getInputStream().readAllBytes();
        p.waitFor();
    }

    static long pct(List<Long> values, double q) {
        List<Long> s = new ArrayList<>(values);
        Collections.sort(s);
        return s.get(Math.min(s.size() - 1, (int) Math.ceil(q * s.size()) - 1));
    }

    static String ms(long ns) {
        return String.format("%.2f ms", ns / 1e6);
    }

    static String us(long ns) {
        return String.format("%.0f us", ns / 1e3);
    }

    @Override
    public void close() {
        if (daemon != null) {
            daemon.destroy();
            try {
                daemon.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            // kept for a look after the run: the temporary root goes below
            Files.copy(root.resolve("daemon.log"), project.resolve("target/bench-daemon.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            out.println("no daemon log: " + e.getMessage());
        }
        if (netns != null) {
            netns.close();
        }
        if (api != null) {
            api.destroy();
        }
        io.multinet.testing.EtcdServer.deleteTree(root);
    }
}
