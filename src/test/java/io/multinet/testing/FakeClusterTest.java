package io.multinet.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.multinet.api.nad.NetworkAttachmentDefinition;
import io.multinet.api.nad.NetworkAttachmentDefinitionSpec;
import io.multinet.api.v1alpha1.MultiNetwork;

@EnableKubernetesMockClient(crud = true)
class FakeClusterTest {

    KubernetesClient client;
    FakeCluster cluster;

    @BeforeEach
    void setUp() {
        cluster = new FakeCluster(client).applyCrds();
        cluster.addNode("n1", Map.of("net", "a"), "192.0.2.1");
        cluster.addNode("n2", Map.of("net", "b"), "192.0.2.2");
    }

    static DaemonSet daemonSet(String name, Map<String, String> nodeSelector, String image) {
        return new DaemonSetBuilder().withNewMetadata().withName(name).withNamespace("ns").endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec().withNodeSelector(nodeSelector).addNewContainer().withName("c").withImage(image).endContainer()
                .endSpec().endTemplate().endSpec().build();
    }

    @Test
    void theProjectCrdsAreServed() {
        assertThat(FakeCluster.names(client.apiextensions().v1().customResourceDefinitions().list().getItems()))
                .contains("multinetworks.multinet.io", "multinetworknodestates.multinet.io",
                        "network-attachment-definitions.k8s.cni.cncf.io");
        MultiNetwork mn = new MultiNetwork();
        mn.getMetadata().setName("flannel2");
        mn.getSpec().network = "172.112.0.0/16";
        client.resource(mn).create();
        assertThat(client.resources(MultiNetwork.class).withName("flannel2").get().getSpec().network).isEqualTo("172.112.0.0/16");
        NetworkAttachmentDefinition nad = new NetworkAttachmentDefinition();
        nad.getMetadata().setName("flannel2-conf");
        nad.getMetadata().setNamespace("default");
        nad.setSpec(new NetworkAttachmentDefinitionSpec("{\"type\":\"flannel\"}"));
        client.resource(nad).create();
        assertThat(client.resources(NetworkAttachmentDefinition.class).inNamespace("default").list().getItems()).hasSize(1);
    }

    @Test
    void playsTheDaemonSetControllerAndKubelet() {
        client.apps().daemonSets().inNamespace("ns").resource(daemonSet("all", null, "img:1")).create();
        client.apps().daemonSets().inNamespace("ns").resource(daemonSet("only-a", Map.of("net", "a"), "img:1")).create();
        cluster.sync();

        assertThat(FakeCluster.names(client.pods().inNamespace("ns").list().getItems()))
                .containsExactly("all-n1", "all-n2", "only-a-n1");
        assertThat(cluster.pod("ns", "all", "n2").getSpec().getNodeName()).isEqualTo("n2");
        assertThat(client.apps().daemonSets().inNamespace("ns").withName("all").get().getStatus().getNumberReady()).isZero();

        cluster.setPodReady("ns", "all", "n1", true);
        assertThat(FakeCluster.isReady(cluster.pod("ns", "all", "n1"))).isTrue();
        assertThat(FakeCluster.isReady(cluster.pod("ns", "all", "n2"))).isFalse();
        var status = client.apps().daemonSets().inNamespace("ns").withName("all").get().getStatus();
        assertThat(status.getDesiredNumberScheduled()).isEqualTo(2);
        assertThat(status.getNumberReady()).isEqualTo(1);

        // a new template replaces the pods, which start not ready
        client.apps().daemonSets().inNamespace("ns").withName("all")
                .edit(ds -> { ds.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("img:2"); return ds; });
        cluster.sync();
        assertThat(FakeCluster.isReady(cluster.pod("ns", "all", "n1"))).isFalse();
        assertThat(cluster.pod("ns", "all", "n1").getSpec().getContainers().get(0).getImage()).isEqualTo("img:2");

        // a deleted DaemonSet loses its pods; a removed node too
        client.apps().daemonSets().inNamespace("ns").withName("only-a").delete();
        cluster.removeNode("n2");
        cluster.sync();
        assertThat(FakeCluster.names(client.pods().inNamespace("ns").list().getItems())).containsExactly("all-n1");
    }

    @Test
    void setsNodesReadyOrNot() {
        cluster.setNodeReady("n1", false);
        var cond = client.nodes().withName("n1").get().getStatus().getConditions().get(0);
        assertThat(cond.getType()).isEqualTo("Ready");
        assertThat(cond.getStatus()).isEqualTo("False");
        cluster.setNodeReady("n1", true);
        assertThat(client.nodes().withName("n1").get().getStatus().getConditions().get(0).getStatus()).isEqualTo("True");
    }
}
