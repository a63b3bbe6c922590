package io.multinet;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.multinet.api.nad.NetworkAttachmentDefinition;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.api.v1alpha1.Networks;
import io.multinet.testing.OperatorHarness;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/** The operator role (the default) as the application runs it: the SDK started by RoleLifecycle, reconciling. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class RoleTest {

    @Inject
    KubernetesClient client;

    @Test
    void operatorRoleReconcilesAndServesHealthAndMetrics() {
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200).body("checks[0].name", equalTo("multinet-operator"))
                .body("checks[0].data.role", equalTo("operator"));
        given().get("/q/metrics").then().statusCode(200).body(containsString("jvm_memory_used_bytes"));

        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName("default")
                .endMetadata().build()).createOr(x -> x.update());
        client.resource(Networks.flannel1()).create();
        OperatorHarness.eventually("flannel1 reconciled by the application", () -> client.apps().daemonSets()
                .inNamespace("multinet-system").withName("flanneld-flannel1").get() != null
                && client.resources(NetworkAttachmentDefinition.class).inNamespace("default").withName("flannel1-conf").get() != null
                && client.resources(MultiNetwork.class).withName("flannel1").get().getStatus() != null);
        MultiNetwork n = client.resources(MultiNetwork.class).withName("flannel1").get();
        assertThat(n.getStatus().allocated.subnetFile).isEqualTo("/run/flannel/networks/flannel1.env");
    }
}
