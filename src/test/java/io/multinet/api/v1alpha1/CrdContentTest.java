package io.multinet.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.Serialization;

/** What a real API server enforces from crds/ (the mock server does not run CEL or OpenAPI validation). */
class CrdContentTest {

    static CustomResourceDefinitionVersion version(String file) throws Exception {
        try (InputStream in = Files.newInputStream(Path.of("crds", file))) {
            CustomResourceDefinition crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
            assertThat(crd.getSpec().getVersions()).hasSize(1);
            return crd.getSpec().getVersions().get(0);
        }
    }

    static JSONSchemaProps spec(CustomResourceDefinitionVersion v) {
        return v.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    }

    @Test
    void multiNetworkHasPrinterColumns() throws Exception {
        var v = version("multinetworks.multinet.io.yaml");
        Map<String, String> columns = new java.util.LinkedHashMap<>();
        v.getAdditionalPrinterColumns().forEach(c -> columns.put(c.getName(), c.getJsonPath()));
        assertThat(columns).containsEntry("Network", ".spec.network").containsEntry("Backend", ".spec.backend.type")
                .containsEntry("Mode", ".spec.subnetManager").containsEntry("Nodes", ".status.nodes.summary")
                .containsEntry("Ready", ".status.conditions[?(@.type==\"Ready\")].status")
                .containsEntry("Age", ".metadata.creationTimestamp");
        assertThat(v.getSubresources().getStatus()).as("status subresource").isNotNull();
    }

    @Test
    void identityFieldsCarryCelImmutabilityRules() throws Exception {
        JSONSchemaProps spec = spec(version("multinetworks.multinet.io.yaml"));
        List<JSONSchemaProps> immutable = List.of(spec.getProperties().get("network"), spec.getProperties().get("subnetLen"),
                spec.getProperties().get("subnetManager"), spec.getProperties().get("backend").getProperties().get("type"),
                spec.getProperties().get("etcd").getProperties().get("prefix"));
        for (JSONSchemaProps p : immutable) {
            assertThat(p.getXKubernetesValidations()).singleElement()
                    .satisfies(r -> assertThat(r.getRule()).isEqualTo("self == oldSelf"))
                    .satisfies(r -> assertThat(r.getMessage()).contains("immutable"));
        }
        assertThat(spec.getProperties().get("flanneld").getProperties().get("iface").getXKubernetesValidations())
                .as("mutable fields have no immutability rule, only bounds").allSatisfy(r -> assertThat(r.getRule()).doesNotContain("oldSelf"));
    }

    @Test
    void schemaCarriesDefaultsBoundsAndEnums() throws Exception {
        JSONSchemaProps spec = spec(version("multinetworks.multinet.io.yaml"));
        assertThat(spec.getRequired()).contains("network");
        JSONSchemaProps len = spec.getProperties().get("subnetLen");
        assertThat(len.getDefault().asInt()).isEqualTo(24);
        assertThat(len.getMaximum()).isEqualTo(30.0);
        assertThat(spec.getProperties().get("subnetManager").getDefault().asText()).isEqualTo("etcd");
        assertThat(spec.getProperties().get("subnetManager").getEnum()).extracting(Object::toString)
                .containsExactlyInAnyOrder("\"etcd\"", "\"kube\"");
        JSONSchemaProps backend = spec.getProperties().get("backend");
        assertThat(backend.getProperties().get("type").getEnum()).hasSize(5);
        assertThat(backend.getProperties().get("vni").getMaximum()).isEqualTo(9999999.0);
        assertThat(spec.getProperties().get("network").getPattern()).isNotBlank();
        assertThat(spec.getProperties().get("default").getType()).isEqualTo("boolean");
    }

    @Test
    void nodeStateIsClusterScopedWithPrinterColumns() throws Exception {
        try (InputStream in = Files.newInputStream(Path.of("crds", "multinetworknodestates.multinet.io.yaml"))) {
            CustomResourceDefinition crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
            assertThat(crd.getSpec().getScope()).isEqualTo("Cluster");
            assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("mnetns");
            assertThat(crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns()).extracting(c -> c.getName())
                    .contains("Ready", "Default", "Networks", "Version", "Age");
        }
    }

    @Test
    void nadCrdIsTheStandardOne() throws Exception {
        try (InputStream in = Files.newInputStream(Path.of("crds", "network-attachment-definitions.k8s.cni.cncf.io.yaml"))) {
            CustomResourceDefinition crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
            assertThat(crd.getSpec().getGroup()).isEqualTo("k8s.cni.cncf.io");
            assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
            assertThat(crd.getSpec().getNames().getPlural()).isEqualTo("network-attachment-definitions");
            assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("net-attach-def", "nad");
            var v = crd.getSpec().getVersions().get(0);
            assertThat(v.getName()).isEqualTo("v1");
            assertThat(v.getSchema().getOpenAPIV3Schema().getProperties().get("spec").getProperties().get("config").getType())
                    .isEqualTo("string");
        }
    }
}
