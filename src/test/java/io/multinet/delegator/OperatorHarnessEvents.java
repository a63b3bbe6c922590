package io.multinet.delegator;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;

/** Events the delegator records on pods. */
final class OperatorHarnessEvents {

    private OperatorHarnessEvents() {
    }

    static void assertEvent(KubernetesClient client, String namespace, String pod, String fragment) {
        assertThat(client.v1().events().inNamespace(namespace).list().getItems()).anySatisfy(e -> {
            assertThat(e.getInvolvedObject().getName()).isEqualTo(pod);
            assertThat(e.getReason()).isEqualTo("MultinetAttachFailed");
            assertThat(e.getMessage()).contains(fragment);
        });
    }
}
