package io.multinet.delegator;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Settings of the node role (prefix multinet.node), each from a system property of its name or
 * from its environment variable (MULTINET_NODE_POD_WAIT for multinet.node.pod-wait), else its
 * default. Every host path is a setting with the real path as default, so tests and the demo run
 * under a temporary root. Read without a configuration framework: the node daemon loads only what a
 * node needs (docs/benchmarks.md).
 */
public final class NodeSettings {

    public static final String PREFIX = "multinet.node.";

    /** Every setting with its default (null: none), in the order docs/delegator.md lists them. */
    static final Map<String, String> DEFAULTS = new LinkedHashMap<>();
    static {
        DEFAULTS.put("node-name", null);
        DEFAULTS.put("pod-namespace", null);
        DEFAULTS.put("cni-bin-dir", io.multinet.HostPaths.CNI_BIN_DIR);
        DEFAULTS.put("plugin-dirs", io.multinet.HostPaths.CNI_BIN_DIR + "," + io.multinet.HostPaths.CNI_LIB_DIR);
        DEFAULTS.put("cni-conf-dir", io.multinet.HostPaths.CNI_CONF_DIR);
        DEFAULTS.put("socket-dir", io.multinet.HostPaths.SOCKET_DIR);
        DEFAULTS.put("cache-dir", io.multinet.HostPaths.CACHE_DIR);
        DEFAULTS.put("primary-config", null);
        DEFAULTS.put("shim-source", "/deployments/multinet");
        DEFAULTS.put("ipam-data-dir", io.multinet.HostPaths.IPAM_DATA_DIR);
        DEFAULTS.put("namespace-isolation", "false");
        DEFAULTS.put("global-namespaces", null);
        DEFAULTS.put("pod-wait", "5s");
        DEFAULTS.put("plugin-timeout", "60s");
        DEFAULTS.put("cni-workers", "16");
        DEFAULTS.put("shim-timeout-seconds", "120");
        DEFAULTS.put("refresh-interval", "2s");
        DEFAULTS.put("attachments-report-interval", "30s");
        DEFAULTS.put("gc-interval", "60s");
        DEFAULTS.put("idle-reclaim", "30s");
        DEFAULTS.put("plugin-netns", null);
        DEFAULTS.put("http-host", "0.0.0.0");
        DEFAULTS.put("http-port", "9250");
        DEFAULTS.put("api-server-url", null);
        DEFAULTS.put("api-server-ca", null);
        DEFAULTS.put("log-level", "INFO");
    }

    private final UnaryOperator<String> source;

    private NodeSettings(UnaryOperator<String> source) {
        this.source = source;
        DEFAULTS.keySet().forEach(this::get); // every value checked at start, not at first use
        for (String d : List.of("pod-wait", "plugin-timeout", "refresh-interval", "attachments-report-interval", "gc-interval", "idle-reclaim")) {
            duration(d);
        }
        for (String i : List.of("shim-timeout-seconds", "http-port")) {
            integer(i);
        }
        cniWorkers();
        bool("namespace-isolation");
    }

    /** From system properties and the environment, as the DaemonSet passes them. */
    public static NodeSettings fromEnvironment() {
        return new NodeSettings(name -> {
            String v = System.getProperty(name);
            return v != null ? v : System.getenv(env(name));
        });
    }

    /** From these properties alone (tests, the demo). */
    public static NodeSettings of(Map<String, String> properties) {
        return new NodeSettings(properties::get);
    }

