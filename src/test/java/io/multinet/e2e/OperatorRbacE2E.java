package io.multinet.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.multinet.NetworkNames;
import io.multinet.bundle.BundleFinisher;
import io.multinet.testing.Loopback;

/**
 * The operator under real RBAC: started from the built jar, outside the cluster, with nothing but
 * the token of the ServiceAccount that target/deploy/multinet.yaml creates and the rules that file
 * grants (docs/rbac.md). It runs in the prod profile, so leader election takes its Lease for real.
 */
class OperatorRbacE2E {

    static final String NS = "multinet-system";
    static final String SA = "multinet";
    static Path work;
    static Path saKubeconfig;
    static Path log;
    static Process operator;
    static KubernetesClient k8s;

    /**
     * A denial in the operator's log: HTTP 403 as a number of its own (a UUID such as a leader's
     * identity may hold the digits 403, and once did) or the word forbidden.
     */
    static final java.util.regex.Pattern DENIED = java.util.regex.Pattern.compile("\\b403\\b|(?i:forbidden)");

    @BeforeAll
    static void installAndStart() throws Exception {
        k8s = TestCluster.admin();
        work = Files.createDirectories(TestCluster.project().resolve("target/e2e/operator-rbac"));
        BundleFinisher.writePlain(TestCluster.project(), work);
        // Everything of the plain manifests but the operator's Deployment: this test runs the operator itself.
        String all = Files.readString(work.resolve("multinet.yaml"));
        List<String> docs = List.of(all.split("\n---\n")).stream().filter(d -> !d.contains("kind: \"Deployment\"")).toList();
        Path manifests = work.resolve("multinet-without-deployment.yaml");
        Files.writeString(manifests, String.join("\n---\n", docs));
        // with the NAD CRD, as the install applies them (docs/install.md): run alone on a fresh cluster, the
        // operator otherwise stops at once on the missing CRD; in the suite an earlier class had applied it
        TestCluster.kubectl("apply", "-f", work.resolve("network-attachment-definitions.k8s.cni.cncf.io.yaml").toString(),
                "-f", manifests.toString());

        String token = TestCluster.kubectl("create", "token", SA, "-n", NS, "--duration=1h").strip();
        Config admin = Config.fromKubeconfig(Files.readString(TestCluster.kubeconfig()));
        saKubeconfig = work.resolve("operator.kubeconfig");
        Files.writeString(saKubeconfig, """
                apiVersion: v1
                kind: Config
                clusters: [{name: e2e, cluster: {server: "%s", certificate-authority-data: "%s"}}]
                users: [{name: %s, user: {token: "%s"}}]
                contexts: [{name: e2e, context: {cluster: e2e, user: %s, namespace: %s}}]
                current-context: e2e
                """.formatted(admin.getMasterUrl(), admin.getCaCertData(), SA, token, SA, NS));

        log = work.resolve("operator.log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                TestCluster.project().resolve("target/quarkus-app/quarkus-run.jar").toString());
        pb.environment().put("KUBECONFIG", saKubeconfig.toString());
        pb.environment().put("MULTINET_ROLE", "operator");
        pb.environment().put("QUARKUS_HTTP_HOST", "127.0.0.1");
        pb.environment().put("QUARKUS_HTTP_PORT", String.valueOf(Loopback.freePort()));
        operator = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            TestCluster.kubectl("delete", "mnet", "--all", "--wait=true", "--timeout=120s");
        } finally {
            if (operator != null) {
                operator.destroy();
                if (!operator.waitFor(30, TimeUnit.SECONDS)) {
                    operator.destroyForcibly().waitFor();
                }
            }
            k8s.close();
        }
    }

    @Test
    void reconcilesTheDefaultNetworkWithNoRequestDenied() throws Exception {
        Path demo = TestCluster.project().resolve("demo/networks.yaml");
        String flannel1 = Files.readString(demo).split("\n---\n")[0];
        Path f = work.resolve("flannel1.yaml");
        Files.writeString(f, flannel1);
        TestCluster.kubectl("apply", "-f", f.toString());

        // Ready on both nodes: real flanneld pods in kube-subnet-mgr mode and the delegator on each node
        TestCluster.await("flannel1 Ready with 2/2 nodes", Duration.ofMinutes(4), () -> TestCluster.kubectl("get", "mnet", "flannel1", "-o",
                "jsonpath={.status.conditions[?(@.type==\"Ready\")].status} {.status.observedGeneration}/{.metadata.generation}")
                .equals("True 1/1"));
        assertEquals("2", TestCluster.kubectl("get", "ds", "-n", NS, NetworkNames.flanneldDaemonSet("flannel1"), "-o",
                "jsonpath={.status.numberReady}"));
        assertEquals("2", TestCluster.kubectl("get", "ds", "-n", NS, NetworkNames.DELEGATOR_DAEMONSET, "-o", "jsonpath={.status.numberReady}"));
        assertTrue(TestCluster.kubectl("get", "net-attach-def", "-A", "-o", "name").contains("flannel1-conf"));
        assertEquals(List.of("node1", "node2"), List.of(TestCluster.kubectl("get", "mnetns", "-o", "name").replace("multinetworknodestate.multinet.io/", "")
                .strip().split("\n")));
        // leader election took the Lease under the ServiceAccount's own rules
        assertTrue(TestCluster.kubectl("get", "lease", "-n", NS, "multinet-operator", "-o", "jsonpath={.spec.holderIdentity}").length() > 0);

        assertFalse(Files.readAllLines(log).stream().anyMatch(OperatorRbacE2E::denies), "the operator was denied a request:\n" + denied());
    }

    @Test
    void aRequestOutsideItsRulesIsDenied() {
        var deleteNode = TestCluster.kubectlAs(saKubeconfig, "delete", "node", "node2", "--dry-run=server");
        assertNotEquals(0, deleteNode.exit());
        assertTrue(deleteNode.err().contains("Forbidden") && deleteNode.err().contains("system:serviceaccount:" + NS + ":" + SA),
                deleteNode.err());
        // secrets are readable in its own namespace only (docs/rbac.md), never elsewhere
        var secrets = TestCluster.kubectlAs(saKubeconfig, "get", "secrets", "-n", "kube-system");
        assertNotEquals(0, secrets.exit());
        assertTrue(secrets.err().contains("Forbidden"), secrets.err());
    }

    static String denied() throws IOException {
        return String.join("\n", Files.readAllLines(log).stream().filter(OperatorRbacE2E::denies).limit(10).toList());
    }

    /**
     * A log line that tells of a denied request. The line's leading time is not part of it: its
     * milliseconds matched 403 once (`03:55:49.403 INFO ... starting in role OPERATOR`).
     */
    static boolean denies(String line) {
        return DENIED.matcher(TIME.matcher(line).replaceFirst("")).find();
    }

    static final java.util.regex.Pattern TIME = java.util.regex.Pattern.compile("^\\d{2}:\\d{2}:\\d{2}[.,]\\d{3} ");
}
