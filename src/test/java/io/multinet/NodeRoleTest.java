package io.multinet;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/** The node role: reconcilers stay off, and readiness is the delegator's own. */
@QuarkusTest
@TestProfile(NodeRoleTest.NodeRole.class)
@WithKubernetesTestServer(crud = true)
class NodeRoleTest {

    public static class NodeRole implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("multinet.role", "node");
        }
    }

    @Inject
    RoleLifecycle lifecycle;

    @Test
    void nodeRoleDoesNotStartTheOperatorAndReportsItsOwnReadiness() {
        assertThat(lifecycle.operatorReady()).isFalse();
        given().get("/q/health/ready").then().statusCode(503)
                .body("checks[0].name", equalTo("multinet-node"))
                .body("checks[0].data.reason", equalTo("Starting"));
        given().get("/q/metrics").then().statusCode(200).body(containsString("jvm_memory_used_bytes"));
    }
}
