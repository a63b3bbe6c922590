package io.multinet;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.util.Map;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.multinet.api.nad.NetworkAttachmentDefinition;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.api.v1alpha1.Networks;
import io.multinet.operator.Monitoring;
import io.multinet.operator.MonitoringInstaller;
import io.multinet.testing.EtcdTestResource;
import io.multinet.testing.OperatorHarness;
import io.multinet.testing.PrometheusText;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/** The operator role (the default) as the application runs it: reconciling, healthy, and scraped by Prometheus. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
@QuarkusTestResource(EtcdTestResource.class)
class RoleTest {

    @Inject
    KubernetesClient client;
    @Inject
    MonitoringInstaller monitoring;

    @Test
    void operatorRoleReconcilesAndServesHealthAndMetrics() {
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200).body("checks[0].name", equalTo("multinet-operator"))
                .body("checks[0].data.role", equalTo("operator"));

        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("default").endMetadata().build())
                .createOr(x -> x.update());
        client.resource(Networks.flannel1()).create();
        client.resource(Networks.flannel2()).create();
        OperatorHarness.eventually("both reconciled by the application", () -> client.apps().daemonSets()
                .inNamespace("multinet-system").withName("flanneld-flannel2").get() != null
                && client.resources(NetworkAttachmentDefinition.class).inNamespace("default").withName("flannel1-conf").get() != null
                && client.resources(MultiNetwork.class).withName("flannel1").get().getStatus() != null
                && client.resources(MultiNetwork.class).withName("flannel2").get().getStatus() != null);
        assertThat(client.resources(MultiNetwork.class).withName("flannel1").get().getStatus().allocated.subnetFile)
                .isEqualTo("/run/flannel/networks/flannel1.env");

        OperatorHarness.eventually("metrics moved", () -> PrometheusText.value(scrape(), "multinet_networks", Map.of("ready", "false")) == 2.0);
        String text = scrape();
        assertThat(PrometheusText.problems(text)).isEmpty();
        assertThat(PrometheusText.value(text, "multinet_network_attachments", Map.of("network", "flannel2"))).isEqualTo(1.0);
        assertThat(PrometheusText.value(text, "multinet_network_nodes", Map.of("network", "flannel2", "state", "desired"))).isZero();
        assertThat(PrometheusText.value(text, "multinet_network_ready", Map.of("network", "flannel1"))).isZero();
        assertThat(PrometheusText.value(text, "multinet_status_writes_total", Map.of())).isGreaterThanOrEqualTo(2.0);
        assertThat(PrometheusText.value(text, "multinet_etcd_operations_total", Map.of("operation", "put", "result", "success"))).isEqualTo(1.0);
        assertThat(PrometheusText.value(text, "multinet_etcd_operation_duration_seconds_count", Map.of("operation", "list"))).isGreaterThanOrEqualTo(1.0);
        assertThat(PrometheusText.has(text, "multinet_etcd_operation_duration_seconds_bucket")).isTrue();
        assertThat(text).as("the Java Operator SDK's own reconciliation metrics").contains("operator_sdk_reconciliations_");
        // docs/metrics.md: every operator series it lists is served, those whose labels are known up front before any use
        for (io.multinet.testing.Docs.Metric m : io.multinet.testing.Docs.metrics("## Operator")) {
            assertThat(io.multinet.testing.Docs.scraped(text, m.name())).as("documented series " + m.name()).isTrue();
        }
        assertThat(PrometheusText.samples(text)).as("no deletion waited here: the series exist at 0 all the same")
                .anyMatch(x -> x.name().equals("multinet_deletion_retries_total") && "EtcdUnavailable".equals(x.labels().get("reason")) && x.value() == 0)
                .anyMatch(x -> x.name().equals("multinet_etcd_operations_total") && "delete".equals(x.labels().get("operation"))
                        && "error".equals(x.labels().get("result")) && x.value() == 0);
        assertThat(PrometheusText.samples(text)).as("the SDK's series carry the resource's group, version and kind")
                .anyMatch(x -> x.name().startsWith("operator_sdk_") && "MultiNetwork".equalsIgnoreCase(x.labels().getOrDefault("kind", "")));
    }

    String scrape() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    @Test
    void monitorsOnlyWhereThePrometheusOperatorIsInstalled() {
        assertThat(monitoring.install()).as("no Prometheus Operator CRDs: skipped, not an error").isFalse();
        for (String crd : Monitoring.CRDS) {
            String[] parts = crd.split("\\.", 2);
            client.apiextensions().v1().customResourceDefinitions().resource(new CustomResourceDefinitionBuilder().withNewMetadata()
                    .withName(crd).endMetadata().withNewSpec().withGroup(parts[1]).withScope("Namespaced").withNewNames()
                    .withPlural(parts[0]).withKind(parts[0]).endNames().addNewVersion().withName("v1").withServed(true).withStorage(true)
                    .endVersion().endSpec().build()).createOr(x -> x.update());
        }
        assertThat(monitoring.install()).isTrue();
        var rule = client.genericKubernetesResources(Monitoring.context("PrometheusRule")).inNamespace("multinet-system").withName("multinet").get();
        assertThat(rule).isNotNull();
        assertThat(rule.toString()).contains("MultinetOperatorDown", "MultiNetworkNotReady", "MultinetCniAddErrors", "MultinetCniAddSlow");
        GenericKubernetesResource pm = client.genericKubernetesResources(Monitoring.context("PodMonitor")).inNamespace("multinet-system")
                .withName("multinet-delegator").get();
        assertThat(pm).isNotNull();
    }
}
