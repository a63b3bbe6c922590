package io.multinet.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CRDs of crds/ on a real API server, which (unlike the mock tier) enforces their OpenAPI schema
 * and CEL rules: what an admin's kubectl apply is told.
 */
class CrdE2E {

    @BeforeAll
    static void applyCrds() {
        String out = TestCluster.kubectl("apply", "-f", TestCluster.project().resolve("crds").toString());
        assertTrue(out.contains("multinetworks.multinet.io"), out);
        for (String crd : new String[] { "multinetworks.multinet.io", "multinetworknodestates.multinet.io",
                "network-attachment-definitions.k8s.cni.cncf.io" }) {
            TestCluster.kubectl("wait", "--for=condition=Established", "crd/" + crd, "--timeout=60s");
        }
    }

    @AfterAll
    static void cleanup() {
        TestCluster.kubectl("delete", "mnet", "--all", "--wait=true", "--timeout=60s");
    }

    @Test
    void aBadCidrIsRefusedWithTheSchemasMessage() throws Exception {
        var r = apply("e2e-bad-cidr", "network: 172.112.0.0");
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("spec.network") && r.err().contains("should match"), r.err());
        assertNotStored("e2e-bad-cidr");
    }

    @Test
    void aSubnetLenOutOfRangeIsRefusedWithTheSchemasMessage() throws Exception {
        var r = apply("e2e-bad-len", "network: 172.112.0.0/16\n  subnetLen: 40");
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("spec.subnetLen") && r.err().contains("less than or equal to 30"), r.err());
        assertNotStored("e2e-bad-len");
    }

    @Test
    void anImmutableFieldCannotBeEditedAndTheObjectStaysAsItWas() throws Exception {
        var created = apply("e2e-immutable", "network: 172.120.0.0/16\n  etcd:\n    prefix: /e2e/immutable");
        assertEquals(0, created.exit(), created.err());

        var network = apply("e2e-immutable", "network: 172.121.0.0/16\n  etcd:\n    prefix: /e2e/immutable");
        assertNotEquals(0, network.exit());
        assertTrue(network.err().contains("network is immutable; create a new MultiNetwork instead"), network.err());

        var prefix = apply("e2e-immutable", "network: 172.120.0.0/16\n  etcd:\n    prefix: /e2e/other");
        assertNotEquals(0, prefix.exit());
        assertTrue(prefix.err().contains("etcd.prefix is immutable"), prefix.err());

        assertEquals("172.120.0.0/16 /e2e/immutable",
                TestCluster.kubectl("get", "mnet", "e2e-immutable", "-o", "jsonpath={.spec.network} {.spec.etcd.prefix}"));
    }

    static TestCluster.Result apply(String name, String spec) throws Exception {
        Path f = Files.createTempFile("mnet-", ".yaml");
        try {
            Files.writeString(f, "apiVersion: multinet.io/v1alpha1\nkind: MultiNetwork\nmetadata:\n  name: " + name + "\nspec:\n  " + spec + "\n");
            return TestCluster.kubectlAs(TestCluster.kubeconfig(), "apply", "-f", f.toString());
        } finally {
            Files.delete(f);
        }
    }

    static void assertNotStored(String name) {
        var r = TestCluster.kubectlAs(TestCluster.kubeconfig(), "get", "mnet", name);
        assertTrue(r.exit() != 0 && r.err().contains("NotFound"), "stored although refused: " + r.out() + r.err());
    }
}
