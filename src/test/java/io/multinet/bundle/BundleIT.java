package io.multinet.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.multinet.api.v1alpha1.Networks;
import io.multinet.flannel.FlanneldDaemonSet;

/**
 * olm-bundle/ is what the build generates (plus BundleFinisher), and holds what multinet promises
 * of it. operator-framework's own validators run on it in the E2E tier (OlmE2E), where the test
 * ground builds them.
 */
class BundleIT {

    static final Path BUNDLE = Path.of("olm-bundle");

    static JsonNode yaml(Path p) throws IOException {
        return BundleFinisher.YAML.readTree(p.toFile());
    }

    static JsonNode csv() throws IOException {
        return yaml(BUNDLE.resolve("manifests/multinet.clusterserviceversion.yaml"));
    }

    @Test
    void olmBundleIsCurrent() throws Exception {
        Path fresh = Files.createTempDirectory("bundle");
        Path deploy = Files.createTempDirectory("deploy");
        try {
            compareWithCommitted(fresh, deploy);
        } finally {
            BundleFinisher.deleteTree(fresh);
            BundleFinisher.deleteTree(deploy);
        }
    }

    private static void compareWithCommitted(Path fresh, Path deploy) throws Exception {
        BundleFinisher.finish(Path.of(""), fresh, deploy);
        List<Path> expected;
        try (var s = Files.walk(fresh)) {
            expected = s.filter(Files::isRegularFile).sorted().toList();
        }
        try (var s = Files.walk(BUNDLE)) {
            assertThat(s.filter(Files::isRegularFile).count()).as("files in olm-bundle/ (run make bundle)").isEqualTo(expected.size());
        }
        for (Path f : expected) {
            Path committed = BUNDLE.resolve(fresh.relativize(f));
            assertThat(committed).as("%s is missing: run make bundle", committed).exists();
            assertThat(Files.readString(committed)).as("%s is stale: run make bundle", committed).isEqualTo(Files.readString(f));
        }
        assertThat(Files.readString(deploy.resolve("multinet.yaml"))).contains("kind: \"Deployment\"", "kind: \"CustomResourceDefinition\"",
                "multinet-delegator", "multinet-secrets").doesNotContain("network-attachment-definitions.k8s.cni.cncf.io");
        assertThat(Files.readString(deploy.resolve(BundleFinisher.NAD_CRD))).contains("kind: \"CustomResourceDefinition\"", "network-attachment-definitions.k8s.cni.cncf.io");
    }

    @Test
    void csvHasWhatRegistryV1Requires() throws Exception {
        JsonNode csv = csv();
        JsonNode spec = csv.get("spec");
        assertThat(csv.path("apiVersion").asText()).isEqualTo("operators.coreos.com/v1alpha1");
        assertThat(csv.path("metadata").path("name").asText()).isEqualTo("multinet.v0.1.0");
        for (String field : List.of("displayName", "description", "version", "maturity", "minKubeVersion")) {
            assertThat(spec.path(field).asText()).as(field).isNotBlank();
        }
        assertThat(spec.path("keywords")).isNotEmpty();
        assertThat(spec.path("provider").path("name").asText()).isNotBlank();
        assertThat(spec.path("maintainers").get(0).path("email").asText()).contains("@");
        assertThat(spec.path("links")).isNotEmpty();
        assertThat(spec.path("icon").get(0).path("mediatype").asText()).isEqualTo("image/svg+xml");
        assertThat(spec.path("icon").get(0).path("base64data").asText()).isNotBlank();
        assertThat(csv.at("/metadata/annotations/capabilities").asText()).isEqualTo("Basic Install");
        assertThat(csv.at("/metadata/annotations/categories").asText()).isEqualTo("Networking");
        assertThat(csv.at("/metadata/annotations/olm.skipRange").asText()).isNotBlank();
        assertThat(spec.path("installModes")).anySatisfy(m -> {
            assertThat(m.path("type").asText()).isEqualTo("AllNamespaces");
            assertThat(m.path("supported").asBoolean()).isTrue();
        });
        assertThat(spec.at("/install/strategy").asText()).isEqualTo("deployment");
        JsonNode deployment = spec.at("/install/spec/deployments/0/spec/template/spec/containers/0");
        assertThat(deployment.path("readinessProbe").path("httpGet").path("path").asText()).isEqualTo("/q/health/ready");
        assertThat(deployment.path("livenessProbe").isMissingNode()).isFalse();
        assertThat(deployment.path("resources").path("requests").path("memory").asText()).isNotBlank();
        assertThat(spec.at("/install/spec/clusterPermissions")).hasSize(2);
        assertThat(spec.at("/install/spec/permissions")).hasSize(1);
        assertThat(BUNDLE.resolve("metadata/annotations.yaml")).exists();
        assertThat(Files.readString(BUNDLE.resolve("metadata/annotations.yaml"))).contains("registry+v1", "package.v1: multinet");
        assertThat(Files.readString(BUNDLE.resolve("bundle.Dockerfile"))).contains("COPY manifests /manifests/");
    }

