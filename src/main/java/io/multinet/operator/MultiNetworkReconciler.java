package io.multinet.operator;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.quarkiverse.operatorsdk.annotations.CSVMetadata;
import io.quarkiverse.operatorsdk.annotations.RBACRule;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
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
 * a network whose spec is rejected is left running exactly as it was last accepted.
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
                @CSVMetadata.InstallMode(type = "OwnNamespace", supported = false),
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
@RBACRule(apiGroups = "", resources = "events", verbs = "create")
@RBACRule(apiGroups = "rbac.authorization.k8s.io", resources = { "clusterroles", "clusterrolebindings" },
        verbs = { "get", "list", "watch", "create", "update", "delete" })
// fabric8's LeaderElector renews its Lease with PATCH: a real API server refused the election without it
@RBACRule(apiGroups = "coordination.k8s.io", resources = "leases", verbs = { "get", "create", "update", "patch" })
@RBACRule(apiGroups = "apiextensions.k8s.io", resources = "customresourcedefinitions", verbs = "get")
@RBACRule(apiGroups = "monitoring.coreos.com", resources = { "servicemonitors", "podmonitors", "prometheusrules" },
        verbs = { "get", "create", "update" })
public class MultiNetworkReconciler implements Reconciler<MultiNetwork>, Cleaner<MultiNetwork> {

