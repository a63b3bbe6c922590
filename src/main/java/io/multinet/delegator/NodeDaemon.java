package io.multinet.delegator;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import io.multinet.NetworkNames;
import io.multinet.cni.ExecPluginRunner;
import io.multinet.kube.KubeApi;
import io.multinet.kube.KubeApiException;

/**
 * The node role: a plain Java program (main below), not the Quarkus application, because it runs on
 * every node and only what a node needs is loaded (docs/benchmarks.md). At start it installs the shim,
 * serves CNI on the unix socket, health and metrics on its TCP port, and starts the refresh (conflist,
 * readiness, node state, deleted networks, the kept flannel rules) and the garbage collector; at stop
 * it takes its files off the node when, and only when, multinet is being uninstalled. The work
 * itself lives in the classes it wires together.
 */
public final class NodeDaemon implements AutoCloseable {

    static {
        // jboss-logging (the shared classes log through it) writes to java.util.logging here: no log manager to load
        System.setProperty("org.jboss.logging.provider", "jdk");
    }

    private static final Logger LOG = Logger.getLogger(NodeDaemon.class);

    private final NodeSettings settings;
    private final KubeApi api;
    private final NodeReadiness readiness = new NodeReadiness();
    private final Prometheus metrics = new Prometheus();
    private final String version;
    private final NodeCniFiles files;
    private final KubeClusterView view;
    private final Delegator delegator;
    private final NodeStateReporter reporter;
    private final DeletedNetworks deleted;
    private final FlannelRuleMirror flannelRules;
    private final SocketServer server;
    private final NodeHttp http;
    private final ScheduledExecutorService scheduler;

