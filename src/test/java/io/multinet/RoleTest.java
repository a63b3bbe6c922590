package io.multinet;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/** The operator role (the default): its readiness and metrics endpoints answer. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class RoleTest {

    @Test
    void operatorRoleServesHealthAndMetrics() {
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().body("checks[0].name", equalTo("multinet-operator"))
                .body("checks[0].data.role", equalTo("operator"));
        given().get("/q/metrics").then().statusCode(200).body(containsString("jvm_memory_used_bytes"));
    }
}
