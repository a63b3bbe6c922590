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

class SlimPodStoreTest {

    /** A flanneld pod as its DaemonSet stamps it out, scheduled, running and Ready. */
    static Pod flanneldPod(boolean ready) {
        MultiNetwork n = Networks.flannel2();
        var a = NetworkPlanner.planAll(List.of(n), PlannerSettings.defaults()).get("flannel2").allocation();
        var ds = FlanneldDaemonSet.desired(n, a, SettingsMapping.flanneld(OperatorHarness.settings(Map.of())));
        return new PodBuilder().withNewMetadataLike(ds.getSpec().getTemplate().getMetadata()).withName("flanneld-flannel2-x7k2p")
                .withNamespace("multinet-system").withUid("u-1").withResourceVersion("42").endMetadata()
                .withNewSpecLike(ds.getSpec().getTemplate().getSpec()).withNodeName("node-a").endSpec()
                .withNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
                .endStatus().build();
    }

    @Test
    void keepsWhatTheStatusReadsAndDropsTheSpec() {
        Pod full = flanneldPod(true);
        SlimPodStore store = new SlimPodStore();
        String key = store.getKey(full);
        store.put(key, full);
        Pod slim = store.get(key);

        assertThat(key).isEqualTo("multinet-system/flanneld-flannel2-x7k2p");
        assertThat(slim.getMetadata().getLabels()).containsEntry(NetworkNames.LABEL_NETWORK, "flannel2");
        assertThat(slim.getMetadata().getResourceVersion()).isEqualTo("42");
        assertThat(slim.getSpec().getNodeName()).isEqualTo("node-a");
        assertThat(slim.getSpec().getContainers()).isEmpty();
        assertThat(StatusAggregator.isReady(slim)).isTrue();
        assertThat(StatusAggregator.isReady(SlimPodStore.slim(flanneldPod(false)))).isFalse();
        Pod deleting = flanneldPod(true);
        deleting.getMetadata().setDeletionTimestamp("2026-11-29T06:00:00Z");
        assertThat(StatusAggregator.isReady(SlimPodStore.slim(deleting))).as("a pod being deleted is not ready").isFalse();

        int fullSize = Serialization.asJson(full).length();
        int slimSize = Serialization.asJson(slim).length();
        assertThat(slimSize).as("%d of %d bytes kept", slimSize, fullSize).isLessThan(fullSize / 4);
        assertThat(store.values()).containsExactly(slim);
        assertThat(store.remove(key)).isSameAs(slim);
        assertThat(store.size()).isZero();
    }
}
