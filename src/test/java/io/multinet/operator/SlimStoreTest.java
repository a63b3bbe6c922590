package io.multinet.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.multinet.NetworkNames;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.api.v1alpha1.NetworkPlanner;
import io.multinet.api.v1alpha1.Networks;
import io.multinet.api.v1alpha1.PlannerSettings;
import io.multinet.flannel.FlanneldDaemonSet;
import io.multinet.testing.OperatorHarness;

class SlimStoreTest {

    /** A flanneld pod as its DaemonSet stamps it out, scheduled, running and Ready. */
    static Pod flanneldPod(boolean ready) {
        MultiNetwork n = Networks.flannel2();
        var a = NetworkPlanner.planAll(List.of(n), PlannerSettings.defaults()).get("flannel2").allocation();
        var ds = FlanneldDaemonSet.desired(n, a, SettingsMapping.flanneld(OperatorHarness.settings(Map.of())));
        return new PodBuilder().withNewMetadataLike(ds.getSpec().getTemplate().getMetadata()).withName("flanneld-flannel2-x7k2p")
                .withNamespace("multinet-system").withUid("u-1").withResourceVersion("42").endMetadata()
                .withNewSpecLike(ds.getSpec().getTemplate().getSpec()).withNodeName("node-a").endSpec()
                .withNewStatus().withPhase("Running").withHostIP("10.0.0.1").withPodIP("10.0.0.1").addNewCondition().withType("Initialized")
                .withStatus("True").endCondition().addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
                .withLastTransitionTime("2026-11-29T06:00:00Z").endCondition().addNewContainerStatus().withName("flanneld").withReady(ready)
                .withImage("flannel").endContainerStatus().endStatus().build();
    }

    @Test
    void keepsWhatTheStatusReadsAndDropsTheSpec() {
        Pod full = flanneldPod(true);
        SlimStore<Pod> store = SlimStore.pods();
        String key = store.getKey(full);
        store.put(key, full);
        Pod slim = store.get(key);

        assertThat(key).isEqualTo("multinet-system/flanneld-flannel2-x7k2p");
        assertThat(slim.getMetadata().getLabels()).containsEntry(NetworkNames.LABEL_NETWORK, "flannel2");
        assertThat(slim.getMetadata().getResourceVersion()).isEqualTo("42");
        assertThat(slim.getSpec().getNodeName()).isEqualTo("node-a");
        assertThat(slim.getSpec().getContainers()).isEmpty();
        assertThat(slim.getMetadata().getLabels()).as("the labels anyone reads, not the DaemonSet controller's")
                .containsOnlyKeys(NetworkNames.LABEL_NAME, NetworkNames.LABEL_COMPONENT, NetworkNames.LABEL_MANAGED_BY, NetworkNames.LABEL_NETWORK);
        assertThat(slim.getStatus().getConditions()).extracting(c -> c.getType()).containsExactly("Ready");
        assertThat(slim.getStatus().getContainerStatuses()).isEmpty();
        assertThat(StatusAggregator.isReady(slim)).isTrue();
        assertThat(StatusAggregator.isReady(SlimStore.slim(flanneldPod(false)))).isFalse();
        Pod deleting = flanneldPod(true);
        deleting.getMetadata().setDeletionTimestamp("2026-11-29T06:00:00Z");
        assertThat(StatusAggregator.isReady(SlimStore.slim(deleting))).as("a pod being deleted is not ready").isFalse();

        int fullSize = Serialization.asJson(full).length();
        int slimSize = Serialization.asJson(slim).length();
        assertThat(slimSize).as("%d of %d bytes kept", slimSize, fullSize).isLessThan(fullSize / 4);
        assertThat(store.values()).containsExactly(slim);
        assertThat(store.remove(key)).isSameAs(slim);
        assertThat(store.size()).isZero();
    }

    @Test
    void podsOfOneNodeAndNetworkShareWhatTheyRepeat() {
        SlimStore<Pod> store = SlimStore.pods();
        for (int i = 0; i < 200; i++) {
            Pod p = flanneldPod(i % 2 == 0);
            p.getMetadata().setName("flanneld-flannel2-" + i);
            p.getMetadata().setLabels(new java.util.HashMap<>(p.getMetadata().getLabels()));
            p.getMetadata().getLabels().put("controller-revision-hash", "h" + i);
            p.getSpec().setNodeName("node-" + (i % 10));
            store.put(store.getKey(p), p);
        }
        List<Pod> pods = store.values().toList();
        assertThat(pods).hasSize(200);
        assertThat(pods.stream().map(p -> p.getMetadata().getLabels()).distinct().count()).isEqualTo(1);
        assertThat(pods.stream().map(p -> System.identityHashCode(p.getMetadata().getLabels())).distinct().count())
                .as("one label map for all of them").isEqualTo(1);
        assertThat(pods.stream().map(p -> System.identityHashCode(p.getSpec())).distinct().count()).as("one spec per node").isEqualTo(10);
        assertThat(pods.stream().map(p -> System.identityHashCode(p.getStatus())).distinct().count()).as("ready or not").isEqualTo(2);
        assertThat(pods.stream().filter(StatusAggregator::isReady).count()).isEqualTo(100);
        assertThat(store.shared()).as("shared pieces do not grow with the pods").isLessThan(40);
    }

    @Test
    void nodesKeepLabelsAddressesPodCidrAndReadiness() {
        var full = new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata().withName("node-a").withResourceVersion("7")
                .withLabels(Map.of("kubernetes.io/hostname", "node-a", "role", "edge")).withAnnotations(Map.of("a", "b")).endMetadata()
                .withNewSpec().withPodCIDR("10.244.1.0/24").endSpec().withNewStatus()
                .addNewAddress().withType("InternalIP").withAddress("10.0.0.1").endAddress()
                .addNewAddress().withType("Hostname").withAddress("node-a").endAddress()
                .addNewCondition().withType("MemoryPressure").withStatus("False").endCondition()
                .addNewCondition().withType("Ready").withStatus("True").endCondition()
                .addNewImage().withNames("registry.example/a:1").withSizeBytes(1L).endImage()
                .withNewNodeInfo().withKubeletVersion("v1.34.4").endNodeInfo().endStatus().build();
        var slim = SlimStore.slim(full);
        assertThat(slim.getMetadata().getLabels()).isEqualTo(full.getMetadata().getLabels());
        assertThat(slim.getMetadata().getAnnotations()).isEmpty();
        assertThat(MultiNetworkReconciler.selects(Map.of("role", "edge"), slim)).isTrue();
        assertThat(StatusAggregator.nodeReady(slim)).isTrue();
        assertThat(StatusAggregator.addresses(slim)).isEqualTo(StatusAggregator.addresses(full)).containsExactly("10.0.0.1");
        assertThat(slim.getSpec().getPodCIDR()).isEqualTo("10.244.1.0/24");
        assertThat(slim.getStatus().getImages()).isEmpty();
        assertThat(slim.getStatus().getNodeInfo()).isNull();
        full.getStatus().getConditions().get(1).setStatus("False");
        assertThat(StatusAggregator.nodeReady(SlimStore.slim(full))).isFalse();
        int fullSize = Serialization.asJson(full).length();
        assertThat(Serialization.asJson(slim).length()).isLessThan(fullSize);
    }
}
