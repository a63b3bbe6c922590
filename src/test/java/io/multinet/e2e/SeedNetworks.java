package io.multinet.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import io.multinet.NetworkNames;
import io.multinet.bundle.BundleFinisher;

/**
 * multinet as an admin installs it from its own manifests (docs/install.md), with the seed's two
 * networks of demo/networks.yaml: flannel1 (default, kube-subnet-mgr, eth0) and flannel2 (etcd over
 * TLS with this cluster's client certificates, host-gw, eth1). Shared by the E2E classes that need both.
 */
public final class SeedNetworks {

    public static final String NS = "multinet-system";
    public static final List<String> NAMES = List.of("flannel1", "flannel2");

    private SeedNetworks() {
    }

    public static void install(Path work) throws Exception {
        // what `make bundle` writes, then docs/install.md's own install commands
        BundleFinisher.writePlain(TestCluster.project(), TestCluster.project().resolve("target/deploy"));
        System.out.println(TestCluster.runDocumented("install"));

        Path pki = TestCluster.pki();
        TestCluster.kubectl("create", "secret", "generic", "-n", NS, "flannel2-etcd-tls",
                "--from-file=ca.crt=" + pki.resolve("ca.crt"), "--from-file=tls.crt=" + pki.resolve("etcd-flannel-client.crt"),
                "--from-file=tls.key=" + pki.resolve("etcd-flannel-client.key"));
        // demo/networks.yaml as the admin wrote it, plus where this cluster's etcd is and its TLS Secret
        String networks = Files.readString(TestCluster.project().resolve("demo/networks.yaml")).replace("    prefix: /k8s/network2\n",
                "    prefix: /k8s/network2\n    endpoints: [" + TestCluster.flannelEtcd() + "]\n    tlsSecret: flannel2-etcd-tls\n");
        assertTrue(networks.contains("tlsSecret"), "demo/networks.yaml no longer has flannel2's etcd prefix line");
        Path f = work.resolve("networks.yaml");
        Files.writeString(f, networks);
        TestCluster.kubectl("apply", "-f", f.toString());
    }

    /** Both networks Ready, their flanneld running on both nodes. */
    public static void awaitReady(Duration timeout) {
        for (String net : NAMES) {
            TestCluster.await(net + " Ready on both nodes", timeout, () -> TestCluster.kubectl("get", "mnet", net, "-o",
                    "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}").equals("True")
                    && TestCluster.readyOnEveryNode(NS, NetworkNames.flanneldDaemonSet(net)));
        }
    }
}
