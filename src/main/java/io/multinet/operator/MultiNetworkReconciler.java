package io.multinet.operator;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkiverse.operatorsdk.annotations.CSVMetadata;
import io.quarkiverse.operatorsdk.annotations.RBACRule;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.multinet.NetworkNames;
import io.multinet.api.nad.NetworkAttachmentDefinition;
import io.multinet.api.v1alpha1.Allocation;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.api.v1alpha1.MultiNetworkNodeState;
import io.multinet.api.v1alpha1.MultiNetworkStatus;
import io.multinet.api.v1alpha1.NetworkPlanner;
import io.multinet.api.v1alpha1.Plan;
import io.multinet.api.v1alpha1.SubnetManager;
import io.multinet.etcd.EtcdTarget;
import io.multinet.etcd.EtcdUnavailableException;
import io.multinet.etcd.FlannelStore;
import io.multinet.flannel.FlanneldDaemonSet;
import io.multinet.flannel.Lease;
import io.multinet.flannel.NetConf;

/**
 * Keeps each MultiNetwork's etcd config, flanneld DaemonSet and NetworkAttachmentDefinitions, and
 * its status. Observe, validate, then act: every network is planned together with all others, and
 * a network whose spec is rejected is left running exactly as it was last accepted. The rooms it
 * uses: EventSources (what wakes it, the caches it reads), OwnedObjects (create or put back),
 * AttachmentReconciler (NADs), EtcdTargets (where the config lives, the back-off), StatusAggregator
 * (the status, a pure function) and StatusWriter (written only on change).
 *
 * JOSDK's dependent resources were considered for the owned objects and not used: one delegator
 * DaemonSet is shared by every network, NADs go to a computed set of namespaces, drift is judged on
 * a few fields plus a spec hash, and a network whose edit is rejected must keep its objects exactly
 * as last accepted; expressing those as dependents takes more code than the ensure it replaces.
 */
@ControllerConfiguration(name = MultiNetworkReconciler.NAME)
@CSVMetadata(bundleName = "multinet", displayName = "multinet",
        description = "Gives pods several networks: each MultiNetwork runs its own flanneld (own etcd prefix, own subnet file), "
                + "writes the NetworkAttachmentDefinitions pods name in k8s.v1.cni.cncf.io/networks, and a CNI delegator on every "
                + "node attaches eth0 on the default network and net1, net2, ... on the networks a pod asks for. Per-node health "
                + "is reported in each MultiNetwork's status.",
        keywords = { "network", "cni", "flannel", "multus", "multi-network" }, maturity = "alpha", minKubeVersion = "1.25.0",
        replaces = "", provider = @CSVMetadata.Provider(name = "multinet", url = "https://multinet.io"),
        maintainers = @CSVMetadata.Maintainer(name = "multinet maintainers", email = "maintainers@multinet.io"),
        links = { @CSVMetadata.Link(name = "Documentation", url = "https://multinet.io/docs"),
                @CSVMetadata.Link(name = "Source", url = "https://multinet.io/source") },
        installModes = { @CSVMetadata.InstallMode(type = "AllNamespaces", supported = true),
                @CSVMetadata.InstallMode(type = "OwnNamespace", supported = true),
                @CSVMetadata.InstallMode(type = "SingleNamespace", supported = false),
                @CSVMetadata.InstallMode(type = "MultiNamespace", supported = false) },
        annotations = @CSVMetadata.Annotations(capabilities = "Basic Install", categories = "Networking",
                containerImage = "ghcr.io/multinet-io/multinet:0.1.0", repository = "https://multinet.io/source",
                skipRange = ">=0.0.0 <0.1.0"))
// Every rule and its reason: docs/rbac.md (a test keeps the two equal).
@RBACRule(apiGroups = MultiNetwork.GROUP, resources = "multinetworknodestates", verbs = { "get", "list", "watch" })
@RBACRule(apiGroups = "k8s.cni.cncf.io", resources = "network-attachment-definitions",
        verbs = { "get", "list", "watch", "create", "update", "delete" })
@RBACRule(apiGroups = "apps", resources = "daemonsets", verbs = { "get", "list", "watch", "create", "update", "delete" })
@RBACRule(apiGroups = "", resources = { "nodes", "pods", "namespaces" }, verbs = { "get", "list", "watch" })
@RBACRule(apiGroups = "", resources = "nodes/status", verbs = "patch")
@RBACRule(apiGroups = "", resources = { "configmaps", "serviceaccounts" }, verbs = { "get", "list", "watch", "create", "update", "delete" })
@RBACRule(apiGroups = "", resources = "secrets", verbs = "get")
// patch: a repeated Event is counted on the first one instead of created again
@RBACRule(apiGroups = "", resources = "events", verbs = { "create", "patch" })
@RBACRule(apiGroups = "rbac.authorization.k8s.io", resources = { "clusterroles", "clusterrolebindings" },
        verbs = { "get", "list", "watch", "create", "update", "delete" })
