package io.multinet.delegator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.multinet.api.nad.NetworkAttachmentDefinition;
import io.multinet.api.nad.NetworkAttachmentDefinitionSpec;
import io.multinet.cni.CniException;

/** NAD configs are parsed and checked once per change of the NAD, not on every ADD. */
class NadConfigTest {

    final Delegator delegator = new Delegator(null, null, new Delegator.Options(Path.of("/nonexistent"), null, false, List.of(), java.time.Duration.ofSeconds(120)),
            new DelegatorMetrics(new Prometheus()));

    /** The NAD as the daemon's informer reads it: the typed object as the API server would serve it, read by KubeClusterView. */
    static ClusterView.Nad nad(String version, String config) {
        NetworkAttachmentDefinition n = new NetworkAttachmentDefinition();
        n.setMetadata(new ObjectMetaBuilder().withNamespace("team-a").withName("blue").withResourceVersion(version).build());
        n.setSpec(new NetworkAttachmentDefinitionSpec());
        n.getSpec().config = config;
        return KubeClusterView.nad(io.multinet.JsonBinding.MAPPER.valueToTree(n));
    }

    @Test
    void theDaemonReadsANadAsTheTypedModelHasIt() {
        assertThat(nad("41", "{\"type\":\"bridge\"}")).isEqualTo(new ClusterView.Nad("team-a", "blue", "41", "{\"type\":\"bridge\"}"));
        NetworkAttachmentDefinition bare = new NetworkAttachmentDefinition();
        bare.setMetadata(new ObjectMetaBuilder().withNamespace("team-a").withName("bare").build());
        assertThat(KubeClusterView.nad(io.multinet.JsonBinding.MAPPER.valueToTree(bare))).as("no spec, no version")
                .isEqualTo(new ClusterView.Nad("team-a", "bare", null, null));
    }

    @Test
    void parsedOncePerResourceVersionAndAgainAfterAnEdit() {
        var first = delegator.nads().config(nad("1", "{\"cniVersion\":\"1.0.0\",\"type\":\"bridge\"}"));
        assertThat(first.get("name").asText()).as("name defaults to the NAD's").isEqualTo("blue");
        assertThat(delegator.nads().config(nad("1", "{\"cniVersion\":\"1.0.0\",\"type\":\"bridge\"}"))).isSameAs(first);
        var edited = delegator.nads().config(nad("2", "{\"cniVersion\":\"1.0.0\",\"type\":\"macvlan\"}"));
        assertThat(edited.get("type").asText()).isEqualTo("macvlan");
    }

    @Test
    void aBrokenConfigNamesTheNadEveryTimeUntilItIsFixed() {
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> delegator.nads().config(nad("5", "{\"cniVersion\":\"1.0.0\"}"))).isInstanceOf(CniException.class)
                    .hasMessage("NetworkAttachmentDefinition team-a/blue: config has neither type nor plugins")
                    .extracting(e -> ((CniException) e).code()).isEqualTo(CniException.INVALID_CONFIG);
        }
        assertThatThrownBy(() -> delegator.nads().config(nad("6", "{not json"))).hasMessageStartingWith(
                "NetworkAttachmentDefinition team-a/blue has an invalid spec.config");
        assertThatThrownBy(() -> delegator.nads().config(nad("7", "{\"cniVersion\":\"9.9.9\",\"type\":\"bridge\"}")))
                .hasMessageStartingWith("NetworkAttachmentDefinition team-a/blue: ");
        assertThat(delegator.nads().config(nad("8", "{\"cniVersion\":\"1.0.0\",\"plugins\":[{\"type\":\"bridge\"}]}")).get("plugins")).hasSize(1);
    }
}