    @Test
    void everyCrdInTheBundleIsOwned() throws Exception {
        Set<String> owned = new TreeSet<>();
        csv().at("/spec/customresourcedefinitions/owned").forEach(o -> {
            owned.add(o.path("name").asText());
            assertThat(o.path("displayName").asText()).isNotBlank();
            assertThat(o.path("description").asText()).isNotBlank();
        });
        Set<String> shipped = new TreeSet<>();
        try (var s = Files.list(BUNDLE.resolve("manifests"))) {
            for (Path f : s.toList()) {
                JsonNode doc = yaml(f);
                if (doc.path("kind").asText().equals("CustomResourceDefinition")) {
                    shipped.add(doc.at("/metadata/name").asText());
                }
            }
        }
        assertThat(owned).isEqualTo(shipped).contains("multinetworks.multinet.io", "multinetworknodestates.multinet.io",
                "network-attachment-definitions.k8s.cni.cncf.io");
        JsonNode mn = csv().at("/spec/customresourcedefinitions/owned/0");
        assertThat(mn.path("specDescriptors")).isNotEmpty();
        assertThat(mn.path("statusDescriptors")).isNotEmpty();
    }

    @Test
    void almExamplesValidateAgainstTheCrdSchemas() throws Exception {
        JsonNode examples = BundleFinisher.JSON.readTree(csv().at("/metadata/annotations/alm-examples").asText());
        assertThat(examples).extracting(e -> e.path("kind").asText() + "/" + e.at("/metadata/name").asText()).containsExactly(
                "MultiNetwork/flannel1", "MultiNetwork/flannel2", "NetworkAttachmentDefinition/flannel2-conf", "MultiNetworkNodeState/node-a");
        Map<String, String> crds = Map.of("MultiNetwork", "multinetworks.multinet.io", "NetworkAttachmentDefinition",
                "network-attachment-definitions.k8s.cni.cncf.io", "MultiNetworkNodeState", "multinetworknodestates.multinet.io");
        for (JsonNode e : examples) {
            JsonNode schema = yaml(BUNDLE.resolve("manifests/" + crds.get(e.path("kind").asText()) + ".crd.yaml"))
                    .at("/spec/versions/0/schema/openAPIV3Schema");
            assertThat(SchemaCheck.problems(schema, e, "")).as(e.at("/metadata/name").asText()).isEmpty();
        }
        // every owned API has one (operator-framework's OperatorHub validator warns otherwise)
        assertThat(examples).extracting(e -> e.path("kind").asText()).containsAll(
                csv().at("/spec/customresourcedefinitions/owned").findValuesAsText("kind"));
        JsonNode nad = examples.get(2);
        assertThat(nad.at("/metadata").has("ownerReferences") || nad.at("/metadata").has("annotations"))
                .as("an admin's NAD made from the example must not look like the operator's").isFalse();
        JsonNode schema = yaml(BUNDLE.resolve("manifests/multinetworks.multinet.io.crd.yaml")).at("/spec/versions/0/schema/openAPIV3Schema");
        // the checker itself catches what it should
        JsonNode bad = BundleFinisher.JSON.readTree("{\"spec\":{\"network\":\"x\",\"subnetLen\":99,\"backend\":{\"type\":\"gre\"},\"bogus\":1}}");
        assertThat(SchemaCheck.problems(schema, bad, "")).hasSize(4);
    }