// fabric8's LeaderElector renews its Lease with PATCH: a real API server refused the election without it
@RBACRule(apiGroups = "coordination.k8s.io", resources = "leases", verbs = { "get", "create", "update", "patch" })
@RBACRule(apiGroups = "apiextensions.k8s.io", resources = "customresourcedefinitions", verbs = "get")
@RBACRule(apiGroups = "monitoring.coreos.com", resources = { "servicemonitors", "podmonitors", "prometheusrules" },
        verbs = { "get", "create", "update" })
public class MultiNetworkReconciler implements Reconciler<MultiNetwork>, Cleaner<MultiNetwork> {

    public static final String NAME = "multinetwork";
    private static final Logger LOG = Logger.getLogger(MultiNetworkReconciler.class);
    /** The node settings the admin gave the operator, read once: the process environment does not change. */
    private static final Map<String, String> NODE_SETTINGS = DelegatorDaemonSet.nodeSettings(System.getenv());

    private final KubernetesClient client;
    private final OperatorSettings settings;
    private final FlannelStore store;
    private final OperatorMetrics metrics;
    private final OwnedObjects owned;
    private final AttachmentReconciler attachments;
    private final EtcdTargets etcd;
    private final StatusWriter status;
    private final NetworkCleanup cleanup;
    /** Allocations this operator decided, ahead of the informer cache that will show them a moment later. */
    private final Map<String, Allocation> accepted = new ConcurrentHashMap<>();
    private final Map<String, ListedLeases> listedLeases = new ConcurrentHashMap<>();

    @Inject
    public MultiNetworkReconciler(KubernetesClient client, OperatorSettings settings, FlannelStore store, OperatorMetrics metrics) {
        this.client = client;
        this.settings = settings;
        this.store = store;
        this.metrics = metrics;
        this.owned = new OwnedObjects(client);
        this.attachments = new AttachmentReconciler(client);
        this.etcd = new EtcdTargets(client, settings);
        this.status = new StatusWriter(client);
        this.cleanup = new NetworkCleanup(client, settings, store, etcd, metrics, status);
    }

    @Override
    public List<EventSource<?, MultiNetwork>> prepareEventSources(EventSourceContext<MultiNetwork> ctx) {
        return EventSources.all(ctx, settings.namespace());
    }

    private static <R extends HasMetadata> List<R> cached(Context<MultiNetwork> ctx, Class<R> type, String name) {
        return EventSources.cached(ctx, type, name);
    }

    private void ensure(HasMetadata want, List<? extends HasMetadata> cache, List<String> apiErrors) {
        owned.ensureReporting(want, cache, apiErrors);
    }

