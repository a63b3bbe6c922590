package io.multinet.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

class MockApiTest {

    final KubernetesMockServer server = MockApi.start();
    final KubernetesClient client = server.createClient();

    @AfterEach
    void tearDown() {
        client.close();
        server.destroy();
    }

    Pod pod(String name, String node) {
        return client.resource(new PodBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withNodeName(node).endSpec().build()).create();
    }

    static List<String> names(List<Pod> pods) {
        return pods.stream().map(p -> p.getMetadata().getName()).sorted().toList();
    }

    @Test
    void listsPodsByNodeName() {
        pod("a1", "n1");
        pod("b1", "n2");
        pod("unscheduled", null);
        assertThat(names(client.pods().inAnyNamespace().withField("spec.nodeName", "n1").list().getItems())).containsExactly("a1");
        assertThat(names(client.pods().inNamespace("default").withField("spec.nodeName", "n2").list().getItems())).containsExactly("b1");
        assertThat(names(client.pods().inAnyNamespace().list().getItems())).containsExactly("a1", "b1", "unscheduled");
        assertThat(client.pods().inNamespace("default").withName("a1").get()).isNotNull();
    }

    @Test
    void aFieldSelectedInformerSeesOnlyItsNodesPodsIncludingOnesBoundLater() {
        pod("before", "n1");
        try (var informer = client.pods().inAnyNamespace().withField("spec.nodeName", "n1").inform()) {
            pod("other-node", "n2");
            pod("after", "n1");
            pod("bound-later", null);
            client.pods().inNamespace("default").withName("bound-later").edit(p -> new PodBuilder(p).editSpec().withNodeName("n1").endSpec().build());
            OperatorHarness.eventually(() -> assertThat(names(informer.getStore().list())).containsExactly("after", "before", "bound-later"));
            client.pods().inNamespace("default").withName("after").delete();
            OperatorHarness.eventually(() -> assertThat(names(informer.getStore().list())).containsExactly("before", "bound-later"));
        }
    }
}