    /** The environment variable of a property: MULTINET_NODE_POD_WAIT for multinet.node.pod-wait. */
    public static String env(String property) {
        return property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** Every setting's full name. */
    public static List<String> names() {
        return DEFAULTS.keySet().stream().map(k -> PREFIX + k).toList();
    }

    private String get(String name) {
        if (!DEFAULTS.containsKey(name)) {
            throw new IllegalArgumentException("no setting " + PREFIX + name);
        }
        String v = source.apply(PREFIX + name);
        return v == null || v.isBlank() ? DEFAULTS.get(name) : v.strip();
    }

    private Optional<String> optional(String name) {
        return Optional.ofNullable(get(name));
    }

    private List<String> list(String name) {
        String v = get(name);
        return v == null ? List.of() : Arrays.stream(v.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private int integer(String name) {
        try {
            return Integer.parseInt(get(name));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(PREFIX + name + " (env " + env(PREFIX + name) + "): '" + get(name) + "' is not a whole number");
        }
    }

    private boolean bool(String name) {
        String v = get(name).toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw new IllegalArgumentException(PREFIX + name + " (env " + env(PREFIX + name) + "): '" + get(name) + "' is neither true nor false");
        }
        return v.equals("true");
    }

    /** 200ms, 5s, 2m, 1h, or ISO-8601 (PT5S), as the operator's settings are written. */
    private Duration duration(String name) {
        String v = get(name);
        try {
            return parseDuration(v);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(PREFIX + name + " (env " + env(PREFIX + name) + "): '" + v
                    + "' is not a duration (e.g. 200ms, 5s, 2m, 1h or PT5S)");
        }
    }

    static Duration parseDuration(String v) {
        if (v.startsWith("P") || v.startsWith("p")) {
            return Duration.parse(v);
        }
        var m = java.util.regex.Pattern.compile("([0-9]+)(ms|s|m|h|d)?").matcher(v);
        if (!m.matches()) {
            throw new IllegalArgumentException(v);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2) == null ? "s" : m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofSeconds(n);
        };
    }

    /** This node's name (from the downward API, env NODE_NAME). */
    public Optional<String> nodeName() {
        return optional("node-name").or(() -> Optional.ofNullable(System.getenv("NODE_NAME")).filter(s -> !s.isBlank()));
    }

    /**
     * The namespace of this daemon's DaemonSet (downward API, env POD_NAMESPACE). Unset outside a
     * cluster: the daemon then never takes its files off the node when it stops.
     */
    public Optional<String> podNamespace() {
        return optional("pod-namespace").or(() -> Optional.ofNullable(System.getenv("POD_NAMESPACE")).filter(s -> !s.isBlank()));
    }

    /** Where the shim is installed as /opt/cni/bin/multinet. */
    public String cniBinDir() {
        return get("cni-bin-dir");
    }

    /** Directories searched for delegate plugins, in order. */
    public List<String> pluginDirs() {
        return list("plugin-dirs");
    }

    public String cniConfDir() {
        return get("cni-conf-dir");
    }

    /** Directory of delegator.sock (root only). */
    public String socketDir() {
        return get("socket-dir");
    }

    /** Per-container plans, so DEL works without the API server. */
    public String cacheDir() {
        return get("cache-dir");
    }

    /** The node's primary CNI config to use as default network when no MultiNetwork is marked default. */
    public Optional<String> primaryConfig() {
        return optional("primary-config");
    }

    /** The shim binary shipped in the image, copied to cni-bin-dir/multinet at start. */
    public String shimSource() {
        return get("shim-source");
    }

    /** Where host-local keeps the IP leases of flannel networks. */
    public String ipamDataDir() {
        return get("ipam-data-dir");
    }

    /** Pods may select NADs only in their own namespace and in global-namespaces. */
    public boolean namespaceIsolation() {
        return bool("namespace-isolation");
    }

    public Optional<List<String>> globalNamespaces() {
        List<String> l = list("global-namespaces");
        return l.isEmpty() ? Optional.empty() : Optional.of(l);
    }

    /** How long ADD waits for a pod the API server does not show yet. */
    public Duration podWait() {
        return duration("pod-wait");
    }

    /** Bound of one delegate plugin call. */
    public Duration pluginTimeout() {
        return duration("plugin-timeout");
    }

    /**
     * CNI requests served at once. The rest wait their turn (a herd after a reboot queues instead of
     * growing the daemon's memory), so this bounds the daemon's threads and work in flight.
     */
    public int cniWorkers() {
        int n = integer("cni-workers");
        if (n < 1) {
            throw new IllegalArgumentException(PREFIX + "cni-workers (env " + env(PREFIX + "cni-workers") + "): '" + n + "' must be at least 1");
        }
        return n;
    }

    /** How long the shim waits for an answer; written into the CNI config it reads. */
    public int shimTimeoutSeconds() {
        return integer("shim-timeout-seconds");
    }

    /** How often the daemon re-checks subnet files, its CNI config and its node state. */
    public Duration refreshInterval() {
        return duration("refresh-interval");
    }

    /**
     * How often a change in attachment counts alone is written to the node state. Pods come and go
     * all the time; written on every refresh, counts would cost an API write per node every few
     * seconds and wake the operator each time. Any health change is still written at once.
     */
    public Duration attachmentsReportInterval() {
        return duration("attachments-report-interval");
    }

    /**
     * How often cached attachments whose network namespace is gone are cleaned up: the DELs a
     * runtime sent while the daemon was down, for runtimes that never send CNI GC.
     */
    public Duration gcInterval() {
        return duration("gc-interval");
    }

    /**
     * How long the daemon is quiet (no CNI request in it) before it gives a burst's heap back to the
     * node (IdleReclaim); 0 never does.
     */
    public Duration idleReclaim() {
        return duration("idle-reclaim");
    }

    /**
     * Run delegate plugins inside this named network namespace. Only for a node played by a network
     * namespace (tests and the demo); unset on a real node, where the daemon is in the host's.
     */
    public Optional<String> pluginNetns() {
        return optional("plugin-netns");
    }

    /** Address of the TCP listener (health and metrics only; hostNetwork makes it the node's). */
    public String httpHost() {
        return get("http-host");
    }

    public int httpPort() {
        return integer("http-port");
    }

    /** The API server, for a daemon outside a pod (tests, the demo); in a pod it comes from the ServiceAccount. */
    public Optional<String> apiServerUrl() {
        return optional("api-server-url");
    }

    /**
     * The CA certificates (PEM) to trust for the API server instead of the JDK's (with api-server-url)
     * or the ServiceAccount's (in a pod).
     */
    public Optional<java.nio.file.Path> apiServerCa() {
        return optional("api-server-ca").map(java.nio.file.Path::of);
    }

    /** java.util.logging level name or SEVERE/WARNING-style alias: ERROR, WARN, INFO, DEBUG. */
    public String logLevel() {
        return get("log-level");
    }
}