    /**
     * OwnNamespace keeps `secrets: get` a Role of the install namespace (under AllNamespaces OLM v0
     * grants a CSV's namespaced permissions cluster-wide); AllNamespaces stays for OLM v1. Neither
     * narrows the controller: the generator's namespaces variable is gone.
     */
    @Test
    void installsInItsOwnNamespaceOrForAllAndWatchesWhatItChooses() throws Exception {
        Map<String, Boolean> modes = new java.util.TreeMap<>();
        csv().at("/spec/installModes").forEach(m -> modes.put(m.path("type").asText(), m.path("supported").asBoolean()));
        assertThat(modes).isEqualTo(Map.of("AllNamespaces", true, "OwnNamespace", true, "SingleNamespace", false, "MultiNamespace", false));
        assertThat(csv().at("/spec/install/spec/deployments").findValues("name").stream().map(JsonNode::asText))
                .doesNotContain(BundleFinisher.OLM_NAMESPACES_ENV).contains("KUBERNETES_NAMESPACE");
        assertThat(csv().at("/spec/install/spec/permissions/0/rules").toString()).contains("secrets");
    }

    /** An env value that looks like a number must stay a string, or the API server rejects the Deployment. */
    @Test
    void everyEnvValueIsAString() throws Exception {
        List<String> checked = new ArrayList<>();
        for (JsonNode d : csv().at("/spec/install/spec/deployments")) {
            for (JsonNode c : d.at("/spec/template/spec/containers")) {
                for (JsonNode e : c.path("env")) {
                    if (e.has("value")) {
                        assertThat(e.get("value").isTextual()).as(e.get("name").asText() + " = " + e.get("value")).isTrue();
                        checked.add(e.get("name").asText());
                    }
                }
            }
        }
        assertThat(checked).contains("MALLOC_ARENA_MAX", "JAVA_OPTS_APPEND");
    }

    @Test
    void imagesArePinned() throws Exception {
        List<String> images = new ArrayList<>();
        csv().at("/spec/relatedImages").forEach(i -> images.add(i.path("image").asText()));
        images.add(csv().at("/spec/install/spec/deployments/0/spec/template/spec/containers/0/image").asText());
        // the images that run: multinet (operator and delegator) and flanneld; the flannel CNI plugin runs inside the delegator's image
        assertThat(images).hasSize(3).allSatisfy(i -> assertThat(i).matches(".+/.+:[A-Za-z0-9][A-Za-z0-9._-]*|.+@sha256:[0-9a-f]{64}")
                .doesNotEndWith(":latest"));
        assertThat(images).contains("ghcr.io/flannel-io/flannel:v0.28.9", "ghcr.io/multinet-io/multinet:0.1.0");
    }

