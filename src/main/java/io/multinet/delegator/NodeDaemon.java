package io.multinet.delegator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.multinet.MultinetConfig;
import io.multinet.NetworkNames;
import io.multinet.Role;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.api.v1alpha1.MultiNetworkNodeState;
import io.multinet.api.v1alpha1.MultiNetworkNodeStateStatus;
import io.multinet.cni.CniException;
import io.multinet.cni.CniVersions;
import io.multinet.cni.ExecPluginRunner;
import io.multinet.flannel.SubnetEnv;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * The node role: installs the shim and the CNI config, serves CNI on the unix socket, and keeps
 * this node's MultiNetworkNodeState. Nothing here starts in the operator role.
 */
@ApplicationScoped
public class NodeDaemon {

    private static final Logger LOG = Logger.getLogger(NodeDaemon.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    MultinetConfig config;
    @Inject
    NodeSettings settings;
    @Inject
    KubernetesClient client;
    @Inject
    NodeReadiness readiness;
    @Inject
    io.micrometer.core.instrument.MeterRegistry registry;
    @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown")
    String version;

    private String nodeName;
    private KubeClusterView view;
    private Delegator delegator;
    private SocketServer server;
    private ScheduledExecutorService refresher;
    private String writtenConfig;
    private MultiNetworkNodeStateStatus lastState;
    /** When the node state was last written (System.nanoTime). */
    private long lastWrite;
    private String defaultSource;
    /** Networks seen on the last refresh, so a deleted one's bridge and IPAM store can be removed. */
    private Map<String, io.multinet.api.v1alpha1.Allocation> known = Map.of();

    void onStart(@Observes StartupEvent event) throws IOException {
        if (config.role() != Role.NODE) {
            return;
        }
        nodeName = settings.nodeName().orElseThrow(() -> new IllegalStateException(
                "multinet.node.node-name (env NODE_NAME, from the downward API) is not set"));
        ExecPluginRunner.preferVfork(); // before this process execs anything
        installShim();
        view = new KubeClusterView(client, nodeName, this::primaryConfig, settings.podWait());
        List<String> prefix = settings.pluginNetns().map(ns -> List.of("ip", "netns", "exec", ns)).orElse(List.of());
        delegator = new Delegator(view, new ExecPluginRunner(settings.pluginDirs(), settings.pluginTimeout(), prefix),
                new Delegator.Options(Path.of(settings.cacheDir()), settings.ipamDataDir(), settings.namespaceIsolation(),
                        settings.globalNamespaces().orElse(List.of())), new DelegatorMetrics(registry));
        server = new SocketServer(socketPath(), 16, this::serve);
        refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "node-refresh");
            t.setDaemon(true);
            return t;
        });
        refresher.scheduleWithFixedDelay(this::refreshSafely, 0, settings.refreshInterval().toMillis(), TimeUnit.MILLISECONDS);
        LOG.infof("node %s: serving CNI on %s", nodeName, socketPath());
    }

    void onStop(@Observes ShutdownEvent event) {
        if (refresher != null) {
            refresher.shutdownNow();
        }
        if (config.role() == Role.NODE && uninstalling()) {
            removeFromNode();
        }
        if (server != null) {
            server.close();
        }
        if (view != null) {
            view.close();
        }
    }

    /**
     * Whether this stop is an uninstall rather than a roll or a restart: the DaemonSet is gone or being
     * deleted, or the ServiceAccount or its ClusterRoleBinding went with the manifests (401, 403: an
     * uninstall deletes them before the DaemonSet's pods have terminated). Anything else, an
     * unreachable API server included, keeps the node's files: a node without the conflist while
     * multinet still runs would start pods without their networks.
     */
    boolean uninstalling() {
        if (settings.podNamespace().isEmpty()) {
            return false;
        }
        try {
            var ds = client.apps().daemonSets().inNamespace(settings.podNamespace().get()).withName(NetworkNames.DELEGATOR_DAEMONSET).get();
            return ds == null || ds.getMetadata().getDeletionTimestamp() != null;
        } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
            return e.getCode() == 401 || e.getCode() == 403;
        }
    }

    /**
     * Uninstall: the conflist goes first, so the runtime falls back to the node's own primary CNI
     * config at once and no new pod is sent to a daemon that is gone; then the shim.
     */
    void removeFromNode() {
        for (Path p : List.of(cniConfigPath(), shimPath())) {
            try {
                if (Files.deleteIfExists(p)) {
                    LOG.infof("multinet is being uninstalled: removed %s", p);
                }
            } catch (IOException e) {
                LOG.errorf("multinet is being uninstalled, but %s could not be removed: %s", p, e.getMessage());
            }
        }
    }

    public Path socketPath() {
        return Path.of(settings.socketDir(), NetworkNames.SOCKET_FILE);
    }

    public Path cniConfigPath() {
        return Path.of(settings.cniConfDir(), NetworkNames.CNI_CONFIG_FILE);
    }

    Path shimPath() {
        return Path.of(settings.cniBinDir(), NetworkNames.CNI_TYPE);
    }

    public Delegator delegator() {
        return delegator;
    }

    /** temp file + rename: a runtime exec'ing the old binary never sees "text file busy". */
    void installShim() throws IOException {
        Path target = shimPath();
        byte[] shim = Files.readAllBytes(Path.of(settings.shimSource()));
        if (Files.exists(target) && java.util.Arrays.equals(Files.readAllBytes(target), shim)) {
            return;
        }
        AttachmentCache.writeAtomically(target, shim);
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
        LOG.infof("installed the CNI shim as %s", target);
    }

    // ---- the socket ----------------------------------------------------------------------------

    SocketServer.Response serve(SocketServer.Request r) {
        if (r.method().equals("GET") && r.path().equals("/healthz")) {
            return SocketServer.Response.text(200, "ok");
        }
        if (r.method().equals("GET") && r.path().equals("/readyz")) {
            return readiness.ready() ? SocketServer.Response.text(200, "ready") : SocketServer.Response.text(503, readiness.reason());
        }
        if (!(r.method().equals("POST") && r.path().equals("/cni"))) {
            return SocketServer.Response.text(404, "not found");
        }
        Map<String, String> h = r.headers();
        CniRequest req = new CniRequest(h.get("x-cni-command"), h.get("x-cni-containerid"), h.get("x-cni-netns"), h.get("x-cni-ifname"),
                h.get("x-cni-args"), r.body());
        try {
            return new SocketServer.Response(200, Map.of("Content-Type", "application/json"), delegator.handle(req));
        } catch (CniException e) {
            return new SocketServer.Response(400, Map.of("Content-Type", "application/json"),
                    e.toJson(JSON, requestedVersion(r.body())).toString().getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            LOG.errorf(e, "CNI %s of %s failed unexpectedly", req.command(), req.containerId());
            return new SocketServer.Response(400, Map.of("Content-Type", "application/json"), new CniException(CniException.IO_FAILURE,
                    "multinet delegator failed: " + e).toJson(JSON, requestedVersion(r.body())).toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    private static String requestedVersion(byte[] body) {
        try {
            String v = JSON.readTree(body).path("cniVersion").asText("");
            return CniVersions.SUPPORTED.contains(v) ? v : CniVersions.LATEST;
        } catch (IOException e) {
            return CniVersions.LATEST;
        }
    }

    // ---- default network, CNI config, node state -----------------------------------------------------

    /** The node's existing primary CNI config: the one named in the settings, else the first by name, as kubelet picks. */
    Optional<ClusterView.DefaultNetwork> primaryConfig() {
        Path chosen;
        String why;
        if (settings.primaryConfig().isPresent()) {
            chosen = Path.of(settings.primaryConfig().get());
            why = "named in multinet.node.primary-config";
        } else {
            try (Stream<Path> files = Files.list(Path.of(settings.cniConfDir()))) {
                chosen = files.filter(p -> p.toString().matches(".*\\.(conf|conflist|json)$"))
                        .filter(p -> !p.getFileName().toString().equals(NetworkNames.CNI_CONFIG_FILE)).sorted().findFirst().orElse(null);
            } catch (IOException e) {
                chosen = null;
            }
            why = "first CNI config in " + settings.cniConfDir() + " by name, as the container runtime would choose";
        }
        if (chosen == null || !Files.exists(chosen)) {
            return Optional.empty();
        }
        try {
            ObjectNode conf = (ObjectNode) JSON.readTree(chosen.toFile());
            defaultSource = chosen + " (" + why + ")";
            return Optional.of(new ClusterView.DefaultNetwork(conf.path("name").asText(chosen.getFileName().toString()), conf));
        } catch (IOException | ClassCastException e) {
            LOG.warnf("primary CNI config %s is not usable: %s", chosen, e.getMessage());
            return Optional.empty();
        }
    }

    private void refreshSafely() {
        try {
            refresh();
        } catch (RuntimeException e) {
            LOG.warnf("node refresh failed: %s", e.getMessage());
        }
    }

    synchronized void refresh() {
        if (!view.synced()) {
            readiness.markNotReady("InformersNotSynced");
            return;
        }
        Optional<MultiNetwork> mn = view.defaultMultiNetwork();
        if (mn.isPresent()) {
            defaultSource = "MultiNetwork " + mn.get().getMetadata().getName() + " (spec.default: true)";
        }
        Optional<ClusterView.DefaultNetwork> def = view.defaultNetwork();
        if (def.isEmpty()) {
            readiness.markNotReady(mn.map(n -> "DefaultNetworkNotReady: subnet file " + n.getStatus().allocated.subnetFile + " does not exist yet")
                    .orElse("DefaultNetworkNotReady: no MultiNetwork is default and no primary CNI config was found"));
        } else {
            writeCniConfig(def.get().name());
            readiness.markReady();
        }
        // one read of the cache per refresh serves both
        Map<String, Integer> attachments = delegator.attachmentsByNetwork();
        removeDeletedNetworks(attachments);
        reportNodeState(def.map(ClusterView.DefaultNetwork::name).orElse(null), attachments);
    }

    /**
     * A network that is gone from the cluster leaves nothing on the node once no pod uses it: its
     * bridge, its host-local lease store and its flannel dataDir go.
     */
    private void removeDeletedNetworks(Map<String, Integer> inUse) {
        Map<String, io.multinet.api.v1alpha1.Allocation> now = new java.util.HashMap<>();
        for (MultiNetwork n : view.networks().getStore().list()) {
            if (n.getStatus() != null && n.getStatus().allocated != null) {
                now.put(n.getMetadata().getName(), n.getStatus().allocated);
            }
        }
        Map<String, io.multinet.api.v1alpha1.Allocation> keep = new java.util.HashMap<>(now);
        for (var e : known.entrySet()) {
            if (now.containsKey(e.getKey())) {
                continue;
            }
            if (inUse.getOrDefault(e.getKey(), 0) > 0) {
                keep.put(e.getKey(), e.getValue()); // pods still hold it: try again once they are gone
                continue;
            }
            if (linkExists(e.getValue().bridge)) {
                List<String> cmd = new ArrayList<>(settings.pluginNetns().map(ns -> List.of("ip", "-n", ns)).orElse(List.of("ip")));
                cmd.addAll(List.of("link", "del", e.getValue().bridge));
                run(cmd);
            }
            deleteTree(Path.of(settings.ipamDataDir(), e.getKey()));
            deleteTree(Path.of(e.getValue().dataDir));
            LOG.infof("network %s was deleted: removed bridge %s and its IPAM and data directories", e.getKey(), e.getValue().bridge);
        }
        known = keep;
    }

    private static void run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (p.waitFor() != 0) {
                LOG.warnf("%s failed: %s", String.join(" ", cmd), out.strip());
            }
        } catch (IOException e) {
            LOG.warnf("%s failed: %s", String.join(" ", cmd), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            LOG.warnf("cannot remove %s: %s", p, e.getMessage());
        }
    }

    private void writeCniConfig(String defaultNetwork) {
        ObjectNode conflist = JSON.createObjectNode();
        conflist.put("cniVersion", "1.0.0");
        conflist.put("name", "multinet");
        ObjectNode plugin = conflist.putArray("plugins").addObject();
        plugin.put("type", NetworkNames.CNI_TYPE);
        plugin.put("socketPath", socketPath().toString());
        plugin.put("timeoutSeconds", settings.shimTimeoutSeconds());
        plugin.put("defaultNetwork", defaultNetwork);
        String text = conflist.toPrettyString() + "\n";
        if (!text.equals(writtenConfig) || !Files.exists(cniConfigPath())) {
            AttachmentCache.writeAtomically(cniConfigPath(), text.getBytes(StandardCharsets.UTF_8));
            writtenConfig = text;
            LOG.infof("wrote %s (default network %s)", cniConfigPath(), defaultNetwork);
        }
    }

    private void reportNodeState(String defaultNetwork, Map<String, Integer> attachments) {
        MultiNetworkNodeStateStatus st = new MultiNetworkNodeStateStatus();
        st.delegator.version = version;
        st.delegator.ready = readiness.ready();
        st.delegator.reason = readiness.reason();
        st.delegator.cniConfigFile = writtenConfig == null ? null : cniConfigPath().toString();
        st.delegator.defaultNetwork = defaultNetwork;
        st.delegator.defaultNetworkSource = defaultNetwork == null ? null : defaultSource;
        List<MultiNetworkNodeStateStatus.Network> nets = new ArrayList<>();
        for (MultiNetwork n : view.networks().getStore().list()) {
            if (n.getStatus() == null || n.getStatus().allocated == null) {
                continue;
            }
            var a = n.getStatus().allocated;
            String name = n.getMetadata().getName();
            MultiNetworkNodeStateStatus.Network x = new MultiNetworkNodeStateStatus.Network();
            x.name = name;
            x.subnetFile = a.subnetFile;
            x.bridge = a.bridge;
            try {
                SubnetEnv env = SubnetEnv.read(Path.of(a.subnetFile));
                x.subnetFilePresent = true;
                x.network = env.network();
                x.subnet = env.subnet();
                x.mtu = env.mtu();
                x.ipMasq = env.ipMasq();
            } catch (IOException | IllegalArgumentException e) {
                x.subnetFilePresent = false;
            }
            x.bridgePresent = linkExists(a.bridge);
            x.attachments = attachments.getOrDefault(name, 0);
            String[] err = delegator.lastErrors().get(name);
            if (err != null) {
                x.lastError = err[0];
                x.lastErrorTime = err[1];
            }
            nets.add(x);
        }
        nets.sort(java.util.Comparator.comparing(x -> x.name));
        st.addresses = hostAddresses();
        st.networks = nets;
        st.networkCount = nets.size();
        long now = System.nanoTime();
        if (lastState != null && !worthWriting(JSON.valueToTree(lastState), JSON.valueToTree(st),
                now - lastWrite >= settings.attachmentsReportInterval().toNanos())) {
            return;
        }
        try {
            var resource = client.resources(MultiNetworkNodeState.class).withName(nodeName);
            MultiNetworkNodeState current = resource.get();
            if (current == null) {
                MultiNetworkNodeState fresh = new MultiNetworkNodeState();
                fresh.getMetadata().setName(nodeName);
                fresh.getMetadata().setLabels(NetworkNames.delegatorLabels());
                current = client.resource(fresh).create();
            }
            lastWrite = now;
            if (current.getStatus() != null && JSON.valueToTree(current.getStatus()).equals(JSON.valueToTree(st))) {
                lastState = st;
                return;
            }
            current.setStatus(st);
            client.resource(current).updateStatus();
            lastState = st;
        } catch (KubernetesClientException e) {
            LOG.warnf("cannot write MultiNetworkNodeState %s: %s", nodeName, e.getMessage());
        }
    }

    /**
     * Whether a new node state is worth an API write: any change but the attachment counts at once,
     * a change in counts alone only once the report interval has passed.
     */
    static boolean worthWriting(JsonNode last, JsonNode next, boolean intervalPassed) {
        if (last.equals(next)) {
            return false;
        }
        return intervalPassed || !withoutCounts(last).equals(withoutCounts(next));
    }

    private static JsonNode withoutCounts(JsonNode state) {
        JsonNode copy = state.deepCopy();
        copy.path("networks").forEach(n -> ((ObjectNode) n).remove("attachments"));
        return copy;
    }

    /** IPv4 addresses of the node's interfaces (not loopback). */
    private List<String> hostAddresses() {
        List<String> cmd = new ArrayList<>(settings.pluginNetns().map(ns -> List.of("ip", "-n", ns)).orElse(List.of("ip")));
        cmd.addAll(List.of("-o", "-4", "addr", "show", "scope", "global"));
        List<String> out = new ArrayList<>();
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            for (String line : new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile(" inet ([0-9.]+)/").matcher(line);
                if (m.find()) {
                    out.add(m.group(1));
                }
            }
            p.waitFor();
        } catch (IOException e) {
            LOG.debugf("cannot list addresses: %s", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out.stream().sorted().toList();
    }

    private boolean linkExists(String link) {
        if (settings.pluginNetns().isEmpty()) {
            return Files.exists(Path.of("/sys/class/net", link));
        }
        try {
            Process p = new ProcessBuilder("ip", "-n", settings.pluginNetns().get(), "link", "show", "dev", link)
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Why the default network was chosen, as the node state reports it. */
    String defaultSourceForTest() {
        return defaultSource;
    }

}
