package io.multinet.delegator;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.multinet.MultinetConfig;
import io.multinet.NetworkNames;
import io.multinet.Role;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.cni.ExecPluginRunner;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;

/**
 * The node role's lifecycle: at start it installs the shim, serves CNI on the unix socket and
 * starts the refresh (conflist, readiness, node state, deleted networks, the kept flannel rules) and the garbage collector;
 * at stop it takes its files off the node when, and only when, multinet is being uninstalled. The
 * work itself lives in the classes it wires together. Nothing here starts in the operator role.
 */
@ApplicationScoped
public class NodeDaemon {

    private static final Logger LOG = Logger.getLogger(NodeDaemon.class);

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

    private KubeClusterView view;
    private Delegator delegator;
    private NodeCniFiles files;
    private NodeStateReporter reporter;
    private DeletedNetworks deleted;
    private FlannelRuleMirror flannelRules;
    private SocketServer server;
    private ScheduledExecutorService scheduler;

    void onStart(@Observes StartupEvent event) throws IOException {
        if (config.role() != Role.NODE) {
            return;
        }
        String nodeName = settings.nodeName().orElseThrow(() -> new IllegalStateException(
                "multinet.node.node-name (env NODE_NAME, from the downward API) is not set: it must be this node's Node object name"));
        ExecPluginRunner.preferVfork(); // before this process execs anything
        files = new NodeCniFiles(settings);
        files.installShim();
        HostNetwork host = new HostNetwork(settings.pluginNetns());
        view = new KubeClusterView(client, nodeName, files::primaryConfig, settings.podWait());
        delegator = new Delegator(view, new ExecPluginRunner(settings.pluginDirs(), settings.pluginTimeout(), host.commandPrefix()),
                new Delegator.Options(Path.of(settings.cacheDir()), settings.ipamDataDir(), settings.namespaceIsolation(),
                        settings.globalNamespaces().orElse(List.of()), java.time.Duration.ofSeconds(settings.shimTimeoutSeconds())),
                new DelegatorMetrics(registry));
        reporter = new NodeStateReporter(client, nodeName, host, settings.attachmentsReportInterval());
        deleted = new DeletedNetworks(host, settings.ipamDataDir());
        flannelRules = new FlannelRuleMirror(host);
        server = new SocketServer(files.socketPath(), 16, new CniEndpoint(delegator, readiness)::serve);
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "node-refresh");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(() -> safely("node refresh", this::refresh), 0, settings.refreshInterval().toMillis(),
                TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(() -> safely("garbage collection", delegator::collectGarbage), settings.gcInterval().toMillis(),
                settings.gcInterval().toMillis(), TimeUnit.MILLISECONDS);
        LOG.infof("node %s: serving CNI on %s", nodeName, files.socketPath());
    }

    void onStop(@Observes ShutdownEvent event) {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        if (config.role() == Role.NODE && files != null && uninstalling()) {
            files.removeFromNode();
            flannelRules.remove();
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
        } catch (KubernetesClientException e) {
            return e.getCode() == 401 || e.getCode() == 403;
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
        Optional<MultiNetwork> mn = view.defaultMultiNetwork();
        Optional<ClusterView.DefaultNetwork> def = view.defaultNetwork();
        if (def.isEmpty()) {
            readiness.markNotReady(mn.map(n -> "DefaultNetworkNotReady: subnet file " + n.getStatus().allocated.subnetFile + " does not exist yet")
                    .orElse("DefaultNetworkNotReady: no MultiNetwork is default and no primary CNI config was found"));
        } else {
            files.writeConflist(def.get().name());
            readiness.markReady();
        }
        // one read of the cache per refresh serves both
        Map<String, Integer> attachments = delegator.attachmentsByNetwork();
        List<MultiNetwork> networks = view.networks().getStore().list();
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
