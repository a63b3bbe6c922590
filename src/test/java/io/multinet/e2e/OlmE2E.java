package io.multinet.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.multinet.NetworkNames;

/**
 * multinet as OLM installs it, on the real cluster, before anything else installs multinet there
 * (the E2E classes run in alphabetical order). First operator-framework's own validators on the
 * bundle (the library behind `operator-sdk bundle validate`, built from Go modules by the test
 * ground as bundlecheck). Then a real OLM v0 (its olm and catalog operators, built from
 * github.com/operator-framework/operator-lifecycle-manager, with its own CRDs) and a file-based
 * catalog that opm rendered from olm-bundle/ and serves from a locally built image: an
 * OperatorGroup and a Subscription install multinet 0.1.0, which reconciles a network pods use;
 * 0.1.1, which replaces it, upgrades it in place while those pods keep their networks; deleting
 * the Subscription and the CSV uninstalls it.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OlmE2E {

    static final String OLM_NS = "olm";
    static final String NS = "multinet-olm";
    static final String PODS = "default";
    static final String NETWORK = "olm1";
    static final String CATALOG = "multinet-catalog";
    static KubernetesClient k8s;
    static Path work;
    static final Map<String, String> net1 = new HashMap<>();
    static final Map<String, String> uids = new HashMap<>();

    static TestCluster.Result bundlecheck(Path bundle) {
        return TestCluster.exec(new ProcessBuilder(TestCluster.olmBin().resolve("bundlecheck").toString(), "-k8s-version", "1.34",
                bundle.toString()).directory(TestCluster.project().toFile()), null, Duration.ofMinutes(2));
    }

    /** What an admin looks at after each step; printed for the record and returned for checks. */
    static String olmState(String when) {
        var r = TestCluster.kubectlAs(TestCluster.kubeconfig(), "get", "csv,subscription,installplan", "-n", NS, "-o", "wide");
        assertEquals(0, r.exit(), r.err());
        String out = r.out() + r.err(); // "No resources found" comes on stderr
        System.out.println("---- " + when + ": kubectl get csv,subscription,installplan -n " + NS + "\n" + out);
        return out;
    }

    @BeforeAll
    static void installOlm() throws Exception {
        k8s = TestCluster.admin();
        work = Files.createDirectories(TestCluster.project().resolve("target/e2e/olm"));
        // OLM's own CRDs, as its release applies them (server-side: the CSV CRD is too large for the
        // last-applied annotation of a client-side apply)
        TestCluster.kubectl("apply", "--server-side", "-f", TestCluster.olmCrds().toString());
        for (String crd : List.of("catalogsources", "clusterserviceversions", "installplans", "olmconfigs", "operatorconditions",
                "operatorgroups", "operators", "subscriptions")) {
            TestCluster.kubectl("wait", "--for=condition=Established", "crd/" + crd + ".operators.coreos.com", "--timeout=60s");
        }
        k8s.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(OLM_NS).endMetadata().build()).serverSideApply();
        k8s.serviceAccounts().inNamespace(OLM_NS).resource(new ServiceAccountBuilder().withNewMetadata().withName("olm-operator-serviceaccount")
                .endMetadata().build()).serverSideApply();
        // OLM's chart grants its operators everything (the aggregated olm ClusterRole is *.*): cluster-admin is that
        k8s.rbac().clusterRoleBindings().resource(new ClusterRoleBindingBuilder().withNewMetadata().withName("olm-operator-e2e").endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "cluster-admin").addNewSubject().withKind("ServiceAccount")
                .withName("olm-operator-serviceaccount").withNamespace(OLM_NS).endSubject().build()).serverSideApply();
        String image = TestCluster.olmImage();
        k8s.apps().deployments().inNamespace(OLM_NS).resource(olmDeployment("olm-operator", "/usr/bin/olm",
                List.of("--namespace", "$(OPERATOR_NAMESPACE)", "--writeStatusName", ""), image)).serverSideApply();
        k8s.apps().deployments().inNamespace(OLM_NS).resource(olmDeployment("catalog-operator", "/usr/bin/catalog",
                List.of("--namespace", OLM_NS, "--configmapServerImage=" + image, "--opmImage=" + image, "--util-image", image,
                        "--set-workload-user-id=true"), image)).serverSideApply();
        // the catalog image, served as a catalog image is (opm serve); the CatalogSource names its
        // Service, because a CatalogSource that names an image makes OLM pull it (imagePullPolicy
        // Always unless the image is named by digest), and this cluster has no registry to pull from
        k8s.apps().deployments().inNamespace(OLM_NS).resource(new DeploymentBuilder().withNewMetadata().withName(CATALOG).endMetadata()
                .withNewSpec().withNewSelector().addToMatchLabels("app", CATALOG).endSelector().withNewTemplate().withNewMetadata()
                .addToLabels("app", CATALOG).endMetadata().withNewSpec().addNewContainer().withName("registry-server")
                .withImage(TestCluster.catalogImage()).withImagePullPolicy("IfNotPresent").addNewPort().withContainerPort(50051).endPort()
                .withNewReadinessProbe().withNewExec().withCommand("grpc_health_probe", "-addr=:50051").endExec().withPeriodSeconds(2)
                .endReadinessProbe().endContainer().endSpec().endTemplate().endSpec().build()).serverSideApply();
        k8s.services().inNamespace(OLM_NS).resource(new ServiceBuilder().withNewMetadata().withName(CATALOG).endMetadata().withNewSpec()
                .addToSelector("app", CATALOG).addNewPort().withName("grpc").withPort(50051).withTargetPort(new IntOrString(50051)).endPort()
                .endSpec().build()).serverSideApply();
        // by address: this cluster runs no DNS, so the catalog operator is given the Service's IP
        String catalogIp = k8s.services().inNamespace(OLM_NS).withName(CATALOG).get().getSpec().getClusterIP();
        for (String d : List.of("olm-operator", "catalog-operator", CATALOG)) {
            TestCluster.kubectl("rollout", "status", "-n", OLM_NS, "deployment/" + d, "--timeout=300s");
        }
        TestCluster.kubectl("apply", "-f", write("catalogsource.yaml", """
                apiVersion: operators.coreos.com/v1alpha1
                kind: CatalogSource
                metadata: {name: %s, namespace: %s}
                spec:
                  sourceType: grpc
                  address: %s:50051
                  displayName: multinet (test catalog)
                """.formatted(CATALOG, OLM_NS, catalogIp)).toString());
        TestCluster.await("the CatalogSource READY", Duration.ofMinutes(3), () -> TestCluster.kubectl("get", "catsrc", "-n", OLM_NS, CATALOG,
                "-o", "jsonpath={.status.connectionState.lastObservedState}").equals("READY"));
    }

    static Deployment olmDeployment(String name, String command, List<String> args, String image) {
        return new DeploymentBuilder().withNewMetadata().withName(name).addToLabels("app", name).endMetadata().withNewSpec()
                .withNewStrategy().withType("Recreate").endStrategy().withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata().withNewSpec()
                .withServiceAccountName("olm-operator-serviceaccount").addNewContainer().withName(name).withImage(image)
                .withImagePullPolicy("IfNotPresent").withCommand(command).withArgs(args)
                .withEnv(new EnvVarBuilder().withName("OPERATOR_NAMESPACE").withNewValueFrom().withNewFieldRef().withApiVersion("v1")
                        .withFieldPath("metadata.namespace").endFieldRef().endValueFrom().build(),
                        new EnvVarBuilder().withName("OPERATOR_NAME").withValue(name).build())
                .addNewPort().withName("metrics").withContainerPort(8080).endPort()
                .withNewReadinessProbe().withNewHttpGet().withPath("/healthz").withPort(new IntOrString(8080)).endHttpGet().endReadinessProbe()
                .endContainer().endSpec().endTemplate().endSpec().build();
    }

    static Path write(String name, String text) throws Exception {
        Path f = work.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    /**
     * Leaves the cluster as the next test classes expect it, whatever failed: each step on its own, so
     * a network the operator can no longer finalize (it failed to install) does not stop the rest.
     */
    @AfterAll
    static void removeOlm() {
        List<List<String>> steps = List.of(
                List.of("delete", "pod", "-n", PODS, "-l", "e2e=olm", "--ignore-not-found", "--wait=true", "--timeout=120s"),
                List.of("delete", "mnet", NETWORK, "--ignore-not-found", "--wait=true", "--timeout=180s"),
                List.of("patch", "mnet", NETWORK, "--type=merge", "-p", "{\"metadata\":{\"finalizers\":null}}"),
                List.of("delete", "ns", NS, "--ignore-not-found", "--wait=true", "--timeout=300s"),
                List.of("delete", "ns", OLM_NS, "--ignore-not-found", "--wait=true", "--timeout=300s"),
                List.of("delete", "clusterrolebinding", "olm-operator-e2e", "--ignore-not-found"),
                List.of("delete", "-f", TestCluster.olmCrds().toString(), "--ignore-not-found", "--wait=true", "--timeout=120s"),
                List.of("delete", "nad", "-n", PODS, "another-tools-nad", "--ignore-not-found"));
        try {
            for (List<String> step : steps) {
                var r = TestCluster.kubectlAs(TestCluster.kubeconfig(), step.toArray(String[]::new));
                if (r.exit() != 0 && !r.err().contains("NotFound") && !r.err().contains("not found")) {
                    System.out.println("cleanup: kubectl " + String.join(" ", step) + ": " + r.err());
                }
            }
        } finally {
            k8s.close();
        }
    }

    @Test
    @Order(1)
    void operatorFrameworksValidatorsReportNoErrorAndNoWarning() throws Exception {
        var r = bundlecheck(TestCluster.project().resolve("olm-bundle"));
        System.out.println(r.out() + r.err());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().contains("0 errors, 0 warnings"), r.out());

        // the validators see what they should: a CSV without its examples is warned about
        Path copy = Files.createTempDirectory("multinet-bundle");
        try {
            try (var files = Files.walk(TestCluster.project().resolve("olm-bundle"))) {
                for (Path f : files.toList()) {
                    Path to = copy.resolve(TestCluster.project().resolve("olm-bundle").relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(f, to);
                    }
                }
            }
            Path csv = copy.resolve("manifests/multinet.clusterserviceversion.yaml");
            Files.writeString(csv, Files.readString(csv).replaceFirst("alm-examples: \\|-?", "alm-examples-moved: |"));
            var bad = bundlecheck(copy);
            assertEquals(2, bad.exit(), bad.out() + bad.err());
            assertTrue(bad.out().contains("example annotations not found"), bad.out());
        } finally {
            io.multinet.testing.EtcdServer.deleteTree(copy);
        }
    }

    @Test
    @Order(2)
    void anOperatorGroupAndASubscriptionInstallIt() throws Exception {
        // the NAD CRD as a cluster that ran Multus has it, with another tool's NAD in it: OLM takes the CRD over and keeps the NAD
        TestCluster.kubectl("apply", "-f", TestCluster.project().resolve("crds/network-attachment-definitions.k8s.cni.cncf.io.yaml").toString());
        TestCluster.kubectl("wait", "--for=condition=Established", "crd/network-attachment-definitions.k8s.cni.cncf.io", "--timeout=60s");
        TestCluster.kubectl("apply", "-f", write("another-nad.yaml", """
                apiVersion: k8s.cni.cncf.io/v1
                kind: NetworkAttachmentDefinition
                metadata: {name: another-tools-nad, namespace: default, labels: {owner: another-tool}}
                spec:
                  config: '{"cniVersion": "1.0.0", "name": "another", "type": "macvlan", "master": "eth1", "ipam": {"type": "static"}}'
                """).toString());
        String nadBefore = TestCluster.kubectl("get", "nad", "-n", PODS, "another-tools-nad", "-o", "jsonpath={.metadata.uid} {.spec.config}");

        // flanneld and the delegator are privileged hostNetwork pods; this cluster enforces baseline (docs/install.md)
        k8s.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).addToLabels("pod-security.kubernetes.io/enforce", "privileged")
                .endMetadata().build()).serverSideApply();
        Path pki = TestCluster.pki();
        TestCluster.kubectl("create", "secret", "generic", "-n", NS, "etcd-tls", "--from-file=ca.crt=" + pki.resolve("ca.crt"),
                "--from-file=tls.crt=" + pki.resolve("etcd-flannel-client.crt"), "--from-file=tls.key=" + pki.resolve("etcd-flannel-client.key"));
        // as docs/install.md has it: OwnNamespace, settings in the Subscription's config; Manual
        // approval so that the test installs 0.1.0 first and then upgrades
        TestCluster.kubectl("apply", "-f", write("subscription.yaml", """
                apiVersion: operators.coreos.com/v1
                kind: OperatorGroup
                metadata: {name: multinet, namespace: %s}
                spec:
                  targetNamespaces: [%s]
                ---
                apiVersion: operators.coreos.com/v1alpha1
                kind: Subscription
                metadata: {name: multinet, namespace: %s}
                spec:
                  name: multinet
                  channel: candidate
                  source: %s
                  sourceNamespace: %s
                  installPlanApproval: Manual
                  startingCSV: multinet.v0.1.0
                  config:
                    env:
                    - {name: MULTINET_OPERATOR_ETCD_ENDPOINTS, value: "%s"}
                    - {name: MULTINET_OPERATOR_ETCD_TLS_SECRET, value: etcd-tls}
                """.formatted(NS, NS, NS, CATALOG, OLM_NS, TestCluster.flannelEtcd())).toString());
        approve("multinet.v0.1.0");
        awaitCsvSucceeded("multinet.v0.1.0");
        String state = olmState("installed");
        assertTrue(state.contains("multinet.v0.1.0") && state.contains("Succeeded"), state);
        TestCluster.kubectl("rollout", "status", "-n", NS, "deployment/multinet", "--timeout=300s");
        assertTrue(TestCluster.kubectl("get", "deploy", "-n", NS, "multinet", "-o", "jsonpath={.spec.template.spec.containers[0].env}")
                .contains(TestCluster.flannelEtcd()), "the Subscription's config reached the operator's Deployment");
        // OwnNamespace keeps the CSV's namespaced permission (secrets: get) a Role of the install namespace
        String sa = "system:serviceaccount:" + NS + ":multinet";
        assertEquals("yes", canI(sa, NS, "get", "secrets"), "the operator reads its etcd Secrets");
        assertEquals("no", canI(sa, PODS, "get", "secrets"), "and no other namespace's");
        assertEquals("yes", canI(sa, PODS, "create", "network-attachment-definitions.k8s.cni.cncf.io"), "its cluster permissions are whole");

        // the operator works: an etcd-mode network whose endpoints come only from the Subscription
        TestCluster.kubectl("apply", "-f", write("olm1.yaml", """
                apiVersion: multinet.io/v1alpha1
                kind: MultiNetwork
                metadata: {name: %s}
                spec:
                  network: 172.150.0.0/16
                  backend: {type: host-gw}
                  etcd: {prefix: /k8s/olm1}
                  flanneld: {iface: [eth1]}
                """.formatted(NETWORK)).toString());
        awaitNetworkReady();
        List<String> nodes = TestCluster.nodes();
        for (int i = 0; i < 2; i++) {
            k8s.pods().inNamespace(PODS).resource(pod("olm-busybox-" + (i + 1), nodes.get(i))).create();
        }
        for (int i = 1; i <= 2; i++) {
            String name = "olm-busybox-" + i;
            k8s.pods().inNamespace(PODS).withName(name).waitUntilCondition(TestCluster::ready, 3, java.util.concurrent.TimeUnit.MINUTES);
            net1.put(name, SeedScenarioE2E.address(TestCluster.kubectl("exec", "-n", PODS, name, "--", "ip", "a"), "net1"));
            uids.put(name, k8s.pods().inNamespace(PODS).withName(name).get().getMetadata().getUid());
        }
        ping("installed");
        assertEquals(nadBefore, TestCluster.kubectl("get", "nad", "-n", PODS, "another-tools-nad", "-o", "jsonpath={.metadata.uid} {.spec.config}"),
                "installing took the NAD CRD over without losing another tool's NAD");
    }

    @Test
    @Order(3)
    void theNextBundleUpgradesItInPlaceAndPodsKeepTheirNetworks() throws Exception {
        String before = TestCluster.kubectl("get", "pods", "-n", NS, "-l", NetworkNames.LABEL_NAME + "=" + NetworkNames.APP + ",!"
                + NetworkNames.LABEL_COMPONENT, "-o", "jsonpath={.items[*].metadata.name}");
        approve("multinet.v0.1.1");
        awaitCsvSucceeded("multinet.v0.1.1");
        TestCluster.await("multinet.v0.1.0 replaced and gone", Duration.ofMinutes(3),
                () -> TestCluster.kubectl("get", "csv", "-n", NS, "-o", "jsonpath={.items[*].metadata.name}").equals("multinet.v0.1.1"));
        String state = olmState("upgraded");
        assertTrue(state.contains("multinet.v0.1.1") && state.contains("Succeeded"), state);
        TestCluster.kubectl("rollout", "status", "-n", NS, "deployment/multinet", "--timeout=300s");
        assertEquals("0.1.1", TestCluster.kubectl("get", "deploy", "-n", NS, "multinet", "-o",
                "jsonpath={.spec.template.metadata.annotations.multinet\\.io/bundle-version}"), "the operator runs 0.1.1's Deployment");
        TestCluster.await("the operator pod replaced", Duration.ofMinutes(3), () -> {
            String now = TestCluster.kubectl("get", "pods", "-n", NS, "-l", NetworkNames.LABEL_NAME + "=" + NetworkNames.APP + ",!"
                    + NetworkNames.LABEL_COMPONENT, "--field-selector=status.phase=Running", "-o", "jsonpath={.items[*].metadata.name}");
            return !now.isBlank() && !now.equals(before);
        });
        awaitNetworkReady();
        for (var e : uids.entrySet()) {
            Pod p = k8s.pods().inNamespace(PODS).withName(e.getKey()).get();
            assertEquals(e.getValue(), p.getMetadata().getUid(), e.getKey() + " is the same pod");
            assertEquals(net1.get(e.getKey()), SeedScenarioE2E.address(TestCluster.kubectl("exec", "-n", PODS, e.getKey(), "--", "ip", "a"), "net1"),
                    e.getKey() + " keeps its net1 address");
        }
        ping("upgraded");
    }

    @Test
    @Order(4)
    void deletingTheSubscriptionAndTheCsvUninstallsIt() throws Exception {
        TestCluster.kubectl("delete", "pod", "-n", PODS, "-l", "e2e=olm", "--wait=true", "--timeout=120s");
        TestCluster.kubectl("delete", "mnet", NETWORK, "--wait=true", "--timeout=180s");
        TestCluster.kubectl("delete", "subscription", "-n", NS, "multinet");
        TestCluster.kubectl("delete", "csv", "-n", NS, "multinet.v0.1.1", "--wait=true", "--timeout=120s");
        TestCluster.await("the operator's Deployment gone with its CSV", Duration.ofMinutes(3),
                () -> TestCluster.kubectl("get", "deploy", "-n", NS, "-o", "name").isBlank());
        String state = olmState("uninstalled");
        assertTrue(!state.contains("multinet.v0.1"), state);
        // what OLM does not own: the delegator DaemonSet the operator made, removed with its namespace
        TestCluster.kubectl("delete", "ns", NS, "--wait=true", "--timeout=300s");
        for (String node : TestCluster.nodes()) {
            try (var files = Files.list(TestCluster.nodeRoot(node).resolve("etc/cni/net.d"))) {
                List<String> left = files.map(f -> f.getFileName().toString()).filter(f -> f.contains("multinet")).toList();
                assertEquals(List.of(), left, node + ": the delegator took its CNI config with it");
            }
        }
        assertTrue(TestCluster.kubectl("get", "nad", "-n", PODS, "-o", "name").contains("another-tools-nad"), "another tool's NAD stays");
    }

    static String canI(String as, String namespace, String verb, String resource) {
        return TestCluster.kubectlAs(TestCluster.kubeconfig(), "auth", "can-i", verb, resource, "-n", namespace, "--as=" + as).out().strip();
    }

    static void approve(String csv) {
        TestCluster.await("an InstallPlan for " + csv, Duration.ofMinutes(4), () -> !installPlan(csv).isBlank());
        String plan = installPlan(csv);
        olmState("install plan " + plan + " for " + csv + " waits for approval");
        TestCluster.kubectl("patch", "installplan", "-n", NS, plan, "--type=merge", "-p", "{\"spec\":{\"approved\":true}}");
    }

    static String installPlan(String csv) {
        String out = TestCluster.kubectl("get", "installplan", "-n", NS, "-o",
                "jsonpath={range .items[*]}{.metadata.name}={.spec.clusterServiceVersionNames[0]}{\"\\n\"}{end}");
        return out.lines().filter(l -> l.endsWith("=" + csv)).map(l -> l.substring(0, l.indexOf('='))).findFirst().orElse("");
    }

    static void awaitCsvSucceeded(String csv) {
        TestCluster.await(csv + " Succeeded", Duration.ofMinutes(6), () -> TestCluster.kubectl("get", "csv", "-n", NS, csv, "--ignore-not-found",
                "-o", "jsonpath={.status.phase}").equals("Succeeded"));
    }

    static void awaitNetworkReady() {
        TestCluster.await(NETWORK + " Ready on both nodes", Duration.ofMinutes(5),
                () -> TestCluster.kubectl("get", "mnet", NETWORK, "-o", "jsonpath={.status.nodes.summary}").equals("2/2")
                        && TestCluster.kubectl("get", "mnet", NETWORK, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}")
                                .equals("True"));
    }

    static Pod pod(String name, String node) {
        return TestCluster.busyboxPod(name, node, "e2e", "olm", NETWORK);
    }

    static void ping(String when) {
        String ping = TestCluster.kubectl("exec", "-n", PODS, "olm-busybox-1", "--", "ping", "-c", "3", "-W", "3", "-I", "net1",
                net1.get("olm-busybox-2"));
        System.out.println(when + ": ping -I net1 " + net1.get("olm-busybox-2") + ": " + ping.lines().filter(l -> l.contains("packets")).findFirst().orElse(ping));
        assertTrue(ping.contains("3 packets received"), when + ": " + ping);
    }
}