    public static void main(String[] args) {
        NodeSettings settings;
        try {
            settings = NodeSettings.fromEnvironment();
            NodeLogging.configure(settings.logLevel());
        } catch (IllegalArgumentException e) {
            System.err.println("multinet node: " + e.getMessage());
            System.exit(2);
            return;
        }
        NodeDaemon daemon;
        try {
            daemon = start(settings);
        } catch (IOException | RuntimeException e) {
            LOG.errorf("multinet node: cannot start: %s", e.getMessage());
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "shutdown"));
    }

    /** Starts the node role with these settings; close() stops it. */
    public static NodeDaemon start(NodeSettings settings) throws IOException {
        return new NodeDaemon(settings, KubeApi.connect(settings.apiServerUrl(), settings.apiServerCa()));
    }

    private NodeDaemon(NodeSettings settings, KubeApi api) throws IOException {
        this.settings = settings;
        this.api = api;
        this.version = version();
        String nodeName = settings.nodeName().orElseThrow(() -> new IllegalStateException(
                "multinet.node.node-name (env NODE_NAME, from the downward API) is not set: it must be this node's Node object name"));
        // the VM's mode says whether class data is shared: the image's archive mapped, or not (issue 20)
        LOG.infof("multinet %s starting in role node on %s (%s)", version, nodeName, System.getProperty("java.vm.info"));
        ExecPluginRunner.preferVfork(); // before this process execs anything
        files = new NodeCniFiles(settings);
        files.installShim();
        HostNetwork host = new HostNetwork(settings.pluginNetns());
        view = new KubeClusterView(api, nodeName, files::primaryConfig, settings.podWait());
        metrics.processMetrics();
        delegator = new Delegator(view, new ExecPluginRunner(settings.pluginDirs(), settings.pluginTimeout(), host.commandPrefix()),
                new Delegator.Options(Path.of(settings.cacheDir()), settings.ipamDataDir(), settings.namespaceIsolation(),
                        settings.globalNamespaces().orElse(List.of()), java.time.Duration.ofSeconds(settings.shimTimeoutSeconds())),
                new DelegatorMetrics(metrics));
        reporter = new NodeStateReporter(api, nodeName, host, settings.attachmentsReportInterval());
        deleted = new DeletedNetworks(host, settings.ipamDataDir());
        flannelRules = new FlannelRuleMirror(host);
        server = new SocketServer(files.socketPath(), settings.cniWorkers(), new CniEndpoint(delegator, readiness)::serve);
        http = new NodeHttp(settings.httpHost(), settings.httpPort(), readiness, metrics);
        scheduler = Executors.newSingleThreadScheduledExecutor(io.multinet.Threads.daemon("node-refresh"));
        scheduler.scheduleWithFixedDelay(() -> safely("node refresh", this::refresh), 0, settings.refreshInterval().toMillis(),
                TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(() -> safely("garbage collection", delegator::collectGarbage), settings.gcInterval().toMillis(),
                settings.gcInterval().toMillis(), TimeUnit.MILLISECONDS);
        if (!settings.idleReclaim().isZero()) {
            IdleReclaim reclaim = IdleReclaim.of(settings.idleReclaim(), server);
            // checked several times per quiet spell, so a short burst between two checks is still seen
            long every = Math.max(100, Math.min(5_000, settings.idleReclaim().toMillis() / 4));
            scheduler.scheduleWithFixedDelay(() -> safely("idle reclaim", reclaim::check), every, every, TimeUnit.MILLISECONDS);
        }
        LOG.infof("node %s: serving CNI on %s, health and metrics on %s:%d", nodeName, files.socketPath(), settings.httpHost(), http.port());
    }

    /** multinet's version, as the image was built: the tag in application.properties (ReleaseVersionTest keeps it the pom's). */
    static String version() {
        try (var in = NodeDaemon.class.getResourceAsStream("/application.properties")) {
            if (in != null) {
                java.util.Properties p = new java.util.Properties();
                p.load(in);
                return p.getProperty("quarkus.container-image.tag", "unknown");
            }
        } catch (IOException ignored) {
            // reported as unknown
        }
        return "unknown";
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        if (uninstalling()) {
            files.removeFromNode();
            flannelRules.remove();
        }
        server.close();
        http.close();
        view.close();
        api.close();
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
            JsonNode ds = api.get("/apis/apps/v1/namespaces/" + settings.podNamespace().get() + "/daemonsets/" + NetworkNames.DELEGATOR_DAEMONSET);
            return ds == null || ds.path("metadata").hasNonNull("deletionTimestamp");
        } catch (KubeApiException e) {
            return e.code() == 401 || e.code() == 403;
        }
    }

    public Path socketPath() {
        return files.socketPath();
    }

    public Path cniConfigPath() {
        return files.conflistPath();
    }

    public Delegator delegator() {
        return delegator;
    }

    /** The TCP port of health and metrics (the one asked for, or the one given for 0). */
    public int httpPort() {
        return http.port();
    }

    private static void safely(String what, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warnf("%s failed: %s", what, e.getMessage());
        }
    }

    synchronized void refresh() {
        if (!view.synced()) {
            readiness.markNotReady("InformersNotSynced");
            return;
        }
        Optional<NodeNetwork> mn = view.defaultMultiNetwork();
        Optional<ClusterView.DefaultNetwork> def = view.defaultNetwork();
        if (def.isEmpty()) {
            readiness.markNotReady(mn.map(n -> "DefaultNetworkNotReady: subnet file " + n.allocated().subnetFile + " does not exist yet")
                    .orElse("DefaultNetworkNotReady: no MultiNetwork is default and no primary CNI config was found"));
        } else {
            files.writeConflist(def.get().name());
            readiness.markReady();
        }
        // one read of the cache per refresh serves both
        Map<String, Integer> attachments = delegator.attachmentsByNetwork();
        List<NodeNetwork> networks = view.networks();
        deleted.sweep(networks, attachments);
        // each subnet file read once per refresh: the report and the kept flannel rules both need it
        List<FlannelRuleMirror.Lease> leases = FlannelRuleMirror.leases(networks);
        reporter.report(new NodeStateReporter.Delegator(version, readiness.ready(), readiness.reason(),
                files.conflistWritten() ? files.conflistPath().toString() : null, def.orElse(null)), networks,
                leases.stream().collect(java.util.stream.Collectors.toMap(FlannelRuleMirror.Lease::network, FlannelRuleMirror.Lease::env)),
                attachments, delegator.lastErrors());
        flannelRules.keep(leases); // last: a node without iptables-restore still reports its state
    }
}
