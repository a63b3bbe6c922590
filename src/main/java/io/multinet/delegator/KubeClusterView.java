package io.multinet.delegator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.multinet.Json;
import io.multinet.NetworkNames;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.kube.Informer;
import io.multinet.kube.KubeApi;
import io.multinet.kube.KubeApiException;

/**
 * The cluster as the node daemon sees it: informers on the pods of this node, on NADs and on
 * MultiNetworks, so an ADD normally needs no API round trip. Pods are cached as the delegator reads
 * them (name and annotations): a node's pods are the largest cache, and their specs are never read.
 */
public class KubeClusterView implements ClusterView, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KubeClusterView.class);
    static final String PODS = "/api/v1/pods";
    static final String NAD_API = "/apis/k8s.cni.cncf.io/v1";
    static final String NADS = NAD_API + "/network-attachment-definitions";
    /** multinet's own API group and version, as a path (MultiNetworks here, node states in NodeStateReporter). */
    static final String MULTINET_API = "/apis/" + MultiNetwork.GROUP + "/" + MultiNetwork.VERSION;
    static final String NETWORKS = MULTINET_API + "/multinetworks";

    private final KubeApi api;
    private final String nodeName;
    private final PrimaryConfig primary;
    private final Informer<Pod> pods;
    private final Informer<Nad> nads;
    private final Informer<NodeNetwork> networks;
    private final Duration podWait;

    /** The node's own CNI config, used as eth0 when no MultiNetwork is the default. */
    public interface PrimaryConfig {
        Optional<DefaultNetwork> read();
    }

    public KubeClusterView(KubeApi api, String nodeName, PrimaryConfig primary, Duration podWait) {
        this.api = api;
        this.nodeName = nodeName;
        this.primary = primary;
        this.podWait = podWait;
        this.pods = new Informer<>(api, "pods", PODS, "spec.nodeName=" + nodeName, KubeClusterView::pod);
        this.nads = new Informer<>(api, "nads", NADS, null, KubeClusterView::nad);
        this.networks = new Informer<>(api, "multinetworks", NETWORKS, null, NodeNetwork::of);
    }

    static Pod pod(JsonNode o) {
        JsonNode m = o.path("metadata");
        Map<String, String> ann = new HashMap<>();
        // only the annotation the delegator reads: the others (last-applied configurations, the network-status we write) can be large
        String networks = m.path("annotations").path(NetworkNames.NETWORKS_ANNOTATION).asText(null);
        if (networks != null) {
            ann.put(NetworkNames.NETWORKS_ANNOTATION, networks);
        }
        return new Pod(m.path("namespace").asText(), m.path("name").asText(), Map.copyOf(ann));
    }

    /** The NAD as the delegator reads it; the rest of the object (managedFields, annotations) is not kept. */
    static Nad nad(JsonNode o) {
        JsonNode m = o.path("metadata");
        JsonNode config = o.path("spec").path("config");
        return new Nad(m.path("namespace").asText(), m.path("name").asText(), m.path("resourceVersion").asText(null),
                config.isTextual() ? config.textValue() : null);
    }

    public boolean synced() {
        return pods.hasSynced() && nads.hasSynced() && networks.hasSynced();
    }

    public List<NodeNetwork> networks() {
        return networks.list();
    }

    /** The pod as this node's informer has it, without asking the API server. */
    public Optional<Pod> cachedPod(String namespace, String name) {
        return pods.get(namespace + "/" + name);
    }

    static String podPath(String namespace, String name) {
        return "/api/v1/namespaces/" + namespace + "/pods/" + name;
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
            JsonNode p = api.get(podPath(namespace, name));
            if (p != null || System.nanoTime() > deadline) {
                return Optional.ofNullable(p).map(KubeClusterView::pod);
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
    public Optional<Nad> nad(String namespace, String name) {
        Optional<Nad> cached = nads.get(namespace + "/" + name);
        if (cached.isPresent()) {
            return cached;
        }
        JsonNode o = api.get(NAD_API + "/namespaces/" + namespace + "/network-attachment-definitions/" + name);
        return Optional.ofNullable(o).map(KubeClusterView::nad);
    }

    /** The MultiNetwork marked default, once accepted by the operator; empty without one. */
    public Optional<NodeNetwork> defaultMultiNetwork() {
        // a default network being deleted takes no new pod (NodeNetwork.isDefault): they fall back to the node's own
        // primary CNI config, or wait, instead of holding the network (and its datapath on the node) past its deletion
        return networks.list().stream().filter(NodeNetwork::isDefault).findFirst();
    }

    @Override
    public Optional<DefaultNetwork> defaultNetwork() {
        Optional<NodeNetwork> mn = defaultMultiNetwork();
        if (mn.isPresent()) {
            if (!Files.exists(Path.of(mn.get().allocated().subnetFile))) {
                return Optional.empty();
            }
            return Optional.of(new DefaultNetwork(mn.get().name(), mn.get().cniConfig(true), "MultiNetwork " + mn.get().name() + " (spec.default: true)"));
        }
        return primary.read();
    }

    /** The annotation is written after ADD has answered: the runtime does not wait for an API round trip. */
    private final java.util.concurrent.ExecutorService statusWriter = java.util.concurrent.Executors.newSingleThreadExecutor(
            io.multinet.Threads.daemon("network-status"));

    @Override
    public void reportStatus(String namespace, String pod, ArrayNode networkStatus) {
        statusWriter.execute(() -> writeStatus(namespace, pod, networkStatus));
    }

    private void writeStatus(String namespace, String pod, ArrayNode networkStatus) {
        try {
            ObjectNode patch = Json.object();
            patch.putObject("metadata").putObject("annotations").put(NetworkNames.NETWORK_STATUS_ANNOTATION,
                    Json.pretty(networkStatus));
            api.mergePatch(podPath(namespace, pod), patch);
        } catch (KubeApiException e) {
            // the pod is attached; a missing annotation must not fail the ADD
            LOG.warnf("cannot write %s on %s/%s: %s", NetworkNames.NETWORK_STATUS_ANNOTATION, namespace, pod, e.getMessage());
        }
    }

    @Override
    public void reportFailure(String namespace, String pod, String message) {
        String now = UtcTime.iso(System.currentTimeMillis());
        ObjectNode e = Json.object();
        e.put("apiVersion", "v1").put("kind", "Event");
        e.putObject("metadata").put("generateName", pod + ".").put("namespace", namespace);
        e.putObject("involvedObject").put("apiVersion", "v1").put("kind", "Pod").put("name", pod).put("namespace", namespace);
        e.put("type", "Warning").put("reason", "MultinetAttachFailed").put("message", message);
        e.put("firstTimestamp", now).put("lastTimestamp", now).put("count", 1);
        e.putObject("source").put("component", "multinet-delegator").put("host", nodeName);
        try {
            api.post("/api/v1/namespaces/" + namespace + "/events", e);
        } catch (KubeApiException x) {
            LOG.warnf("cannot record the failure on %s/%s: %s", namespace, pod, x.getMessage());
        }
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