    @Test
    void rbacIsExactlyTheDocumentedSetWithoutWildcards() throws Exception {
        Set<String> generated = new TreeSet<>();
        JsonNode install = csv().at("/spec/install/spec");
        for (String kind : List.of("clusterPermissions", "permissions")) {
            for (JsonNode perm : install.path(kind)) {
                String scope = kind.equals("permissions") ? "multinet-system" : "cluster";
                for (JsonNode rule : perm.path("rules")) {
                    for (JsonNode res : rule.path("resources")) {
                        generated.add(row(perm.path("serviceAccountName").asText(), rule.path("apiGroups").get(0).asText(), res.asText(),
                                rule.path("verbs"), scope));
                    }
                }
            }
        }
        for (var rule : FlanneldDaemonSet.clusterRole(Networks.flannel1()).getRules()) {
            for (String res : rule.getResources()) {
                generated.add(row("flanneld-<network> (kube mode only)", rule.getApiGroups().get(0), res,
                        BundleFinisher.JSON.valueToTree(rule.getVerbs()), "cluster"));
            }
        }
        assertThat(generated).noneMatch(r -> r.contains("*"));
        Set<String> documented = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of("docs/rbac.md"))) {
            String[] c = line.split("\\|", -1);
            if (c.length == 8 && !c[1].isBlank() && !c[1].contains("service account") && !c[1].contains("---")) {
                documented.add(String.join(" | ", c[1].strip().replace("&lt;", "<").replace("&gt;", ">"), c[2].strip(), c[3].strip(),
                        sorted(c[4].split(",")), c[5].strip()));
            }
        }
        assertThat(documented).isEqualTo(generated);
    }

    static String row(String sa, String group, String resource, JsonNode verbs, String scope) {
        List<String> v = new ArrayList<>();
        verbs.forEach(x -> v.add(x.asText()));
        return String.join(" | ", sa, group, resource, sorted(v.toArray(String[]::new)), scope);
    }

    static String sorted(String[] verbs) {
        Set<String> s = new TreeSet<>();
        for (String v : verbs) {
            s.add(v.strip());
        }
        return String.join(",", s);
    }

    /** The parts of an OpenAPI v3 structural schema a CRD uses: types, properties, enums, patterns, bounds, required. */
    static final class SchemaCheck {
        static List<String> problems(JsonNode schema, JsonNode value, String path) {
            List<String> out = new ArrayList<>();
            String type = schema.path("type").asText("");
            switch (type) {
                case "object" -> {
                    if (!value.isObject()) {
                        out.add(path + ": not an object");
                        break;
                    }
                    JsonNode props = schema.path("properties");
                    boolean open = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false) || schema.has("additionalProperties");
                    for (Iterator<Map.Entry<String, JsonNode>> it = value.fields(); it.hasNext();) {
                        var f = it.next();
                        if (props.has(f.getKey())) {
                            out.addAll(problems(props.get(f.getKey()), f.getValue(), path + "." + f.getKey()));
                        } else if (!open && !path.isEmpty()) {
                            out.add(path + "." + f.getKey() + ": unknown field");
                        } else if (!open && !Set.of("apiVersion", "kind", "metadata").contains(f.getKey())) {
                            out.add(path + "." + f.getKey() + ": unknown field");
                        }
                    }
                    Set<String> present = new HashSet<>();
                    value.fieldNames().forEachRemaining(present::add);
                    schema.path("required").forEach(r -> {
                        if (!present.contains(r.asText())) {
                            out.add(path + "." + r.asText() + ": required");
                        }
                    });
                }
                case "array" -> {
                    if (!value.isArray()) {
                        out.add(path + ": not a list");
                    } else {
                        for (int i = 0; i < value.size(); i++) {
                            out.addAll(problems(schema.path("items"), value.get(i), path + "[" + i + "]"));
                        }
                    }
                }
                case "string" -> {
                    if (!value.isTextual()) {
                        out.add(path + ": not a string");
                    } else if (schema.has("pattern") && !value.asText().matches(schema.get("pattern").asText())) {
                        out.add(path + ": does not match " + schema.get("pattern").asText());
                    } else if (schema.has("enum") && !schema.get("enum").toString().contains("\"" + value.asText() + "\"")) {
                        out.add(path + ": not one of " + schema.get("enum"));
                    }
                }
                case "integer", "number" -> {
                    if (!value.isNumber()) {
                        out.add(path + ": not a number");
                    } else if ((schema.has("maximum") && value.asDouble() > schema.get("maximum").asDouble())
                            || (schema.has("minimum") && value.asDouble() < schema.get("minimum").asDouble())) {
                        out.add(path + ": out of range");
                    }
                }
                case "boolean" -> {
                    if (!value.isBoolean()) {
                        out.add(path + ": not a boolean");
                    }
                }
                default -> {
                    // untyped (e.g. int-or-string): anything goes
                }
            }
            return out;
        }
    }
}