    public static final String NAME = "multinetwork";
    static final String NODES = "nodes";
    static final String PODS = "pods";
    static final String DAEMONSETS = "daemonsets";
    static final String NADS = "nads";
    static final String NAMESPACES = "namespaces";
    static final String NODE_STATES = "nodestates";
    static final String NETWORKS = "networks";
    static final String SERVICE_ACCOUNTS = "serviceaccounts";
    static final String CONFIGMAPS = "configmaps";
    static final String CLUSTER_ROLES = "clusterroles";
    static final String CLUSTER_ROLE_BINDINGS = "clusterrolebindings";
    /**
     * Informers list in pages: the first list of 21,000 flanneld and delegator pods (1,000 nodes, 20
     * networks) in one response would have to fit in the heap whole before a single pod is slimmed.
     */
    static final long LIST_PAGE = 500;
    /** Hash of the desired DaemonSet spec, so defaults an API server adds never look like drift. */
    static final String SPEC_HASH = NetworkNames.GROUP + "/spec-hash";
    private static final Logger LOG = Logger.getLogger(MultiNetworkReconciler.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    private final OperatorSettings settings;
    private final FlannelStore store;
    private final OperatorMetrics metrics;
    private final Map<String, Integer> etcdFailures = new ConcurrentHashMap<>();
    /** The last status written per network, with the version of the object it was computed from. */
    private record Written(String uid, String basedOn, MultiNetworkStatus status) {
    }

    private final Map<String, Written> written = new ConcurrentHashMap<>();

    /**
     * The status the network has now. A reconcile that starts before the informer has delivered this
     * operator's last status write sees the object it was computed from: then the status is what was
     * written, not the stale copy, or the same status would be written twice (and Events repeated).
     * Any other change to the object (a new resourceVersion) makes the cached copy the truth again.
     */
    private MultiNetworkStatus lastKnownStatus(MultiNetwork n) {
        Written w = written.get(n.getMetadata().getName());
        if (w != null && Objects.equals(w.uid(), n.getMetadata().getUid()) && Objects.equals(w.basedOn(), n.getMetadata().getResourceVersion())) {
            return w.status();
        }
        return n.getStatus();
    }

    /** Allocations this operator decided, ahead of the informer cache that will show them a moment later. */
    private final Map<String, Allocation> accepted = new ConcurrentHashMap<>();

    @Inject
    public MultiNetworkReconciler(KubernetesClient client, OperatorSettings settings, FlannelStore store, OperatorMetrics metrics) {
        this.client = client;
        this.settings = settings;
        this.store = store;
        this.metrics = metrics;
    }

    @Override
    public List<EventSource<?, MultiNetwork>> prepareEventSources(EventSourceContext<MultiNetwork> ctx) {
        // Nodes, delegator pods, node states and other networks concern every network.
        SecondaryToPrimaryMapper<HasMetadata> all = r -> ctx.getPrimaryCache().list().map(ResourceID::fromResource)
                .collect(Collectors.toSet());
        SecondaryToPrimaryMapper<HasMetadata> byNetwork = r -> {
            Map<String, String> labels = r.getMetadata().getLabels();
            String net = labels == null ? null : labels.get(NetworkNames.LABEL_NETWORK);
            return net != null ? Set.of(new ResourceID(net)) : all.toPrimaryResourceIDs(r);
        };
        String managed = NetworkNames.LABEL_MANAGED_BY + "=" + NetworkNames.MANAGER;
        String ours = NetworkNames.LABEL_NAME + "=" + NetworkNames.APP;
        return List.of(
                informer(ctx, Node.class, NODES, all, null, null),
                // pods only as the status needs them: the whole pods would be most of the operator's heap at scale
                informer(ctx, Pod.class, PODS, byNetwork, ours, settings.namespace(), new SlimPodStore()),
                informer(ctx, DaemonSet.class, DAEMONSETS, byNetwork, managed, settings.namespace()),
                informer(ctx, NetworkAttachmentDefinition.class, NADS, byNetwork, managed, null),
                informer(ctx, Namespace.class, NAMESPACES, all, null, null),
                informer(ctx, MultiNetworkNodeState.class, NODE_STATES, all, null, null),
                // flanneld's own objects: read from caches rather than a GET each per reconcile, and a
                // deleted one is put back at once instead of at the next resync
                informer(ctx, ServiceAccount.class, SERVICE_ACCOUNTS, byNetwork, managed, settings.namespace()),
                informer(ctx, ConfigMap.class, CONFIGMAPS, byNetwork, managed, settings.namespace()),
                informer(ctx, ClusterRole.class, CLUSTER_ROLES, byNetwork, managed, null),
                informer(ctx, ClusterRoleBinding.class, CLUSTER_ROLE_BINDINGS, byNetwork, managed, null),
                networksInformer(ctx, all));
    }

    /**
     * Other networks matter only through their spec (conflicts) and their existence: a status write
     * of one network must not wake all the others, or every change cascades through all of them.
     */
    @SuppressWarnings({ "unchecked", "rawtypes" })
    private static EventSource<?, MultiNetwork> networksInformer(EventSourceContext<MultiNetwork> ctx, SecondaryToPrimaryMapper all) {
        var config = InformerEventSourceConfiguration.from(MultiNetwork.class, MultiNetwork.class).withName(NETWORKS)
                .withSecondaryToPrimaryMapper((SecondaryToPrimaryMapper<MultiNetwork>) all)
                .withOnUpdateFilter((now, before) -> !Objects.equals(now.getMetadata().getGeneration(), before.getMetadata().getGeneration())
                        || !Objects.equals(now.getMetadata().getDeletionTimestamp(), before.getMetadata().getDeletionTimestamp()))
                .build();
        return new InformerEventSource<>(config, ctx);
    }

    @SuppressWarnings({ "unchecked", "rawtypes" })
    private static <R extends HasMetadata> EventSource<?, MultiNetwork> informer(EventSourceContext<MultiNetwork> ctx,
            Class<R> type, String name, SecondaryToPrimaryMapper mapper, String labelSelector, String namespace) {
        return informer(ctx, type, name, mapper, labelSelector, namespace, null);
    }

    @SuppressWarnings({ "unchecked", "rawtypes" })
    private static <R extends HasMetadata> EventSource<?, MultiNetwork> informer(EventSourceContext<MultiNetwork> ctx,
            Class<R> type, String name, SecondaryToPrimaryMapper mapper, String labelSelector, String namespace,
            io.fabric8.kubernetes.client.informers.cache.ItemStore<R> store) {
        var b = InformerEventSourceConfiguration.from(type, MultiNetwork.class).withName(name)
                .withSecondaryToPrimaryMapper((SecondaryToPrimaryMapper<R>) mapper).withInformerListLimit(LIST_PAGE);
        if (store != null) {
            b.withItemStore(store);
        }
        if (labelSelector != null) {
            b.withLabelSelector(labelSelector);
        }
        if (namespace != null) {
            b.withNamespaces(namespace);
        } else if (io.fabric8.kubernetes.api.model.Namespaced.class.isAssignableFrom(type)) {
            b.withWatchAllNamespaces();
        }
        return new InformerEventSource<>(b.build(), ctx);
    }

    @SuppressWarnings("unchecked")
    private static <R extends HasMetadata> List<R> cached(Context<MultiNetwork> ctx, Class<R> type, String name) {
        return ((InformerEventSource<R, MultiNetwork>) ctx.eventSourceRetriever().getEventSourceFor(type, name)).list().toList();
    }

    @Override
    public UpdateControl<MultiNetwork> reconcile(MultiNetwork n, Context<MultiNetwork> ctx) {
        String name = n.getMetadata().getName();
        List<MultiNetwork> all = ctx.getPrimaryCache().list().filter(m -> m.getMetadata().getDeletionTimestamp() == null
                || m.getMetadata().getName().equals(name)).toList();
        Plan plan = plan(all, name);
        Allocation a = plan.allocation();
        LOG.debugf("network %s: plan %s", name, plan);
        var fl = SettingsMapping.flanneld(settings);

        ensure(DelegatorDaemonSet.desired(settings), cached(ctx, DaemonSet.class, DAEMONSETS));

        String etcdError = null;
        Map<String, Lease> leases = null;
        List<String> attachments = new ArrayList<>();
        List<String> conflicts = new ArrayList<>();
        EtcdTarget target = null;
        if (a != null && a.subnetManager == SubnetManager.ETCD) {
            try {
                target = etcdTarget(n);
            } catch (EtcdUnavailableException e) {
                etcdError = e.getMessage();
            }
        }
        if (plan.valid()) {
            ensure(FlanneldDaemonSet.serviceAccount(n, fl), cached(ctx, ServiceAccount.class, SERVICE_ACCOUNTS));
            if (a.subnetManager == SubnetManager.KUBE) {
                ensure(FlanneldDaemonSet.clusterRole(n), cached(ctx, ClusterRole.class, CLUSTER_ROLES));
                ensure(FlanneldDaemonSet.clusterRoleBinding(n, fl), cached(ctx, ClusterRoleBinding.class, CLUSTER_ROLE_BINDINGS));
                ensure(FlanneldDaemonSet.netConf(n, a, fl), cached(ctx, ConfigMap.class, CONFIGMAPS));
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
            ensure(FlanneldDaemonSet.desired(n, a, fl), cached(ctx, DaemonSet.class, DAEMONSETS));
            reconcileAttachments(n, a, ctx, attachments, conflicts);
        } else if (n.getStatus() != null && n.getStatus().attachments != null) {
            attachments.addAll(n.getStatus().attachments);
        }
        if (target != null && etcdError == null) {
            try {
                leases = readLeases(target, a.etcdPrefix);
            } catch (EtcdUnavailableException e) {
                etcdError = e.getMessage();
            }
        }

        MultiNetworkStatus previous = lastKnownStatus(n);
        MultiNetworkStatus status = StatusAggregator.aggregate(n, previous, observe(n, a, plan, ctx, leases, etcdError, attachments, conflicts),
                settings.nodeHealthCap(), Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        Events.onChange(client, n, previous, status);
        metrics.observe(name, status, Conditions.isTrue(status.conditions, Conditions.READY));

        Duration next = settings.resyncInterval();
        if (etcdError != null) {
            int failures = etcdFailures.merge(name, 1, Integer::sum);
            long ms = Math.min(settings.etcdRetryMax().toMillis(), settings.etcdRetryMin().toMillis() << Math.min(failures - 1, 20));
            next = Duration.ofMillis(ms);
        } else {
            etcdFailures.remove(name);
        }
        if (sameStatus(previous, status)) {
            return UpdateControl.<MultiNetwork> noUpdate().rescheduleAfter(next);
        }
        writeStatus(name, status);
        written.put(name, new Written(n.getMetadata().getUid(), n.getMetadata().getResourceVersion(), status));
        metrics.statusWritten();
        return UpdateControl.<MultiNetwork> noUpdate().rescheduleAfter(next);
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
            Map<String, Lease> leases, String etcdError, List<String> attachments, List<String> conflicts) {
        String name = n.getMetadata().getName();
        Map<String, String> selector = n.getSpec() != null && n.getSpec().flanneld != null ? n.getSpec().flanneld.nodeSelector : null;
        List<Node> nodes = cached(ctx, Node.class, NODES).stream().filter(node -> selects(selector, node)).toList();
        Map<String, Pod> flanneld = new HashMap<>();
        Map<String, Pod> delegator = new HashMap<>();
        for (Pod p : cached(ctx, Pod.class, PODS)) {
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
        Map<String, MultiNetworkNodeState> states = cached(ctx, MultiNetworkNodeState.class, NODE_STATES).stream()
                .collect(Collectors.toMap(s -> s.getMetadata().getName(), s -> s, (x, y) -> x));
        DaemonSet ds = a == null ? null : cached(ctx, DaemonSet.class, DAEMONSETS).stream()
                .filter(d -> d.getMetadata().getName().equals(NetworkNames.flanneldDaemonSet(name))).findFirst().orElse(null);
        return new StatusAggregator.Observed(plan, nodes, flanneld, delegator, states, leases, etcdError, ds, attachments, conflicts);
    }

    static boolean selects(Map<String, String> selector, Node node) {
        Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
        return selector == null || selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    private Map<String, Lease> readLeases(EtcdTarget target, String prefix) {
        Map<String, Lease> byIp = new HashMap<>();
        store.list(target, Lease.subnetsPrefix(prefix)).forEach((k, v) -> Lease.parse(prefix, k, v)
                .ifPresent(l -> byIp.put(l.publicIp(), l)));
        return byIp;
    }

    /** NADs in every target namespace; owned ones elsewhere are removed; a foreign NAD of the same name is left alone. */
    private void reconcileAttachments(MultiNetwork n, Allocation a, Context<MultiNetwork> ctx, List<String> written,
            List<String> conflicts) {
        String network = n.getMetadata().getName();
        Set<String> targets = targetNamespaces(n, cached(ctx, Namespace.class, NAMESPACES));
        List<NetworkAttachmentDefinition> owned = cached(ctx, NetworkAttachmentDefinition.class, NADS).stream()
                .filter(x -> Attachments.ownedBy(x, network)).toList();
        for (String ns : targets) {
            NetworkAttachmentDefinition want = Attachments.desired(n, a, ns);
            String nadName = want.getMetadata().getName();
            NetworkAttachmentDefinition have = owned.stream().filter(x -> ns.equals(x.getMetadata().getNamespace())
                    && nadName.equals(x.getMetadata().getName())).findFirst()
                    .orElseGet(() -> client.resources(NetworkAttachmentDefinition.class).inNamespace(ns).withName(nadName).get());
            if (have != null && !Attachments.ownedBy(have, network)) {
                conflicts.add("NetworkAttachmentDefinition " + ns + "/" + nadName + " exists and is not managed by multinet;"
                        + " it was left as it is (delete it or choose another spec.attachment.name)");
                continue;
            }
            if (have == null) {
                client.resource(want).create();
            } else if (!Attachments.matches(have, want)) {
                want.getMetadata().setResourceVersion(null);
                client.resource(want).update();
                LOG.infof("network %s: restored NetworkAttachmentDefinition %s/%s", network, ns, nadName);
            }
            written.add(ns + "/" + nadName);
        }
        for (NetworkAttachmentDefinition x : owned) {
            if (!written.contains(x.getMetadata().getNamespace() + "/" + x.getMetadata().getName())) {
                client.resource(x).delete();
                LOG.infof("network %s: removed NetworkAttachmentDefinition %s/%s", network, x.getMetadata().getNamespace(),
                        x.getMetadata().getName());
            }
        }
    }

    static Set<String> targetNamespaces(MultiNetwork n, List<Namespace> namespaces) {
        Set<String> existing = namespaces.stream().filter(ns -> ns.getMetadata().getDeletionTimestamp() == null)
                .map(ns -> ns.getMetadata().getName()).collect(Collectors.toSet());
        Set<String> out = new LinkedHashSet<>();
        for (String ns : NetworkPlanner.attachmentNamespaces(n.getSpec())) {
            if (existing.contains(ns)) {
                out.add(ns);
            }
        }
        LabelSelector sel = n.getSpec().attachment == null ? null : n.getSpec().attachment.namespaceSelector;
        if (sel != null) {
            for (Namespace ns : namespaces) {
                if (ns.getMetadata().getDeletionTimestamp() == null && LabelSelectors.matches(sel, ns.getMetadata().getLabels())) {
                    out.add(ns.getMetadata().getName());
                }
            }
        }
        return out;
    }

    /** Creates or puts back one object; writes only when it is missing or differs from the desired state. */
    private void ensure(HasMetadata want, List<? extends HasMetadata> cache) {
        HasMetadata have = cache == null ? null : cache.stream().filter(h -> h.getMetadata().getName().equals(want.getMetadata().getName())
                && Objects.equals(h.getMetadata().getNamespace(), want.getMetadata().getNamespace())).findFirst().orElse(null);
        if (have == null) {
            have = client.resource(want).get();
        }
        if (want instanceof DaemonSet ds) {
            ds.getMetadata().setAnnotations(Map.of(SPEC_HASH, Integer.toHexString(
                    io.fabric8.kubernetes.client.utils.Serialization.asJson(ds.getSpec()).hashCode())));
        }
        if (have == null) {
            try {
                client.resource(want).create();
            } catch (KubernetesClientException e) {
                // the shared delegator DaemonSet may be created by another network's reconcile at the same moment
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        } else if (drifted(have, want)) {
            LOG.infof("restoring %s %s/%s", want.getKind(), want.getMetadata().getNamespace(), want.getMetadata().getName());
            client.resource(want).update();
        }
    }

    static boolean drifted(HasMetadata have, HasMetadata want) {
        if (want instanceof DaemonSet w && have instanceof DaemonSet h) {
            Container wc = w.getSpec().getTemplate().getSpec().getContainers().get(0);
            Container hc = h.getSpec().getTemplate().getSpec().getContainers().stream()
                    .filter(c -> c.getName().equals(wc.getName())).findFirst().orElse(null);
            return hc == null || !Objects.equals(hc.getArgs(), wc.getArgs()) || !Objects.equals(hc.getImage(), wc.getImage())
                    || !Objects.equals(hc.getEnv(), wc.getEnv())
                    || !Objects.equals(annotation(h, SPEC_HASH), annotation(w, SPEC_HASH));
        }
        if (want instanceof ConfigMap w && have instanceof ConfigMap h) {
            return !Objects.equals(w.getData(), h.getData());
        }
        if (want instanceof io.fabric8.kubernetes.api.model.rbac.ClusterRole w
                && have instanceof io.fabric8.kubernetes.api.model.rbac.ClusterRole h) {
            return !Objects.equals(w.getRules(), h.getRules());
        }
        return false;
    }

    private static String annotation(HasMetadata h, String key) {
        return h.getMetadata().getAnnotations() == null ? null : h.getMetadata().getAnnotations().get(key);
    }

    /** Resolves endpoints and secrets; a missing Secret names itself and the field that points at it. */
    EtcdTarget etcdTarget(MultiNetwork n) {
        var fl = SettingsMapping.flanneld(settings);
        List<String> endpoints = FlanneldDaemonSet.etcdEndpoints(n.getSpec(), fl);
        String tlsName = FlanneldDaemonSet.tlsSecret(n.getSpec(), fl);
        String credName = FlanneldDaemonSet.credentialsSecret(n.getSpec(), fl);
        EtcdTarget.Tls tls = null;
        String user = null;
        String password = null;
        if (tlsName != null) {
            Map<String, String> d = secret(tlsName, "spec.etcd.tlsSecret", "ca.crt", "tls.crt", "tls.key");
            tls = new EtcdTarget.Tls(d.get("ca.crt"), d.get("tls.crt"), d.get("tls.key"));
        }
        if (credName != null) {
            Map<String, String> d = secret(credName, "spec.etcd.credentialsSecret", "username", "password");
            user = d.get("username");
            password = d.get("password");
        }
        return new EtcdTarget(endpoints, tls, user, password);
    }

    private Map<String, String> secret(String name, String field, String... keys) {
        Secret s;
        try {
            s = client.secrets().inNamespace(settings.namespace()).withName(name).get();
        } catch (KubernetesClientException e) {
            throw new EtcdUnavailableException("cannot read Secret " + settings.namespace() + "/" + name + " (" + field + ")", e);
        }
        if (s == null) {
            throw new EtcdUnavailableException("Secret " + settings.namespace() + "/" + name + " (" + field + ") does not exist", null);
        }
        Map<String, String> out = new HashMap<>();
        for (String k : keys) {
            String v = s.getData() == null ? null : s.getData().get(k);
            if (v == null) {
                throw new EtcdUnavailableException("Secret " + settings.namespace() + "/" + name + " (" + field + ") has no key " + k, null);
            }
            out.put(k, new String(Base64.getDecoder().decode(v), java.nio.charset.StandardCharsets.UTF_8));
        }
        return out;
    }

    /**
     * One JSON Patch that sets the whole status: no diff against a cached copy (which may be stale or
     * lack a status), and keys that disappeared, such as a reason no node has any more, go with it.
     */
    private void writeStatus(String name, MultiNetworkStatus status) {
        try {
            String body = "[{\"op\":\"add\",\"path\":\"/status\",\"value\":" + JSON.writeValueAsString(status) + "}]";
            // patched through a bare item: patching by name makes the client GET the object first
            MultiNetwork bare = new MultiNetwork();
            bare.getMetadata().setName(name);
            client.resources(MultiNetwork.class).resource(bare).subresource("status")
                    .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(io.fabric8.kubernetes.client.dsl.base.PatchType.JSON), body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("status of " + name + " cannot be serialized", e);
        }
    }

    static boolean sameStatus(MultiNetworkStatus a, MultiNetworkStatus b) {
        return a != null && JSON.valueToTree(a).equals(JSON.valueToTree(b));
    }

    /**
     * Deletion: the flanneld DaemonSet goes first and its pods must be gone before the etcd prefix
     * is removed, or a still-running flanneld would recreate its lease under a deleted network.
     */
    @Override
    public DeleteControl cleanup(MultiNetwork n, Context<MultiNetwork> ctx) {
        String name = n.getMetadata().getName();
        String ns = settings.namespace();
        client.apps().daemonSets().inNamespace(ns).withName(NetworkNames.flanneldDaemonSet(name)).delete();
        boolean podsLeft = !client.pods().inNamespace(ns).withLabel(NetworkNames.LABEL_NETWORK, name)
                .withLabel(NetworkNames.LABEL_COMPONENT, NetworkNames.COMPONENT_FLANNELD).list().getItems().isEmpty();
        boolean dsLeft = client.apps().daemonSets().inNamespace(ns).withName(NetworkNames.flanneldDaemonSet(name)).get() != null;
        if (podsLeft || dsLeft) {
            return DeleteControl.noFinalizerRemoval().rescheduleAfter(Duration.ofSeconds(1));
        }
        for (NetworkAttachmentDefinition nad : client.resources(NetworkAttachmentDefinition.class).inAnyNamespace()
                .withLabel(NetworkNames.LABEL_NETWORK, name).list().getItems()) {
            if (Attachments.ownedBy(nad, name)) {
                client.resource(nad).delete();
            }
        }
        client.configMaps().inNamespace(ns).withName(FlanneldDaemonSet.netConfConfigMap(name)).delete();
        client.serviceAccounts().inNamespace(ns).withName(NetworkNames.flanneldDaemonSet(name)).delete();
        client.rbac().clusterRoleBindings().withName(FlanneldDaemonSet.rbacName(name)).delete();
        client.rbac().clusterRoles().withName(FlanneldDaemonSet.rbacName(name)).delete();
        Allocation a = n.getStatus() == null ? null : n.getStatus().allocated;
        // Only a prefix this network was accepted with is its own: a rejected spec may name another network's.
        if (a != null && a.etcdPrefix != null) {
            try {
                long deleted = store.deletePrefix(etcdTarget(n), a.etcdPrefix + "/");
                LOG.infof("network %s deleted: removed %d etcd keys under %s/", name, deleted, a.etcdPrefix);
            } catch (EtcdUnavailableException e) {
                Events.warn(client, n, "EtcdUnavailable", "cannot remove etcd prefix " + a.etcdPrefix + " yet: " + e.getMessage());
                int failures = etcdFailures.merge(name, 1, Integer::sum);
                return DeleteControl.noFinalizerRemoval().rescheduleAfter(Math.min(settings.etcdRetryMax().toMillis(),
                        settings.etcdRetryMin().toMillis() << Math.min(failures - 1, 20)));
            }
        }
        etcdFailures.remove(name);
        accepted.remove(name);
        written.remove(name);
        metrics.forget(name);
        return DeleteControl.defaultDelete();
    }
}
