package io.multinet.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.multinet.NetworkNames;
import io.multinet.api.nad.NetworkAttachmentDefinition;
import io.multinet.api.nad.NetworkAttachmentDefinitionSpec;
import io.multinet.api.v1alpha1.Allocation;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.api.v1alpha1.MultiNetworkStatus;
import io.multinet.api.v1alpha1.NetworkPlanner;
import io.multinet.api.v1alpha1.Networks;
import io.multinet.api.v1alpha1.PlannerSettings;
import io.multinet.cni.ExecPluginRunner;
import io.multinet.delegator.CniRequest;
import io.multinet.delegator.Delegator;
import io.multinet.delegator.KubeClusterView;
import io.multinet.flannel.SubnetEnv;
import io.multinet.operator.Attachments;

/**
 * One simulated node for delegator tests: a "node" network namespace where the real reference
 * plugins run (bridges live there), a temporary root for every host path, the seed's two networks
 * accepted as the operator would accept them, and playing flanneld: their subnet files.
 */
public final class NodeSim implements AutoCloseable {

    public static final String NODE = "node-a";
    public final NetnsFixture netns = new NetnsFixture();
    public final Netns node;
    public final KubernetesClient client;
    public final Path root;
    public final Path cacheDir;
    public final Path ipamDir;
    public final Path extraPlugins;
    public final KubeClusterView view;
    public final Delegator delegator;

    public NodeSim(KubernetesClient client, boolean namespaceIsolation, List<String> globalNamespaces) throws IOException {
        this.client = client;
        this.node = netns.create("node");
        this.root = Files.createTempDirectory("multinet-root");
        this.cacheDir = netns.track(Files.createDirectories(root.resolve("var/lib/multinet/cache")));
        this.ipamDir = netns.trackLeases(Files.createDirectories(root.resolve("var/lib/cni/networks")));
        this.extraPlugins = Files.createDirectories(root.resolve("opt/cni/bin"));
        new FakeCluster(client).applyCrds();
        for (String ns : List.of("default", "team-a")) {
            client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).createOr(x -> x.update());
        }
        accept(Networks.flannel1(), new SubnetEnv("172.96.0.0/16", "172.96.5.1/24", 1450, true));
        accept(Networks.flannel2(), new SubnetEnv("172.112.0.0/16", "172.112.88.1/24", 1500, true));
        this.view = new KubeClusterView(io.multinet.kube.KubeApi.connect(Optional.of(client.getMasterUrl().toString()), Optional.empty()), NODE, Optional::empty,
                Duration.ofSeconds(2));
        OperatorHarness.eventually("informers synced and default network seen", () -> view.synced() && view.defaultNetwork().isPresent());
        var runner = new ExecPluginRunner(List.of("/usr/lib/cni", extraPlugins.toString()), Duration.ofSeconds(30),
                List.of("ip", "netns", "exec", node.name()));
        this.delegator = new Delegator(view, runner, new Delegator.Options(cacheDir, ipamDir.toString(), namespaceIsolation, globalNamespaces, Duration.ofSeconds(120)),
                new io.multinet.delegator.DelegatorMetrics(new io.multinet.delegator.Prometheus()));
    }

    /** The network-status annotation of a pod, parsed. */
    public static com.fasterxml.jackson.databind.JsonNode networkStatusOf(io.fabric8.kubernetes.api.model.Pod pod) throws IOException {
        java.util.Map<String, String> ann = pod.getMetadata().getAnnotations();
        return io.multinet.JsonBinding.MAPPER.readTree(ann == null ? "[]" : ann.getOrDefault(io.multinet.NetworkNames.NETWORK_STATUS_ANNOTATION, "[]"));
    }

    public PlannerSettings plannerSettings() {
        return new PlannerSettings(root.resolve("run/flannel/networks").toString(), root.resolve("var/lib/cni/flannel").toString(),
                List.of(), 10300, 100, 1, true);
    }

    /** As the operator: allocation in status and the NAD in default; as flanneld: the subnet file. */
    private void accept(MultiNetwork n, SubnetEnv env) throws IOException {
        Allocation a = acceptNetwork(client, n, plannerSettings());
        Files.createDirectories(Path.of(a.subnetFile).getParent());
        Files.writeString(Path.of(a.subnetFile), env.render());
        netns.track(Files.createDirectories(Path.of(a.dataDir)));
        node.keep(a.bridge);
    }

    /** What the operator does for a valid network, minus etcd and flanneld: allocation in status, the NAD in default. */
    public static Allocation acceptNetwork(KubernetesClient client, MultiNetwork n, PlannerSettings settings) {
        Allocation a = NetworkPlanner.planAll(List.of(n), settings).get(n.getMetadata().getName()).allocation();
        MultiNetwork stored = client.resource(n).createOr(x -> x.update());
        stored.setStatus(new MultiNetworkStatus());
        stored.getStatus().allocated = a;
        client.resource(stored).updateStatus();
        client.resource(Attachments.desired(n, a, "default")).createOr(x -> x.update());
        return a;
    }

    public void nad(String namespace, String name, String config) {
        NetworkAttachmentDefinition nad = new NetworkAttachmentDefinition();
        nad.getMetadata().setName(name);
        nad.getMetadata().setNamespace(namespace);
        nad.setSpec(new NetworkAttachmentDefinitionSpec(config));
        client.resource(nad).createOr(x -> x.update());
    }

    public Pod pod(String namespace, String name, String networks) {
        var b = new PodBuilder().withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().withNodeName(NODE).addNewContainer().withName("busybox").withImage("busybox").endContainer().endSpec();
        if (networks != null) {
            b.editMetadata().addToAnnotations(NetworkNames.NETWORKS_ANNOTATION, networks).endMetadata();
        }
        return client.resource(b.build()).create();
    }

    public static String conf(String version) {
        return "{\"cniVersion\":\"" + version + "\",\"name\":\"multinet\",\"type\":\"multinet\"}";
    }

    public static CniRequest request(String command, String containerId, Netns pod, String ifname, String args, String conf) {
        return new CniRequest(command, containerId, pod == null ? null : pod.path(), ifname, args, conf.getBytes(StandardCharsets.UTF_8));
    }

    public static String podArgs(String namespace, String name) {
        return "K8S_POD_NAMESPACE=" + namespace + ";K8S_POD_NAME=" + name;
    }

    /** ADD of the pod (a sandbox netns named after it) with CNI_IFNAME eth0. */
    public String add(Netns sandbox, String containerId, String namespace, String pod, String version) {
        return new String(delegator.handle(request("ADD", containerId, sandbox, "eth0", podArgs(namespace, pod), conf(version))),
                StandardCharsets.UTF_8);
    }

    public void del(Netns sandbox, String containerId, String namespace, String pod) {
        delegator.handle(request("DEL", containerId, sandbox, "eth0", podArgs(namespace, pod), conf("1.0.0")));
    }

    /** IPv4 addresses of an interface inside a namespace, as `ip -o -4 addr show dev` prints them. */
    public static List<String> addresses(Netns ns, String ifname) {
        return java.util.Arrays.stream(ns.ip("-o", "-4", "addr", "show", "dev", ifname).split("\n")).filter(l -> !l.isBlank())
                .map(l -> l.replaceAll(".* inet ([0-9./]+) .*", "$1")).toList();
    }

    public Map<String, Object> info() {
        return Map.of("root", root, "node", node.name());
    }

    @Override
    public void close() {
        view.close();
        try {
            netns.close();
        } finally {
            EtcdServer.deleteTree(root);
        }
    }
}
