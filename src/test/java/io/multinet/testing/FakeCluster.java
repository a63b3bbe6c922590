package io.multinet.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddressBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * Plays the parts of a cluster the mock API server lacks: the DaemonSet controller (one pod per
 * matching node, replaced when the template changes, removed with its DaemonSet) and kubelet
 * (pod and node readiness, set by the test).
 */
public final class FakeCluster {

    /** Label on the pods this controller makes: hash of the template they were made from. */
    public static final String TEMPLATE_HASH = "controller-revision-hash";
    static final String NODE_ANNOTATION = "multinet.test/node";

    private final KubernetesClient client;

    public FakeCluster(KubernetesClient client) {
        this.client = client;
        // the mock server logs every request at INFO: thousands of lines that hide what matters
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
    }

    /** Loads the project's CRDs (crds/*.yaml, the MultiNetwork ones and the standard NAD CRD) into the API server. */
    public FakeCluster applyCrds() {
        try (var files = Files.list(projectDir().resolve("crds"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                try (InputStream in = Files.newInputStream(f)) {
                    CustomResourceDefinition crd = Serialization.unmarshal(in, CustomResourceDefinition.class);
                    client.apiextensions().v1().customResourceDefinitions().resource(crd).createOr(c -> c.update());
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return this;
    }

    static Path projectDir() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.exists(p.resolve("pom.xml"))) {
            p = p.getParent();
        }
        return Objects.requireNonNull(p, "project directory not found");
    }

    /** A Node with the labels kubelet sets (kubernetes.io/os, kubernetes.io/hostname) plus the given ones. */
    public Node addNode(String name, Map<String, String> labels, String internalIp) {
        Map<String, String> all = new HashMap<>(Map.of("kubernetes.io/os", "linux", "kubernetes.io/hostname", name));
        all.putAll(labels);
        Node node = new NodeBuilder().withNewMetadata().withName(name).withLabels(all).endMetadata()
                .withNewStatus()
                .withAddresses(new NodeAddressBuilder().withType("InternalIP").withAddress(internalIp).build(),
                        new NodeAddressBuilder().withType("Hostname").withAddress(name).build())
                .withConditions(readyCondition(true))
                .endStatus().build();
        return client.nodes().resource(node).create();
    }

    public void setNodeReady(String name, boolean ready) {
        Node node = client.nodes().withName(name).get();
        node.getStatus().setConditions(List.of(readyCondition(ready)));
        client.nodes().resource(node).updateStatus();
    }

    public void removeNode(String name) {
        client.nodes().withName(name).delete();
    }

    private static io.fabric8.kubernetes.api.model.NodeCondition readyCondition(boolean ready) {
        return new NodeConditionBuilder().withType("Ready").withStatus(ready ? "True" : "False")
                .withReason(ready ? "KubeletReady" : "KubeletNotReady").build();
    }

    /**
     * One pass of the DaemonSet controller over every DaemonSet and node: creates missing pods (not
     * ready, as a fresh pod is), replaces pods made from an older template, removes pods whose
     * DaemonSet or node is gone or no longer selected, and writes each DaemonSet's status.
     */
    public void sync() {
        List<Node> nodes = client.nodes().list().getItems();
        List<DaemonSet> sets = client.apps().daemonSets().inAnyNamespace().list().getItems();
        List<String> wanted = new ArrayList<>();
        for (DaemonSet ds : sets) {
            String ns = ds.getMetadata().getNamespace();
            String hash = templateHash(ds);
            int desired = 0;
            int ready = 0;
            int updated = 0;
            for (Node node : nodes) {
                if (!selects(ds, node)) {
                    continue;
                }
                desired++;
                String podName = podName(ds.getMetadata().getName(), node.getMetadata().getName());
                wanted.add(ns + "/" + podName);
                Pod pod = client.pods().inNamespace(ns).withName(podName).get();
                if (pod != null && !hash.equals(pod.getMetadata().getLabels().get(TEMPLATE_HASH))) {
                    client.pods().inNamespace(ns).withName(podName).delete();
                    pod = null;
                }
                if (pod == null) {
                    pod = client.pods().inNamespace(ns).resource(newPod(ds, node, hash)).create();
                }
                updated++;
                if (isReady(pod)) {
                    ready++;
                }
            }
            DaemonSet fresh = client.apps().daemonSets().inNamespace(ns).withName(ds.getMetadata().getName()).get();
            fresh.setStatus(new DaemonSetStatusBuilder().withDesiredNumberScheduled(desired).withCurrentNumberScheduled(desired)
                    .withUpdatedNumberScheduled(updated).withNumberReady(ready).withNumberAvailable(ready)
                    .withNumberUnavailable(desired - ready).withObservedGeneration(fresh.getMetadata().getGeneration())
                    .build());
            client.apps().daemonSets().inNamespace(ns).resource(fresh).updateStatus();
        }
        for (Pod pod : client.pods().inAnyNamespace().withLabel(TEMPLATE_HASH).list().getItems()) {
            if (!wanted.contains(pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName())) {
                client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
            }
        }
    }

    /** kubelet: the pod of a DaemonSet on a node turns Ready or not Ready. Call sync() first. */
    public void setPodReady(String namespace, String daemonSet, String node, boolean ready) {
        Pod pod = client.pods().inNamespace(namespace).withName(podName(daemonSet, node)).get();
        Objects.requireNonNull(pod, "no pod of " + daemonSet + " on " + node + " (call sync() first)");
        pod.getStatus().setPhase("Running");
        pod.getStatus().setConditions(List.of(new PodConditionBuilder().withType("Ready").withStatus(ready ? "True" : "False").build()));
        client.pods().inNamespace(namespace).resource(pod).updateStatus();
        sync();
    }

    /** Sets every pod of every DaemonSet ready (or not) on every node. */
    public void setAllPodsReady(boolean ready) {
        sync();
        for (Pod pod : client.pods().inAnyNamespace().withLabel(TEMPLATE_HASH).list().getItems()) {
            setPodReady(pod.getMetadata().getNamespace(), pod.getMetadata().getOwnerReferences().get(0).getName(),
                    pod.getMetadata().getAnnotations().get(NODE_ANNOTATION), ready);
        }
    }

    public Pod pod(String namespace, String daemonSet, String node) {
        return client.pods().inNamespace(namespace).withName(podName(daemonSet, node)).get();
    }

    public static String podName(String daemonSet, String node) {
        return daemonSet + "-" + node;
    }

    static boolean isReady(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static boolean selects(DaemonSet ds, Node node) {
        Map<String, String> selector = ds.getSpec().getTemplate().getSpec().getNodeSelector();
        Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
        return selector == null || selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }

    private static String templateHash(DaemonSet ds) {
        return Integer.toHexString(Serialization.asJson(ds.getSpec().getTemplate()).hashCode());
    }

    private static Pod newPod(DaemonSet ds, Node node, String hash) {
        var template = ds.getSpec().getTemplate();
        Map<String, String> labels = new HashMap<>(template.getMetadata() == null || template.getMetadata().getLabels() == null
                ? Map.of() : template.getMetadata().getLabels());
        labels.put(TEMPLATE_HASH, hash);
        Pod pod = new PodBuilder().withNewMetadata().withName(podName(ds.getMetadata().getName(), node.getMetadata().getName()))
                .withNamespace(ds.getMetadata().getNamespace()).withLabels(labels)
                .addToAnnotations(NODE_ANNOTATION, node.getMetadata().getName())
                .addNewOwnerReference().withApiVersion("apps/v1").withKind("DaemonSet").withName(ds.getMetadata().getName())
                .withUid(ds.getMetadata().getUid()).withController(true).endOwnerReference()
                .endMetadata()
                .withSpec(Serialization.clone(template.getSpec()))
                .withNewStatus().withPhase("Pending").endStatus()
                .build();
        pod.getSpec().setNodeName(node.getMetadata().getName());
        return pod;
    }

    /** Names of the objects, for assertions. */
    public static List<String> names(List<? extends HasMetadata> items) {
        return items.stream().map(i -> i.getMetadata().getName()).sorted().toList();
    }
}
