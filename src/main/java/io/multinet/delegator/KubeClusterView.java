package io.multinet.delegator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.multinet.NetworkNames;
import io.multinet.api.nad.NetworkAttachmentDefinition;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.flannel.FlannelCni;

/**
 * The cluster as the node daemon sees it: informers on the pods of this node, on NADs and on
 * MultiNetworks, so an ADD normally needs no API round trip.
 */
public class KubeClusterView implements ClusterView, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KubeClusterView.class);
    private static final ObjectMapper JSON = io.multinet.Json.MAPPER;

    private final KubernetesClient client;
    private final String nodeName;
    private final PrimaryConfig primary;
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<NetworkAttachmentDefinition> nads;
    private final SharedIndexInformer<MultiNetwork> networks;
    private final Duration podWait;

    /** The node's own CNI config, used as eth0 when no MultiNetwork is the default. */
    public interface PrimaryConfig {
        Optional<DefaultNetwork> read();
    }

    public KubeClusterView(KubernetesClient client, String nodeName, PrimaryConfig primary, Duration podWait) {
        this.client = client;
        this.nodeName = nodeName;
        this.primary = primary;
        this.podWait = podWait;
        this.pods = client.pods().inAnyNamespace().withField("spec.nodeName", nodeName).inform();
        this.nads = client.resources(NetworkAttachmentDefinition.class).inAnyNamespace().inform();
        this.networks = client.resources(MultiNetwork.class).inform();
    }

    public boolean synced() {
        return pods.hasSynced() && nads.hasSynced() && networks.hasSynced();
    }

    public SharedIndexInformer<MultiNetwork> networks() {
        return networks;
    }

    /** The pod as this node's informer has it, without asking the API server. */
    public Optional<Pod> cachedPod(String namespace, String name) {
        return Optional.ofNullable(pods.getStore().getByKey(namespace + "/" + name));
    }

    @Override
    public Optional<Pod> pod(String namespace, String name) {
        Optional<Pod> cached = cachedPod(namespace, name);
        if (cached.isPresent()) {
            return cached;
        }
        // The runtime may call ADD before our watch has delivered the pod: read it, briefly retrying.
        long deadline = System.nanoTime() + podWait.toNanos();
        while (true) {
            Pod p = client.pods().inNamespace(namespace).withName(name).get();
            if (p != null || System.nanoTime() > deadline) {
                return Optional.ofNullable(p);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    @Override
    public Optional<NetworkAttachmentDefinition> nad(String namespace, String name) {
        NetworkAttachmentDefinition cached = nads.getStore().getByKey(namespace + "/" + name);
        return cached != null ? Optional.of(cached)
                : Optional.ofNullable(client.resources(NetworkAttachmentDefinition.class).inNamespace(namespace).withName(name).get());
    }

    /** The MultiNetwork marked default, once accepted by the operator; empty without one. */
    public Optional<MultiNetwork> defaultMultiNetwork() {
        // a default network being deleted takes no new pod: they fall back to the node's own primary CNI
        // config, or wait, instead of holding the network (and its datapath on the node) past its deletion
        return networks.getStore().list().stream().filter(n -> n.getMetadata().getDeletionTimestamp() == null)
                .filter(n -> n.getSpec() != null && n.getSpec().defaultNetwork)
                .filter(n -> n.getStatus() != null && n.getStatus().allocated != null
                        && Boolean.TRUE.equals(n.getStatus().allocated.defaultNetwork))
                .findFirst();
    }

    @Override
    public Optional<DefaultNetwork> defaultNetwork() {
        Optional<MultiNetwork> mn = defaultMultiNetwork();
        if (mn.isPresent()) {
            var a = mn.get().getStatus().allocated;
            if (!Files.exists(Path.of(a.subnetFile))) {
                return Optional.empty();
            }
            ObjectNode conf = FlannelCni.networkConfig(mn.get(), a, true);
            return Optional.of(new DefaultNetwork(mn.get().getMetadata().getName(), conf,
                    "MultiNetwork " + mn.get().getMetadata().getName() + " (spec.default: true)"));
        }
        return primary.read();
    }

    /** The annotation is written after ADD has answered: the runtime does not wait for an API round trip. */
    private final java.util.concurrent.ExecutorService statusWriter = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "network-status");
        t.setDaemon(true);
        return t;
    });

    @Override
    public void reportStatus(String namespace, String pod, ArrayNode networkStatus) {
        statusWriter.execute(() -> writeStatus(namespace, pod, networkStatus));
    }

    private void writeStatus(String namespace, String pod, ArrayNode networkStatus) {
        try {
            ObjectNode patch = JSON.createObjectNode();
            patch.putObject("metadata").putObject("annotations").put(NetworkNames.NETWORK_STATUS_ANNOTATION,
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsString(networkStatus));
            // patched through a bare item: patching by name makes the client GET the pod first
            client.pods().resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName(pod).withNamespace(namespace)
                    .endMetadata().build()).patch(PatchContext.of(PatchType.JSON_MERGE), patch.toString());
        } catch (IOException | KubernetesClientException e) {
            // the pod is attached; a missing annotation must not fail the ADD
            LOG.warnf("cannot write %s on %s/%s: %s", NetworkNames.NETWORK_STATUS_ANNOTATION, namespace, pod, e.getMessage());
        }
    }

    @Override
    public void reportFailure(String namespace, String pod, String message) {
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        try {
            client.v1().events().inNamespace(namespace).resource(new EventBuilder().withNewMetadata().withGenerateName(pod + ".")
                    .withNamespace(namespace).endMetadata()
                    .withNewInvolvedObject().withApiVersion("v1").withKind("Pod").withName(pod).withNamespace(namespace).endInvolvedObject()
                    .withType("Warning").withReason("MultinetAttachFailed").withMessage(message)
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .withNewSource().withComponent("multinet-delegator").withHost(nodeName).endSource().build()).create();
        } catch (KubernetesClientException e) {
            LOG.warnf("cannot record the failure on %s/%s: %s", namespace, pod, e.getMessage());
        }
    }

    /** The network-status annotation of a pod, parsed (tests and the demo read it back). */
    public static JsonNode networkStatusOf(Pod pod) throws IOException {
        Map<String, String> ann = pod.getMetadata().getAnnotations();
        return JSON.readTree(ann == null ? "[]" : ann.getOrDefault(NetworkNames.NETWORK_STATUS_ANNOTATION, "[]"));
    }

    @Override
    public void close() {
        statusWriter.shutdown();
        try {
            statusWriter.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        pods.close();
        nads.close();
        networks.close();
    }
}
