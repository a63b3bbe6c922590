package io.multinet.operator;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.PrimaryToSecondaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.multinet.NetworkNames;
import io.multinet.api.nad.NetworkAttachmentDefinition;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.api.v1alpha1.MultiNetworkNodeState;

/**
 * What wakes a MultiNetwork's reconcile, and the caches the reconcile reads instead of asking the
 * API server: one informer per kind the operator watches or owns, each mapped to the networks it
 * concerns (by the network label where there is one, else to every network).
 */
final class EventSources {

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

    /**
     * The reconciler reads its secondaries by listing the caches ({@link #cached}), never per primary.
     * Without a primary-to-secondary mapper the SDK would keep an index from every network to every
     * object that maps to it: delegator pods, Nodes and node states map to all 20 networks, which made
     * 400,000 index entries at 5,000 nodes, a tenth of the operator's heap, read by nobody.
     */
    static final PrimaryToSecondaryMapper<MultiNetwork> NO_PER_PRIMARY_INDEX = primary -> Set.of();

    private EventSources() {
    }

    static List<EventSource<?, MultiNetwork>> all(EventSourceContext<MultiNetwork> ctx, String operatorNamespace) {
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
                informer(ctx, Node.class, NODES, all, null, null, SlimStore.nodes()),
                // pods only as the status needs them: the whole pods would be most of the operator's heap at scale
                informer(ctx, Pod.class, PODS, byNetwork, ours, operatorNamespace, SlimStore.pods()),
                informer(ctx, DaemonSet.class, DAEMONSETS, byNetwork, managed, operatorNamespace, null),
                informer(ctx, NetworkAttachmentDefinition.class, NADS, byNetwork, managed, null, null),
                informer(ctx, Namespace.class, NAMESPACES, all, null, null, null),
                informer(ctx, MultiNetworkNodeState.class, NODE_STATES, all, null, null, null),
                // flanneld's own objects: read from caches rather than a GET each per reconcile, and a
                // deleted one is put back at once instead of at the next resync
                informer(ctx, ServiceAccount.class, SERVICE_ACCOUNTS, byNetwork, managed, operatorNamespace, null),
                informer(ctx, ConfigMap.class, CONFIGMAPS, byNetwork, managed, operatorNamespace, null),
                informer(ctx, ClusterRole.class, CLUSTER_ROLES, byNetwork, managed, null, null),
                informer(ctx, ClusterRoleBinding.class, CLUSTER_ROLE_BINDINGS, byNetwork, managed, null, null),
                networks(ctx, all));
    }

    /**
     * Other networks matter only through their spec (conflicts) and their existence: a status write
     * of one network must not wake all the others, or every change cascades through all of them.
     */
    @SuppressWarnings({ "unchecked", "rawtypes" })
    private static EventSource<?, MultiNetwork> networks(EventSourceContext<MultiNetwork> ctx, SecondaryToPrimaryMapper all) {
        var config = InformerEventSourceConfiguration.from(MultiNetwork.class, MultiNetwork.class).withName(NETWORKS)
                .withSecondaryToPrimaryMapper((SecondaryToPrimaryMapper<MultiNetwork>) all).withPrimaryToSecondaryMapper(NO_PER_PRIMARY_INDEX)
                .withOnUpdateFilter((now, before) -> !Objects.equals(now.getMetadata().getGeneration(), before.getMetadata().getGeneration())
                        || !Objects.equals(now.getMetadata().getDeletionTimestamp(), before.getMetadata().getDeletionTimestamp()))
                .build();
        return new InformerEventSource<>(config, ctx);
    }

    @SuppressWarnings({ "unchecked", "rawtypes" })
    private static <R extends HasMetadata> EventSource<?, MultiNetwork> informer(EventSourceContext<MultiNetwork> ctx,
            Class<R> type, String name, SecondaryToPrimaryMapper mapper, String labelSelector, String namespace,
            io.fabric8.kubernetes.client.informers.cache.ItemStore<R> store) {
        var b = InformerEventSourceConfiguration.from(type, MultiNetwork.class).withName(name)
                .withSecondaryToPrimaryMapper((SecondaryToPrimaryMapper<R>) mapper).withPrimaryToSecondaryMapper(NO_PER_PRIMARY_INDEX)
                .withInformerListLimit(LIST_PAGE);
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

    /** Every informer by name, as {@link #all} declares them (the networks' own included). */
    static final Map<String, Class<? extends HasMetadata>> SOURCES = Map.ofEntries(Map.entry(NODES, Node.class), Map.entry(PODS, Pod.class),
            Map.entry(DAEMONSETS, DaemonSet.class), Map.entry(NADS, NetworkAttachmentDefinition.class), Map.entry(NAMESPACES, Namespace.class),
            Map.entry(NODE_STATES, MultiNetworkNodeState.class), Map.entry(SERVICE_ACCOUNTS, ServiceAccount.class),
            Map.entry(CONFIGMAPS, ConfigMap.class), Map.entry(CLUSTER_ROLES, ClusterRole.class),
            Map.entry(CLUSTER_ROLE_BINDINGS, ClusterRoleBinding.class), Map.entry(NETWORKS, MultiNetwork.class));

    /**
     * The informers that are not watching: stopped (the operator is shutting down) or cut off. What
     * they hold is no longer the cluster, so nothing may be decided from them.
     */
    static List<String> notWatching(Context<MultiNetwork> ctx) {
        return SOURCES.entrySet().stream()
                .filter(e -> ctx.eventSourceRetriever().getEventSourceFor(e.getValue(), e.getKey()).getStatus()
                        == io.javaoperatorsdk.operator.health.Status.UNHEALTHY)
                .map(Map.Entry::getKey).sorted().toList();
    }

    /** Everything one informer holds. */
    @SuppressWarnings("unchecked")
    static <R extends HasMetadata> List<R> cached(Context<MultiNetwork> ctx, Class<R> type, String name) {
        return ((InformerEventSource<R, MultiNetwork>) ctx.eventSourceRetriever().getEventSourceFor(type, name)).list().toList();
    }
}