    @Override
    public UpdateControl<MultiNetwork> reconcile(MultiNetwork n, Context<MultiNetwork> ctx) {
        String name = n.getMetadata().getName();
        // A stopped or cut-off informer is an empty or stale cache: acting on it would recreate what
        // exists and write a status of "no nodes" (seen when the operator was stopped mid-reconcile).
        List<String> blind = EventSources.notWatching(ctx);
        if (!blind.isEmpty()) {
            LOG.infof("network %s: not reconciled while informers %s are not watching", name, blind);
            return UpdateControl.<MultiNetwork> noUpdate().rescheduleAfter(Duration.ofSeconds(5));
        }
        // networks being deleted are planned too: they hold their prefix, CIDR and ports until deletion completes
        List<MultiNetwork> all = ctx.getPrimaryCache().list().toList();
        Plan plan = plan(all, name);
        Allocation a = plan.allocation();
        LOG.debugf("network %s: plan %s", name, plan);
        var fl = SettingsMapping.flanneld(settings);
        List<String> apiErrors = new ArrayList<>();

        ensure(DelegatorDaemonSet.desired(settings, NODE_SETTINGS), cached(ctx, DaemonSet.class, EventSources.DAEMONSETS), apiErrors);

        String etcdError = null;
        Map<String, Lease> leases = null;
        AttachmentReconciler.Result nads;
        EtcdTarget target = null;
        if (a != null && a.subnetManager == SubnetManager.ETCD) {
            try {
                target = etcd.of(n);
            } catch (EtcdUnavailableException e) {
                etcdError = e.getMessage();
            }
        }
        if (plan.valid()) {
            ensure(FlanneldDaemonSet.serviceAccount(n, fl), cached(ctx, ServiceAccount.class, EventSources.SERVICE_ACCOUNTS), apiErrors);
            if (a.subnetManager == SubnetManager.KUBE) {
                ensure(FlanneldDaemonSet.clusterRole(n), cached(ctx, ClusterRole.class, EventSources.CLUSTER_ROLES), apiErrors);
                ensure(FlanneldDaemonSet.clusterRoleBinding(n, fl), cached(ctx, ClusterRoleBinding.class, EventSources.CLUSTER_ROLE_BINDINGS),
                        apiErrors);
                ensure(FlanneldDaemonSet.netConf(n, a, fl), cached(ctx, ConfigMap.class, EventSources.CONFIGMAPS), apiErrors);
            } else if (target != null) {
                try {
                    String want = NetConf.json(n.getSpec(), a);
                    String key = Lease.configKey(a.etcdPrefix);
                    if (!store.get(target, key).map(want::equals).orElse(false)) {
                        store.put(target, key, want);
                        LOG.infof("network %s: wrote %s", name, key);
                    }
                } catch (EtcdUnavailableException e) {
                    etcdError = e.getMessage();
                }
            }
            DaemonSet flanneld = FlanneldDaemonSet.desired(n, a, fl);
            List<DaemonSet> daemonSets = cached(ctx, DaemonSet.class, EventSources.DAEMONSETS);
            if (etcdError != null && daemonSets.stream().anyMatch(d -> d.getMetadata().getName().equals(flanneld.getMetadata().getName()))) {
                // never roll a working network onto an etcd target that does not answer (an edit to a dead
                // endpoint, a missing Secret): the running flanneld keep the last target that worked
                etcdError += "; flanneld keeps running as it is until this etcd target answers";
            } else {
                ensure(flanneld, daemonSets, apiErrors);
            }
            Allocation accepted = a;
            AttachmentReconciler.Result r = OwnedObjects.reported("the NetworkAttachmentDefinitions of " + name, apiErrors, () -> attachments.reconcile(n,
                    accepted, cached(ctx, Namespace.class, EventSources.NAMESPACES),
                    cached(ctx, NetworkAttachmentDefinition.class, EventSources.NADS)));
            nads = r != null ? r : new AttachmentReconciler.Result(previousAttachments(n), List.of(), List.of());
        } else {
            nads = new AttachmentReconciler.Result(previousAttachments(n), List.of(), List.of());
        }
        if (target != null && etcdError == null) {
            try {
                leases = readLeases(name, target, a.etcdPrefix);
            } catch (EtcdUnavailableException e) {
                etcdError = e.getMessage();
            }
        }

        MultiNetworkStatus previous = status.current(n);
        MultiNetworkStatus next = StatusAggregator.aggregate(n, previous, observe(n, a, plan, ctx, leases, etcdError, nads, apiErrors),
                settings.nodeHealthCap(), Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        metrics.observe(name, next, Conditions.isTrue(next.conditions, Conditions.READY));

        Duration after = settings.resyncInterval();
        if (etcdError != null) {
            after = etcd.failed(name);
        } else {
            etcd.succeeded(name);
        }
        // checked again: the operator may have begun to stop while this reconcile ran
        if (EventSources.notWatching(ctx).isEmpty()) {
            Events.onChange(client, n, previous, next);
            if (status.write(n, previous, next)) {
                metrics.statusWritten();
            }
        }
        return UpdateControl.<MultiNetwork> noUpdate().rescheduleAfter(after);
    }

    private static List<String> previousAttachments(MultiNetwork n) {
        return n.getStatus() != null && n.getStatus().attachments != null ? n.getStatus().attachments : List.of();
    }

    /**
     * Plans every network against what this operator has already decided, not only against the
     * cache: two networks reconciled at the same moment would otherwise each see the other without
     * an allocation, take the same VNI or port, and then flip between values on later passes.
     */
    private synchronized Plan plan(List<MultiNetwork> all, String name) {
        List<MultiNetwork> view = new ArrayList<>();
        for (MultiNetwork m : all) {
            Allocation decided = accepted.get(m.getMetadata().getName());
            if (decided != null && (m.getStatus() == null || !decided.equals(m.getStatus().allocated))) {
                m = io.fabric8.kubernetes.client.utils.Serialization.clone(m);
                if (m.getStatus() == null) {
                    m.setStatus(new MultiNetworkStatus());
                }
                m.getStatus().allocated = decided;
            }
            view.add(m);
        }
        Map<String, Plan> plans = NetworkPlanner.planAll(view, SettingsMapping.planner(settings));
        plans.forEach((n, p) -> {
            if (p.allocation() != null) {
                accepted.put(n, p.allocation());
            }
        });
        return plans.get(name);
    }

    private StatusAggregator.Observed observe(MultiNetwork n, Allocation a, Plan plan, Context<MultiNetwork> ctx,
            Map<String, Lease> leases, String etcdError, AttachmentReconciler.Result nads, List<String> apiErrors) {
        String name = n.getMetadata().getName();
        Map<String, String> selector = n.getSpec() != null && n.getSpec().flanneld != null ? n.getSpec().flanneld.nodeSelector : null;
        List<Node> nodes = cached(ctx, Node.class, EventSources.NODES).stream().filter(node -> selects(selector, node)).toList();
        Map<String, Pod> flanneld = new HashMap<>();
        Map<String, Pod> delegator = new HashMap<>();
        for (Pod p : cached(ctx, Pod.class, EventSources.PODS)) {
            Map<String, String> l = p.getMetadata().getLabels();
            String node = p.getSpec() == null ? null : p.getSpec().getNodeName();
            if (node == null || l == null) {
                continue;
            }
            if (NetworkNames.COMPONENT_FLANNELD.equals(l.get(NetworkNames.LABEL_COMPONENT)) && name.equals(l.get(NetworkNames.LABEL_NETWORK))) {
                flanneld.put(node, p);
            } else if (NetworkNames.COMPONENT_DELEGATOR.equals(l.get(NetworkNames.LABEL_COMPONENT))) {
                delegator.put(node, p);
            }
        }
        Map<String, MultiNetworkNodeState> states = cached(ctx, MultiNetworkNodeState.class, EventSources.NODE_STATES).stream()
                .collect(Collectors.toMap(s -> s.getMetadata().getName(), s -> s, (x, y) -> x));
        DaemonSet ds = a == null ? null : cached(ctx, DaemonSet.class, EventSources.DAEMONSETS).stream()
                .filter(d -> d.getMetadata().getName().equals(NetworkNames.flanneldDaemonSet(name))).findFirst().orElse(null);
        return new StatusAggregator.Observed(plan, nodes, flanneld, delegator, states, leases, etcdError, ds, nads.attachments(),
                nads.conflicts(), apiErrors, nads.notices(), a != null && a.subnetManager == SubnetManager.KUBE ? StockFlannel.find(client) : null);
    }

    static boolean selects(Map<String, String> selector, Node node) {
        Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
        return selector == null || selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    /**
     * A network's leases, listed again only when its subnets range changed: at 5,000 nodes every
     * reconcile listed and parsed 5,000 leases, 20 times per node change, and that was most of a
     * reconcile's work. One small version request per reconcile tells whether the last list stands.
     */
    private Map<String, Lease> readLeases(String network, EtcdTarget target, String prefix) {
        String range = Lease.subnetsPrefix(prefix);
        FlannelStore.RangeVersion version = store.version(target, range);
        ListedLeases last = listedLeases.get(network);
        if (last != null && last.target().equals(target) && last.range().equals(range) && last.version().equals(version)) {
            return last.byIp();
        }
        Map<String, Lease> byIp = new HashMap<>();
        store.list(target, range).forEach((k, v) -> Lease.parse(prefix, k, v).ifPresent(l -> byIp.put(l.publicIp(), l)));
        // listed after the version: a write in between makes the next reconcile list again, never miss it
        ListedLeases listed = new ListedLeases(target, range, version, Map.copyOf(byIp));
        listedLeases.put(network, listed);
        return listed.byIp();
    }

    private record ListedLeases(EtcdTarget target, String range, FlannelStore.RangeVersion version, Map<String, Lease> byIp) {
    }

    /** Deletion (NetworkCleanup); this operator's memory of the network goes once it is done. */
    @Override
    public DeleteControl cleanup(MultiNetwork n, Context<MultiNetwork> ctx) {
        DeleteControl result = cleanup.cleanup(n, accepted.get(n.getMetadata().getName()));
        if (result.isRemoveFinalizer()) {
            accepted.remove(n.getMetadata().getName());
            listedLeases.remove(n.getMetadata().getName());
            status.forget(n.getMetadata().getName());
            metrics.forget(n.getMetadata().getName());
        }
        return result;
    }
}
