package io.multinet.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/** The test ground itself: two Ready nodes that run pods, with exec, logs and traffic between nodes. */
class ClusterE2E {

    static final String NS = "e2e-cluster";
    static KubernetesClient k8s;

    @BeforeAll
    static void namespace() {
        k8s = TestCluster.admin();
        k8s.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();
    }

    @AfterAll
    static void cleanup() {
        k8s.namespaces().withName(NS).delete();
        TestCluster.await("namespace " + NS + " deleted", Duration.ofMinutes(2), () -> k8s.namespaces().withName(NS).get() == null);
        k8s.close();
    }

    @Test
    void twoReadyNodesWithPodCidrsFromTheClusterRange() {
        var nodes = k8s.nodes().list().getItems();
        assertEquals(TestCluster.nodes(), nodes.stream().map(n -> n.getMetadata().getName()).sorted().toList());
        for (Node n : nodes) {
            assertTrue(n.getStatus().getConditions().stream().anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")),
                    n.getMetadata().getName() + " is not Ready: " + n.getStatus().getConditions());
            assertTrue(n.getSpec().getPodCIDR().startsWith("172.96."), n.getMetadata().getName() + " podCIDR " + n.getSpec().getPodCIDR());
            assertEquals("v1.34.4", n.getStatus().getNodeInfo().getKubeletVersion());
        }
    }

    @Test
    void busyboxOnEachNodeShowsItsAddressLogsAndReachesTheOtherNode() {
        Map<String, String> ips = new HashMap<>();
        for (String node : TestCluster.nodes()) {
            k8s.pods().inNamespace(NS).resource(busybox("bb-" + node, node)).create();
        }
        for (String node : TestCluster.nodes()) {
            Pod p = k8s.pods().inNamespace(NS).withName("bb-" + node)
                    .waitUntilCondition(TestCluster::ready, 2, java.util.concurrent.TimeUnit.MINUTES);
            assertEquals(node, p.getSpec().getNodeName());
            ips.put(node, p.getStatus().getPodIP());
        }
        for (String node : TestCluster.nodes()) {
            String ipA = TestCluster.kubectl("exec", "-n", NS, "bb-" + node, "--", "ip", "a");
            assertTrue(ipA.contains("eth0") && ipA.contains("inet " + ips.get(node) + "/24"), "ip a in bb-" + node + ":\n" + ipA);
            TestCluster.await("the log of bb-" + node, Duration.ofSeconds(30),
                    () -> TestCluster.kubectl("logs", "-n", NS, "bb-" + node).contains("hello from " + node));
        }
        String ping = TestCluster.kubectl("exec", "-n", NS, "bb-node1", "--", "ping", "-c", "2", "-W", "3", ips.get("node2"));
        assertTrue(ping.contains("2 packets received"), ping);
        // the kubernetes Service, through kube-proxy's rules on the node, to the API server on node1
        String version = TestCluster.kubectl("exec", "-n", NS, "bb-node2", "--", "wget", "-qO-", "--no-check-certificate",
                "https://10.96.0.1/version");
        assertTrue(version.contains("\"gitVersion\": \"v1.34.4\""), version);
    }

    @Test
    void podSecurityEnforcesBaselineByDefault() {
        var privileged = new PodBuilder(busybox("privileged", "node1")).editSpec().editFirstContainer().withNewSecurityContext()
                .withPrivileged(true).endSecurityContext().endContainer().endSpec().build();
        var e = org.junit.jupiter.api.Assertions.assertThrows(io.fabric8.kubernetes.client.KubernetesClientException.class,
                () -> k8s.pods().inNamespace(NS).resource(privileged).create());
        assertEquals(403, e.getCode());
        assertTrue(e.getMessage().contains("violates PodSecurity \"baseline:latest\": privileged"), e.getMessage());
    }

    static Pod busybox(String name, String node) {
        return new PodBuilder().withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withNodeName(node).withTerminationGracePeriodSeconds(0L)
                .addNewContainer().withName("bb").withImage(TestCluster.busybox()).withImagePullPolicy("IfNotPresent")
                .withCommand("sh", "-c", "echo hello from " + node + "; exec sleep 3600").endContainer()
                .endSpec().build();
    }
}
