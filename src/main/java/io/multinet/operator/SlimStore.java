package io.multinet.operator;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeSpec;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.multinet.NetworkNames;

/**
 * The operator's caches of the objects it has most of: one flanneld pod per node per network plus a
 * delegator pod per node (105,000 pods at 5,000 nodes with 20 networks), and the Nodes, whose
 * kubelet-written status (images, capacity, node info) is kilobytes each. The status reads only a few
 * fields of them, so only those are kept, and what thousands of them repeat (the namespace, the
 * label maps, the node name, the Ready condition) is kept once ({@link Interner}). The fabric8 model
 * allocates every list and map of an object up front; the slim objects carry shared empty ones
 * instead. Whoever reads these caches sees the kept fields and nothing else, and must not change
 * what it reads (event handlers still get whole objects).
 */
final class SlimStore<T extends HasMetadata> implements ItemStore<T> {

    /** The labels of a pod anyone reads: which of multinet's components it is, and for which network. */
    static final List<String> POD_LABELS = List.of(NetworkNames.LABEL_NAME, NetworkNames.LABEL_COMPONENT, NetworkNames.LABEL_MANAGED_BY,
            NetworkNames.LABEL_NETWORK);

    private final BasicItemStore<T> store = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);
    private final Interner interner = new Interner();
    private final BiFunction<T, Interner, T> slim;

    private SlimStore(BiFunction<T, Interner, T> slim) {
        this.slim = slim;
    }

    static SlimStore<Pod> pods() {
        return new SlimStore<>(SlimStore::slim);
    }

    static SlimStore<Node> nodes() {
        return new SlimStore<>(SlimStore::slim);
    }

    /** A pod as the status reads it: node, multinet's labels, phase, the Ready condition, deletion. */
    static Pod slim(Pod p, Interner in) {
        Pod out = new Pod();
        out.setAdditionalProperties(Map.of());
        out.setMetadata(meta(p.getMetadata(), in, false));
        PodSpec spec = new PodSpec();
        spec.setNodeName(p.getSpec() == null ? null : in.intern(p.getSpec().getNodeName()));
        out.setSpec(in.intern(empty(spec)));
        PodStatus status = new PodStatus();
        if (p.getStatus() != null) {
            status.setPhase(in.intern(p.getStatus().getPhase()));
            status.setConditions(readyOnly(p.getStatus().getConditions(), PodCondition::getType, PodCondition::getStatus, s -> {
                PodCondition r = new PodCondition();
                r.setAdditionalProperties(Map.of());
                r.setType("Ready");
                r.setStatus(s);
                return r;
            }, in));
        }
        out.setStatus(in.intern(empty(status)));
        return out;
    }

    static Pod slim(Pod p) {
        return slim(p, new Interner());
    }

    /** A node as the status reads it: labels (for node selectors), pod CIDR, addresses, the Ready condition. */
    static Node slim(Node n, Interner in) {
        Node out = new Node();
        out.setAdditionalProperties(Map.of());
        out.setMetadata(meta(n.getMetadata(), in, true));
        NodeSpec spec = new NodeSpec();
        spec.setAdditionalProperties(Map.of());
        spec.setPodCIDRs(List.of());
        spec.setTaints(List.of());
        if (n.getSpec() != null) {
            spec.setPodCIDR(n.getSpec().getPodCIDR());
        }
        out.setSpec(spec);
        NodeStatus status = new NodeStatus();
        status.setAdditionalProperties(Map.of());
        status.setAllocatable(Map.of());
        status.setCapacity(Map.of());
        status.setImages(List.of());
        status.setRuntimeHandlers(List.of());
        status.setVolumesAttached(List.of());
        status.setVolumesInUse(List.of());
        status.setAddresses(List.of());
        status.setConditions(List.of());
        if (n.getStatus() != null) {
            if (n.getStatus().getAddresses() != null) {
                status.setAddresses(n.getStatus().getAddresses().stream().map(a -> {
                    NodeAddress r = new NodeAddress(a.getAddress(), in.intern(a.getType()));
                    r.setAdditionalProperties(Map.of());
                    return r;
                }).toList());
            }
            status.setConditions(readyOnly(n.getStatus().getConditions(), NodeCondition::getType, NodeCondition::getStatus, s -> {
                NodeCondition r = new NodeCondition();
                r.setAdditionalProperties(Map.of());
                r.setType("Ready");
                r.setStatus(s);
                return r;
            }, in));
        }
        out.setStatus(status);
        return out;
    }

    static Node slim(Node n) {
        return slim(n, new Interner());
    }

    /**
     * The Ready condition alone (type and status: all the status reads), shared: every ready pod or
     * node holds the same list. The model's condition classes share no type, hence the accessors.
     */
    private static <C> List<C> readyOnly(List<C> all, Function<C, String> type, Function<C, String> status,
            Function<String, C> ready, Interner in) {
        return in.intern(all == null ? List.of() : all.stream().filter(c -> "Ready".equals(type.apply(c)))
                .map(c -> in.intern(ready.apply(in.intern(status.apply(c))))).toList());
    }

    private static ObjectMeta meta(ObjectMeta m, Interner in, boolean allLabels) {
        ObjectMeta out = new ObjectMeta();
        out.setAdditionalProperties(Map.of());
        out.setAnnotations(Map.of());
        out.setFinalizers(List.of());
        out.setManagedFields(List.of());
        out.setOwnerReferences(List.of());
        out.setName(m.getName());
        out.setNamespace(in.intern(m.getNamespace()));
        out.setResourceVersion(m.getResourceVersion());
        out.setDeletionTimestamp(m.getDeletionTimestamp());
        Map<String, String> labels = new LinkedHashMap<>();
        if (m.getLabels() != null) {
            m.getLabels().forEach((k, v) -> {
                if (allLabels || POD_LABELS.contains(k)) {
                    labels.put(in.intern(k), in.intern(v));
                }
            });
        }
        // pods repeat one of 21 label maps; a node's own (its hostname) differ, their keys and most values do not
        out.setLabels(allLabels ? Map.copyOf(labels) : in.intern(Map.copyOf(labels)));
        return out;
    }

    private static PodSpec empty(PodSpec s) {
        s.setAdditionalProperties(Map.of());
        s.setContainers(List.of());
        s.setEphemeralContainers(List.of());
        s.setHostAliases(List.of());
        s.setImagePullSecrets(List.of());
        s.setInitContainers(List.of());
        s.setNodeSelector(Map.of());
        s.setOverhead(Map.of());
        s.setReadinessGates(List.of());
        s.setResourceClaims(List.of());
        s.setSchedulingGates(List.of());
        s.setTolerations(List.of());
        s.setTopologySpreadConstraints(List.of());
        s.setVolumes(List.of());
        return s;
    }

    private static PodStatus empty(PodStatus s) {
        s.setAdditionalProperties(Map.of());
        if (s.getConditions().isEmpty()) {
            s.setConditions(List.of());
        }
        s.setContainerStatuses(List.of());
        s.setEphemeralContainerStatuses(List.of());
        s.setHostIPs(List.of());
        s.setInitContainerStatuses(List.of());
        s.setPodIPs(List.of());
        s.setResourceClaimStatuses(List.of());
        return s;
    }

    /** How many distinct shared pieces the cache holds (for tests: they must not grow with the objects). */
    int shared() {
        return interner.size();
    }

    @Override
    public String getKey(T obj) {
        return store.getKey(obj);
    }

    @Override
    public T put(String key, T obj) {
        return store.put(key, slim.apply(obj, interner));
    }

    @Override
    public T remove(String key) {
        return store.remove(key);
    }

    @Override
    public Stream<String> keySet() {
        return store.keySet();
    }

    @Override
    public Stream<T> values() {
        return store.values();
    }

    @Override
    public int size() {
        return store.size();
    }

    @Override
    public T get(String key) {
        return store.get(key);
    }
}
