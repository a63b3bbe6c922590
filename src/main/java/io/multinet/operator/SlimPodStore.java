package io.multinet.operator;

import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;

/**
 * The operator's cache of flanneld and delegator pods: one pod per node per network, 21,000 at 1,000
 * nodes with 20 networks, each carrying its whole spec. The status needs only which node a pod is on,
 * its labels, whether it is being deleted and its conditions, so only that is kept. Whoever reads this
 * cache sees those fields and nothing else (event handlers still get the whole pod).
 */
final class SlimPodStore implements ItemStore<Pod> {

    private final BasicItemStore<Pod> store = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);

    static Pod slim(Pod p) {
        var m = p.getMetadata();
        PodBuilder b = new PodBuilder().withMetadata(new ObjectMetaBuilder().withName(m.getName()).withNamespace(m.getNamespace())
                .withUid(m.getUid()).withResourceVersion(m.getResourceVersion()).withGeneration(m.getGeneration())
                .withLabels(m.getLabels()).withDeletionTimestamp(m.getDeletionTimestamp()).build());
        if (p.getSpec() != null) {
            b.withNewSpec().withNodeName(p.getSpec().getNodeName()).endSpec();
        }
        if (p.getStatus() != null) {
            b.withNewStatus().withPhase(p.getStatus().getPhase()).withConditions(p.getStatus().getConditions()).endStatus();
        }
        return b.build();
    }

    @Override
    public String getKey(Pod pod) {
        return store.getKey(pod);
    }

    @Override
    public Pod put(String key, Pod pod) {
        return store.put(key, slim(pod));
    }

    @Override
    public Pod remove(String key) {
        return store.remove(key);
    }

    @Override
    public Stream<String> keySet() {
        return store.keySet();
    }

    @Override
    public Stream<Pod> values() {
        return store.values();
    }

    @Override
    public int size() {
        return store.size();
    }

    @Override
    public Pod get(String key) {
        return store.get(key);
    }
}
