package io.multinet.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.multinet.NetworkNames;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.api.v1alpha1.NetworkPlanner;
import io.multinet.api.v1alpha1.PlannerSettings;
import io.multinet.operator.Attachments;
import io.multinet.operator.DelegatorDaemonSet;

/**
 * The one post-processing step of the build's OLM bundle (`make bundle`): the Quarkus Operator SDK
 * generator writes target/bundle/multinet; this adds what its annotations cannot say and writes
 * olm-bundle/ and the plain manifests (target/deploy/multinet.yaml):
 * - the MultiNetworkNodeState and NetworkAttachmentDefinition CRDs, owned, with descriptors;
 * - the icon, relatedImages and alm-examples (the two networks of demo/networks.yaml);
 * - the delegator's ServiceAccount permissions (DelegatorDaemonSet.rbacRules);
 * and nothing of monitoring (the operator creates its monitors where the Prometheus Operator runs).
 */
public final class BundleFinisher {

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)).configure(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    /** Map entries by key: what the Java builders hold in hash maps is written the same way every run. */
    static final ObjectMapper JSON = new ObjectMapper().configure(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    static final String FLANNEL_IMAGE = "ghcr.io/flannel-io/flannel:v0.28.9";
    static final String NAMESPACE = "multinet-system";

    private BundleFinisher() {
    }

    public static void main(String[] args) throws IOException {
        Path project = Path.of(args.length > 0 ? args[0] : ".");
        finish(project, project.resolve("olm-bundle"), project.resolve("target/deploy"));
    }

    public static void finish(Path project, Path bundleOut, Path deployOut) throws IOException {
        Path generated = project.resolve("target/bundle/multinet");
        deleteTree(bundleOut);
        Files.createDirectories(bundleOut.resolve("manifests"));
        Files.createDirectories(bundleOut.resolve("metadata"));
        Files.copy(generated.resolve("bundle.Dockerfile"), bundleOut.resolve("bundle.Dockerfile"));
        Files.copy(generated.resolve("metadata/annotations.yaml"), bundleOut.resolve("metadata/annotations.yaml"));

        ObjectNode csv = (ObjectNode) YAML.readTree(generated.resolve("manifests/multinet.clusterserviceversion.yaml").toFile());
        String image = csv.at("/metadata/annotations/containerImage").asText();
        ObjectNode spec = (ObjectNode) csv.get("spec");
        // The generator narrows the controller to OLM's target namespaces (olm.targetNamespaces). MultiNetworks
        // are cluster-scoped and the operator chooses each informer's namespaces itself; under OwnNamespace
        // that variable would confine it to its install namespace, so it goes.
        for (JsonNode d : spec.at("/install/spec/deployments")) {
            for (JsonNode c : d.at("/spec/template/spec/containers")) {
                ArrayNode env = (ArrayNode) c.get("env");
                for (int i = env.size() - 1; i >= 0; i--) {
                    if (env.get(i).path("name").asText().equals(OLM_NAMESPACES_ENV)) {
                        env.remove(i);
                    }
                }
            }
        }
        spec.putArray("icon").addObject().put("base64data", Base64.getEncoder().encodeToString(
                Files.readAllBytes(project.resolve("docs/multinet-icon.svg")))).put("mediatype", "image/svg+xml");
        ArrayNode related = spec.putArray("relatedImages");
        related.addObject().put("name", "multinet").put("image", image);
        related.addObject().put("name", "flannel").put("image", FLANNEL_IMAGE);
        ((ObjectNode) csv.get("metadata").get("annotations")).put("alm-examples", almExamples(project));

        ArrayNode owned = (ArrayNode) spec.with("customresourcedefinitions").withArray("owned");
        ObjectNode mn = (ObjectNode) owned.get(0);
        mn.put("displayName", "MultiNetwork").put("description", "A flannel network pods can attach to, with its per-node health.");
        descriptors(mn.putArray("specDescriptors"), new String[][] {
                { "network", "Network", "IPv4 CIDR of the network" },
                { "backend.type", "Backend", "flannel backend" },
                { "subnetManager", "Subnet manager", "etcd or kube" },
                { "etcd.prefix", "etcd prefix", "flanneld --etcd-prefix" },
                { "attachment.name", "Attachment name", "NetworkAttachmentDefinition name" },
                { "default", "Default network", "every pod gets it as eth0" } });
        descriptors(mn.putArray("statusDescriptors"), new String[][] {
                { "conditions", "Conditions", "Ready, Progressing, Degraded" },
                { "nodes.summary", "Nodes", "ready/desired" },
                { "allocated", "Allocated", "values allocated to the network" },
                { "attachments", "Attachments", "NetworkAttachmentDefinitions written" } });
        owned.addObject().put("kind", "MultiNetworkNodeState").put("name", "multinetworknodestates.multinet.io").put("version", "v1alpha1")
                .put("displayName", "MultiNetworkNodeState").put("description", "What the delegator on one node sees of every network.");
        owned.addObject().put("kind", "NetworkAttachmentDefinition").put("name", "network-attachment-definitions.k8s.cni.cncf.io")
                .put("version", "v1").put("displayName", "NetworkAttachmentDefinition")
                .put("description", "The standard attachment resource pods name in k8s.v1.cni.cncf.io/networks.");

        // Secrets are read only in the operator's own namespace: a namespaced Role, not the cluster-wide one.
        ArrayNode clusterPerms = (ArrayNode) spec.at("/install/spec").withArray("clusterPermissions");
        ArrayNode operatorRules = (ArrayNode) clusterPerms.get(0).get("rules");
        for (int i = operatorRules.size() - 1; i >= 0; i--) {
            if (operatorRules.get(i).path("resources").toString().contains("\"secrets\"")) {
                operatorRules.remove(i);
            }
        }
        // the namespaced rule itself comes from the multinet-secrets Role of src/main/kubernetes, which
        // the bundle generator turns into the CSV's permissions
        if (!spec.at("/install/spec/permissions").toString().contains("\"secrets\"")) {
            throw new IllegalStateException("the CSV has no namespaced permission to read Secrets: is the multinet-secrets Role "
                    + "still in src/main/kubernetes/kubernetes.yml?");
        }
        ObjectNode delegatorPerms = clusterPerms.addObject();
        delegatorPerms.put("serviceAccountName", NetworkNames.DELEGATOR_DAEMONSET);
        delegatorPerms.set("rules", JSON.valueToTree(DelegatorDaemonSet.rbacRules()));

        write(bundleOut.resolve("manifests/multinet.clusterserviceversion.yaml"), csv);
        for (String crd : List.of("multinetworks.multinet.io", "multinetworknodestates.multinet.io", "network-attachment-definitions.k8s.cni.cncf.io")) {
            Files.copy(project.resolve("crds/" + crd + ".yaml"), bundleOut.resolve("manifests/" + crd + ".crd.yaml"));
        }
        // No ServiceMonitor, PodMonitor or PrometheusRule: in a bundle they would make the Prometheus Operator's
        // CRDs a condition of installing at all, and the operator creates them at start where those CRDs exist.
        writePlain(project, deployOut);
    }

    /** The standard NAD CRD, shared with Multus and anything else that reads NADs. */
    public static final String NAD_CRD = "network-attachment-definitions.k8s.cni.cncf.io.yaml";

    /**
     * Plain manifests for clusters without OLM: the same objects as the bundle, in multinet.yaml, and
     * the standard NAD CRD beside it (installed with it, never uninstalled with it). The hand-written
     * objects (the namespace with its Pod Security labels, the Secrets Role) come from
     * src/main/kubernetes/kubernetes.yml through the Quarkus Kubernetes extension; the CRDs and the
     * delegator's RBAC, which the code defines, are added here.
     */
    public static void writePlain(Path project, Path deployOut) throws IOException {
        Files.createDirectories(deployOut);
        List<String> docs = new ArrayList<>();
        try (var s = Files.list(project.resolve("crds"))) {
            for (Path crd : s.sorted().toList()) {
                if (crd.getFileName().toString().equals(NAD_CRD)) {
                    // a file of its own: `kubectl delete -f multinet.yaml` must never delete the standard
                    // NAD CRD, and with it every NetworkAttachmentDefinition in the cluster, foreign ones too
                    Files.writeString(deployOut.resolve(NAD_CRD), Files.readString(crd));
                } else {
                    docs.add(Files.readString(crd));
                }
            }
        }
        List<HasMetadata> generated;
        try (InputStream in = Files.newInputStream(project.resolve("target/kubernetes/kubernetes.yml"))) {
            generated = Serialization.unmarshal(in);
        }
        for (HasMetadata o : generated) {
            if (o instanceof io.fabric8.kubernetes.api.model.rbac.ClusterRole role) {
                role.getRules().removeIf(r -> r.getResources().contains("secrets"));
            }
            docs.add(Serialization.asYaml(o));
        }
        List<HasMetadata> delegator = List.of(
                new ServiceAccountBuilder().withNewMetadata().withName(NetworkNames.DELEGATOR_DAEMONSET).withNamespace(NAMESPACE).endMetadata().build(),
                new ClusterRoleBuilder().withNewMetadata().withName(NetworkNames.DELEGATOR_DAEMONSET).endMetadata()
                        .withRules(DelegatorDaemonSet.rbacRules()).build(),
                new ClusterRoleBindingBuilder().withNewMetadata().withName(NetworkNames.DELEGATOR_DAEMONSET).endMetadata()
                        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole")
                        .withName(NetworkNames.DELEGATOR_DAEMONSET).endRoleRef()
                        .addNewSubject().withKind("ServiceAccount").withName(NetworkNames.DELEGATOR_DAEMONSET).withNamespace(NAMESPACE).endSubject()
                        .build());
        delegator.forEach(o -> docs.add(Serialization.asYaml(o)));
        Files.writeString(deployOut.resolve("multinet.yaml"), String.join("\n---\n", docs.stream().map(d -> d.replaceFirst("^---\n", "").strip()).toList()) + "\n");
    }

    static final String OLM_NAMESPACES_ENV = "QUARKUS_OPERATOR_SDK_CONTROLLERS_MULTINETWORK_NAMESPACES";

    static String almExamples(Path project) throws IOException {
        ArrayNode examples = JSON.createArrayNode();
        List<MultiNetwork> networks = new ArrayList<>();
        try (InputStream in = Files.newInputStream(project.resolve("demo/networks.yaml"))) {
            var parser = YAML.getFactory().createParser(in);
            for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext();) {
                JsonNode n = it.next();
                examples.add(n);
                networks.add(Serialization.unmarshal(n.toString(), MultiNetwork.class));
            }
        }
        // Every owned API has an example (OperatorHub's validator asks for one): a NAD with the config the
        // operator writes for the demo's second network, without the operator's ownership marks (an
        // admin's own NAD is never touched by the operator), and a node state named as the delegator names it.
        MultiNetwork second = networks.get(1);
        var allocation = NetworkPlanner.planAll(networks, PlannerSettings.defaults()).get(second.getMetadata().getName()).allocation();
        var nad = Attachments.desired(second, allocation, "default");
        ObjectNode plain = JSON.createObjectNode().put("apiVersion", nad.getApiVersion()).put("kind", nad.getKind());
        plain.putObject("metadata").put("name", nad.getMetadata().getName()).put("namespace", "default");
        plain.putObject("spec").put("config", nad.getSpec().config);
        examples.add(plain);
        examples.add(JSON.createObjectNode().put("apiVersion", "multinet.io/v1alpha1").put("kind", "MultiNetworkNodeState")
                .set("metadata", JSON.createObjectNode().put("name", "node-a")));
        return examples.toPrettyString();
    }

    static void descriptors(ArrayNode out, String[][] rows) {
        for (String[] r : rows) {
            out.addObject().put("path", r[0]).put("displayName", r[1]).put("description", r[2]);
        }
    }

    static void write(Path file, JsonNode node) throws IOException {
        Files.writeString(file, YAML.writeValueAsString(node), StandardCharsets.UTF_8);
    }

    static void deleteTree(Path p) throws IOException {
        if (Files.exists(p)) {
            try (var walk = Files.walk(p)) {
                for (Path f : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
        }
    }
}
