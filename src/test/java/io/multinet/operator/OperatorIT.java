package io.multinet.operator;

import static io.multinet.testing.OperatorHarness.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.multinet.NetworkNames;
import io.multinet.api.nad.NetworkAttachmentDefinition;
import io.multinet.api.nad.NetworkAttachmentDefinitionSpec;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.api.v1alpha1.MultiNetworkNodeState;
import io.multinet.api.v1alpha1.MultiNetworkNodeStateStatus;
import io.multinet.api.v1alpha1.MultiNetworkStatus;
import io.multinet.api.v1alpha1.Networks;
import io.multinet.flannel.Lease;
import io.multinet.testing.OperatorHarness;

/** The operator against the mock API server, a real etcd and the DaemonSet/kubelet helper. */
@EnableKubernetesMockClient(crud = true)
class OperatorIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String NS = "multinet-system";

    KubernetesClient client;
    KubernetesMockServer server;
    OperatorHarness h;

    @BeforeEach
    void setUp() {
        h = new OperatorHarness(client, server, Map.of());
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    Condition condition(String network, String type) {
        MultiNetworkStatus st = h.get(network).getStatus();
        return st == null ? null : Conditions.find(st.conditions, type).orElse(null);
    }

    boolean is(String network, String type, String status, String reason) {
        Condition c = condition(network, type);
        return c != null && status.equals(c.getStatus()) && (reason == null || reason.equals(c.getReason()));
    }

    DaemonSet flanneld(String network) {
        return client.apps().daemonSets().inNamespace(NS).withName(NetworkNames.flanneldDaemonSet(network)).get();
    }

    NetworkAttachmentDefinition nad(String ns, String name) {
        return client.resources(NetworkAttachmentDefinition.class).inNamespace(ns).withName(name).get();
    }

    static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void seedScenarioGivesTheSeedsIsolation() throws Exception {
        h.start();
        h.apply(Networks.flannel1());
        h.apply(Networks.flannel2());
        eventually("both networks allocated and attached", () -> h.get("flannel1").getStatus().attachments != null
                && h.get("flannel2").getStatus().attachments != null);

        MultiNetworkStatus s2 = h.get("flannel2").getStatus();
        DaemonSet ds2 = flanneld("flannel2");
        var c2 = ds2.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c2.getArgs()).containsExactly("--etcd-endpoints=" + h.etcd.endpoint(), "--etcd-prefix=/k8s/network2",
                "--subnet-file=/run/flannel/networks/flannel2.env", "--iface=eth1", "--ip-masq",
                "--healthz-ip=127.0.0.1", "--healthz-port=" + s2.allocated.healthzPort, "--iptables-resync=1");
        var pod2 = ds2.getSpec().getTemplate().getSpec();
        assertThat(pod2.getHostNetwork()).isTrue();
        assertThat(pod2.getPriorityClassName()).isEqualTo("system-node-critical");
        assertThat(c2.getSecurityContext().getCapabilities().getAdd()).containsExactly("NET_ADMIN", "NET_RAW");
        assertThat(c2.getVolumeMounts()).extracting(m -> m.getMountPath()).containsExactly("/run/flannel", "/run/xtables.lock");
        assertThat(pod2.getVolumes()).extracting(v -> v.getHostPath().getPath()).containsExactly("/run/flannel", "/run/xtables.lock");
        assertThat(c2.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(c2.getReadinessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(s2.allocated.healthzPort);
        assertThat(c2.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        assertThat(pod2.getAutomountServiceAccountToken()).as("etcd-mode flanneld needs no API access").isFalse();

        MultiNetworkStatus s1 = h.get("flannel1").getStatus();
        var c1 = flanneld("flannel1").getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c1.getArgs()).containsExactly("--kube-subnet-mgr", "--net-config-path=/etc/kube-flannel/net-conf.json",
                "--subnet-file=/run/flannel/networks/flannel1.env", "--iface=eth0", "--ip-masq",
                "--healthz-ip=127.0.0.1", "--healthz-port=" + s1.allocated.healthzPort, "--iptables-resync=1");
        assertThat(s1.allocated.healthzPort).isNotEqualTo(s2.allocated.healthzPort);
        assertThat(client.configMaps().inNamespace(NS).withName("flanneld-flannel1-net-conf").get().getData().get("net-conf.json"))
                .isEqualTo("{\"Network\":\"172.96.0.0/16\",\"SubnetLen\":24,\"Backend\":{\"Type\":\"vxlan\",\"VNI\":4096},\"EnableNFTables\":false}");
        assertThat(client.rbac().clusterRoles().withName("multinet-flanneld-flannel1").get().getRules())
                .extracting(r -> r.getResources().get(0) + ":" + r.getVerbs())
                .containsExactly("pods:[get]", "nodes:[get, list, watch]", "nodes/status:[patch]");
        assertThat(client.rbac().clusterRoles().withName("multinet-flanneld-flannel2").get()).isNull();
        assertThat(client.serviceAccounts().inNamespace(NS).withName("flanneld-flannel2").get()).isNotNull();

        JsonNode n1 = json(nad("default", "flannel1-conf").getSpec().config);
        JsonNode n2 = json(nad("default", "flannel2-conf").getSpec().config);
        assertThat(n2.get("type").asText()).isEqualTo("flannel");
        assertThat(n2.get("name").asText()).isEqualTo("flannel2");
        // what every flannel CNI plugin accepts, so Multus can run the NAD too (MultusCompatE2E)
        assertThat(n2.get("cniVersion").asText()).isEqualTo("0.4.0");
        assertThat(n2.get("subnetFile").asText()).isEqualTo("/run/flannel/networks/flannel2.env");
        assertThat(n2.get("dataDir").asText()).isEqualTo("/var/lib/cni/flannel/flannel2");
        assertThat(n2.get("delegate").get("bridge").asText()).isEqualTo("mn-flannel2");
        assertThat(n2.get("delegate").get("isDefaultGateway").asBoolean()).isFalse();
        for (String field : List.of("subnetFile", "dataDir")) {
            assertThat(n1.get(field)).isNotEqualTo(n2.get(field));
        }
        assertThat(n1.get("delegate").get("bridge")).isNotEqualTo(n2.get("delegate").get("bridge"));
        assertThat(nad("default", "flannel2-conf").getMetadata().getAnnotations()).containsEntry(NetworkNames.OWNER_ANNOTATION, "flannel2");
        assertThat(s2.attachments).containsExactly("default/flannel2-conf");

        assertThat(h.etcdKeys()).containsExactly(Map.entry("/k8s/network2/config",
                "{\"Network\":\"172.112.0.0/16\",\"SubnetLen\":24,\"Backend\":{\"Type\":\"host-gw\"},\"EnableNFTables\":false}"));
        assertThat(client.apps().daemonSets().inNamespace(NS).withName(NetworkNames.DELEGATOR_DAEMONSET).get())
                .as("the delegator is rolled out with the networks").isNotNull();
        assertThat(is("flannel2", "Ready", "False", "NoNodes")).isTrue();
        assertThat(condition("flannel2", "Ready").getObservedGeneration()).isEqualTo(h.get("flannel2").getMetadata().getGeneration());
    }

    void nodeState(String node, boolean subnetFile) {
        MultiNetworkNodeState s = new MultiNetworkNodeState();
        s.getMetadata().setName(node);
        MultiNetworkNodeStateStatus.Network n = new MultiNetworkNodeStateStatus.Network();
        n.name = "flannel2";
        n.subnetFilePresent = subnetFile;
        MultiNetworkNodeState stored = client.resource(s).createOr(x -> x.update());
        // status is a subresource: written on its own, as the node role does
        stored.setStatus(new MultiNetworkNodeStateStatus());
        stored.getStatus().networks = List.of(n);
        client.resource(stored).updateStatus();
    }

    MultiNetworkStatus.NodeHealth health(String node) {
        return h.get("flannel2").getStatus().nodeHealth.stream().filter(x -> x.node.equals(node)).findFirst().orElseThrow();
    }

    boolean reason(String node, String reason) {
        var x = health(node);
        return reason == null ? x.ready : reason.equals(x.reason);
    }

    @Test
    void perNodeHealthFollowsPodsNodeStatesAndLeases() throws Exception {
        for (int i = 1; i <= 3; i++) {
            h.cluster.addNode("n" + i, Map.of(), "192.0.2." + i);
        }
        h.start();
        h.apply(Networks.flannel2());
        eventually("DaemonSets exist", () -> flanneld("flannel2") != null
                && client.apps().daemonSets().inNamespace(NS).withName(NetworkNames.DELEGATOR_DAEMONSET).get() != null);
        h.cluster.sync();
        eventually("pods not ready yet", () -> reason("n1", "FlanneldNotReady") && reason("n3", "FlanneldNotReady"));
        assertThat(h.get("flannel2").getStatus().nodes.summary).isEqualTo("0/3");

        h.cluster.setPodReady(NS, "flanneld-flannel2", "n1", true);
        eventually("n1's delegator is next", () -> reason("n1", "DelegatorNotReady"));
        h.cluster.setAllPodsReady(true);
        eventually("no node state yet", () -> reason("n1", "SubnetFileMissing") && reason("n2", "SubnetFileMissing"));
        for (int i = 1; i <= 3; i++) {
            nodeState("n" + i, true);
        }
        eventually("no lease yet", () -> reason("n1", "LeaseMissing") && reason("n3", "LeaseMissing"));

        h.etcdPutLease("/k8s/network2/subnets/172.112.1.0-24", Lease.value("192.0.2.1", "host-gw"), 600);
        h.etcdPutLease("/k8s/network2/subnets/172.112.2.0-24", Lease.value("192.0.2.2", "host-gw"), 600);
        h.etcdPutLease("/k8s/network2/subnets/172.112.3.0-24", Lease.value("192.0.2.3", "host-gw"), 2);
        eventually("all ready", () -> is("flannel2", "Ready", "True", "AllNodesReady"));
        MultiNetworkStatus st = h.get("flannel2").getStatus();
        assertThat(st.nodes.summary).isEqualTo("3/3");
        assertThat(health("n1").subnet).isEqualTo("172.112.1.0/24");
        assertThat(health("n1").lease).isEqualTo("/k8s/network2/subnets/172.112.1.0-24");
        assertThat(condition("flannel2", "Ready").getMessage()).contains("3/3 nodes ready").contains("outside private address space");

        eventually("n3's lease expires", () -> reason("n3", "LeaseExpired"));
        assertThat(health("n3").lease).as("the lease that went away is named").isEqualTo("/k8s/network2/subnets/172.112.3.0-24");
        assertThat(is("flannel2", "Ready", "False", "NodesNotReady")).isTrue();
        assertThat(h.get("flannel2").getStatus().nodes.notReadyByReason).containsExactly(Map.entry("LeaseExpired", 1));

        h.cluster.setNodeReady("n2", false);
        eventually("n2 not ready", () -> reason("n2", "NodeNotReady"));
        client.resources(MultiNetworkNodeState.class).withName("n1").delete();
        eventually("n1's node state went", () -> reason("n1", "SubnetFileMissing"));
        h.cluster.setNodeReady("n2", true);
        nodeState("n1", true);
        h.cluster.setPodReady(NS, "flanneld-flannel2", "n1", false);
        eventually("n1 flanneld not ready, n2 back", () -> reason("n1", "FlanneldNotReady") && reason("n2", null));
        assertThat(h.get("flannel2").getStatus().nodes.summary).isEqualTo("1/3");
    }

    @Test
    void driftIsRepairedAndNamespacesAreFollowed() throws Exception {
        h.start();
        MultiNetwork n = Networks.flannel2();
        n.getSpec().attachment.namespaceSelector = new io.fabric8.kubernetes.api.model.LabelSelectorBuilder()
                .addToMatchLabels("multinet", "yes").build();
        n.getSpec().attachment.namespaces = List.of("default");
        h.apply(n);
        eventually("attached", () -> nad("default", "flannel2-conf") != null);
        String config = nad("default", "flannel2-conf").getSpec().config;
        String etcdConfig = h.etcdKeys().get("/k8s/network2/config");

        client.resources(NetworkAttachmentDefinition.class).inNamespace("default").withName("flannel2-conf")
                .edit(x -> { x.getSpec().config = "{\"type\":\"bridge\"}"; return x; });
        eventually("NAD put back", () -> config.equals(nad("default", "flannel2-conf").getSpec().config));

        List<String> args = flanneld("flannel2").getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
        client.apps().daemonSets().inNamespace(NS).withName("flanneld-flannel2").edit(ds -> {
            ds.getSpec().getTemplate().getSpec().getContainers().get(0).setArgs(List.of("--etcd-prefix=/coreos.com/network"));
            return ds;
        });
        eventually("DaemonSet args put back",
                () -> args.equals(flanneld("flannel2").getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()));

        client.serviceAccounts().inNamespace(NS).withName("flanneld-flannel2").delete();
        eventually("ServiceAccount put back", () -> client.serviceAccounts().inNamespace(NS).withName("flanneld-flannel2").get() != null);

        h.etcdPut("/k8s/network2/config", "{\"Network\":\"10.0.0.0/8\"}");
        eventually("etcd config put back", () -> etcdConfig.equals(h.etcdKeys().get("/k8s/network2/config")));

        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("team-a").addToLabels("multinet", "yes")
                .endMetadata().build()).create();
        eventually("a matching namespace gets the NAD", () -> nad("team-a", "flannel2-conf") != null);
        client.namespaces().withName("team-a").edit(ns -> { ns.getMetadata().getLabels().remove("multinet"); return ns; });
        eventually("a namespace leaving the targets loses it", () -> nad("team-a", "flannel2-conf") == null);
        assertThat(h.get("flannel2").getStatus().attachments).containsExactly("default/flannel2-conf");

        // a NAD of the same name that multinet does not own is never overwritten
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("team-b").endMetadata().build()).create();
        NetworkAttachmentDefinition foreign = new NetworkAttachmentDefinition();
        foreign.getMetadata().setName("flannel2-conf");
        foreign.getMetadata().setNamespace("team-b");
        foreign.setSpec(new NetworkAttachmentDefinitionSpec("{\"type\":\"macvlan\"}"));
        client.resource(foreign).create();
        h.get("flannel2");
        client.resources(MultiNetwork.class).withName("flannel2").edit(x -> {
            x.getSpec().attachment.namespaces = List.of("default", "team-b");
            return x;
        });
        eventually("the conflict is reported", () -> is("flannel2", "Degraded", "True", "AttachmentConflict"));
        assertThat(condition("flannel2", "Degraded").getMessage()).contains("team-b/flannel2-conf exists and is not managed by multinet");
        assertThat(nad("team-b", "flannel2-conf").getSpec().config).isEqualTo("{\"type\":\"macvlan\"}");
        assertThat(client.v1().events().inNamespace("default").list().getItems())
                .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("AttachmentConflict"));
    }

    @Test
    void deletionRemovesThePrefixAfterFlanneldIsGoneAndKeepsOtherNetworks() throws Exception {
        h.cluster.addNode("n1", Map.of(), "192.0.2.1");
        h.start();
        h.apply(Networks.flannel2());
        MultiNetwork other = Networks.network("blue", "10.50.0.0/16");
        h.apply(other);
        eventually("both written", () -> h.etcdKeys().containsKey("/k8s/network2/config")
                && h.etcdKeys().containsKey("/multinet.io/networks/blue/config") && nad("default", "blue") != null);
        h.etcdPutLease("/k8s/network2/subnets/172.112.1.0-24", Lease.value("192.0.2.1", "host-gw"), 600);
        h.etcdPut("/k8s/network22/config", "{\"Network\":\"10.9.0.0/16\"}");
        h.cluster.sync();
        assertThat(h.cluster.pod(NS, "flanneld-flannel2", "n1")).isNotNull();

        client.resources(MultiNetwork.class).withName("flannel2").delete();
        eventually("the DaemonSet is deleted first", () -> flanneld("flannel2") == null);
        h.awaitDeletionRetries(3); // give the operator the chance to do it wrong: its pod is still there
        assertThat(h.etcdKeys()).as("prefix kept while flanneld runs").containsKey("/k8s/network2/config");

        h.cluster.sync(); // the DaemonSet controller removes the pods of the deleted DaemonSet
        eventually("the network is gone", () -> h.get("flannel2") == null);
        assertThat(h.etcdKeys().keySet()).containsExactlyInAnyOrder("/multinet.io/networks/blue/config", "/k8s/network22/config");
        assertThat(nad("default", "flannel2-conf")).isNull();
        assertThat(nad("default", "blue")).isNotNull();
        assertThat(client.serviceAccounts().inNamespace(NS).withName("flanneld-flannel2").get()).isNull();
    }

    @Test
    void restartReconcilesWithoutDuplicatesOrWrites() throws Exception {
        h.cluster.addNode("n1", Map.of(), "192.0.2.1");
        h.start();
        h.apply(Networks.flannel1());
        h.apply(Networks.flannel2());
        eventually("settled", () -> h.get("flannel1").getStatus().attachments != null
                && h.get("flannel2").getStatus().attachments != null);
        // settled: pods have turned Ready and several resyncs in a row wrote nothing
        eventually("no more writes", () -> {
            try {
                h.awaitReconciles(2, "flannel1", "flannel2");
                return h.drainWrites().isEmpty();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        h.stopOperator();
        // a reconcile the stopping operator had in flight may still land: the new operator's writes are counted
        // from its first finished reconciles on
        h.drainWrites();

        h.start();
        // the new operator syncs its informers and reconciles each network, then resyncs
        h.awaitReconciles(2, "flannel1", "flannel2");
        List<String> writes = h.drainWrites();
        assertThat(writes).as("a restart with nothing changed writes nothing").isEmpty();
        assertThat(client.apps().daemonSets().inNamespace(NS).list().getItems()).hasSize(3);
        assertThat(client.resources(NetworkAttachmentDefinition.class).inAnyNamespace().list().getItems()).hasSize(2);
    }

    @Test
    void etcdOutageDegradesAndRecovers() throws Exception {
        h.cluster.addNode("n1", Map.of(), "192.0.2.1");
        h.start();
        h.apply(Networks.flannel2());
        h.apply(Networks.flannel1());
        eventually("DaemonSets exist", () -> client.apps().daemonSets().inNamespace(NS).list().getItems().size() == 3);
        h.cluster.setAllPodsReady(true);
        nodeState("n1", true);
        h.etcdPutLease("/k8s/network2/subnets/172.112.1.0-24", Lease.value("192.0.2.1", "host-gw"), 600);
        eventually("ready", () -> is("flannel2", "Ready", "True", null));

        h.etcd.stop();
        eventually("degraded", () -> is("flannel2", "Degraded", "True", "EtcdUnavailable"));
        assertThat(is("flannel2", "Ready", "False", "EtcdUnavailable")).isTrue();
        assertThat(condition("flannel2", "Degraded").getMessage()).contains(h.etcd.endpoint());
        assertThat(is("flannel1", "Degraded", "False", null)).as("a kube-mode network is not harmed").isTrue();
        assertThat(flanneld("flannel2")).as("nothing torn down").isNotNull();

        h.etcd.start();
        eventually("ready again", () -> is("flannel2", "Ready", "True", "AllNodesReady") && is("flannel2", "Degraded", "False", null));
        assertThat(client.v1().events().inNamespace("default").list().getItems()).extracting(e -> e.getReason())
                .contains("EtcdUnavailable", "Recovered");
    }

    @Test
    void anInvalidEditLeavesTheRunningNetworkAsItWas() throws Exception {
        h.start();
        h.apply(Networks.flannel2());
        MultiNetwork other = Networks.network("blue", "10.50.0.0/16");
        h.apply(other);
        eventually("running", () -> nad("default", "flannel2-conf") != null && h.get("flannel2").getStatus().allocated != null);
        DaemonSet before = flanneld("flannel2");
        String nadBefore = nad("default", "flannel2-conf").getSpec().config;
        Map<String, String> keysBefore = h.etcdKeys();

        client.resources(MultiNetwork.class).withName("flannel2").edit(x -> {
            x.getSpec().network = "10.50.0.0/16"; // immutable, and overlapping blue
            x.getSpec().flanneld.iface = List.of("eth9");
            return x;
        });
        eventually("rejected", () -> is("flannel2", "Degraded", "True", "InvalidSpec"));
        assertThat(condition("flannel2", "Degraded").getMessage()).contains("spec.network is immutable")
                .contains("the network keeps running as last accepted");
        h.awaitReconciles(3, "flannel2");
        assertThat(flanneld("flannel2").getSpec()).isEqualTo(before.getSpec());
        assertThat(nad("default", "flannel2-conf").getSpec().config).isEqualTo(nadBefore);
        assertThat(h.etcdKeys()).isEqualTo(keysBefore);
        assertThat(h.get("flannel2").getStatus().allocated.network).isEqualTo("172.112.0.0/16");
        assertThat(client.v1().events().inNamespace("default").list().getItems()).anySatisfy(e -> {
            assertThat(e.getReason()).isEqualTo("InvalidSpec");
            assertThat(e.getInvolvedObject().getName()).isEqualTo("flannel2");
        });
    }

    @Test
    void theDelegatorIsKeptRolledOutOnEveryNode() throws Exception {
        h.cluster.addNode("n1", Map.of(), "192.0.2.1");
        h.cluster.addNode("n2", Map.of("pool", "storage"), "192.0.2.2");
        h.start();
        h.apply(Networks.flannel2());
        eventually("delegator DaemonSet", () -> client.apps().daemonSets().inNamespace(NS).withName(NetworkNames.DELEGATOR_DAEMONSET).get() != null);
        h.cluster.sync();
        assertThat(h.cluster.pod(NS, NetworkNames.DELEGATOR_DAEMONSET, "n1")).isNotNull();
        assertThat(h.cluster.pod(NS, NetworkNames.DELEGATOR_DAEMONSET, "n2")).isNotNull();
        var c = client.apps().daemonSets().inNamespace(NS).withName(NetworkNames.DELEGATOR_DAEMONSET).get().getSpec().getTemplate().getSpec();
        assertThat(c.getContainers().get(0).getImage()).isEqualTo(h.settings.image());
        assertThat(c.getContainers().get(0).getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("MULTINET_ROLE");
            assertThat(e.getValue()).isEqualTo("node");
        });
        assertThat(c.getTolerations()).extracting(t -> t.getOperator()).containsExactly("Exists");

        client.apps().daemonSets().inNamespace(NS).withName(NetworkNames.DELEGATOR_DAEMONSET).edit(ds -> {
            ds.getSpec().getTemplate().getSpec().getContainers().get(0).setImage("someone/else:1");
            return ds;
        });
        eventually("image put back", () -> h.settings.image().equals(client.apps().daemonSets().inNamespace(NS)
                .withName(NetworkNames.DELEGATOR_DAEMONSET).get().getSpec().getTemplate().getSpec().getContainers().get(0).getImage()));
        client.apps().daemonSets().inNamespace(NS).withName(NetworkNames.DELEGATOR_DAEMONSET).delete();
        eventually("recreated", () -> client.apps().daemonSets().inNamespace(NS).withName(NetworkNames.DELEGATOR_DAEMONSET).get() != null);
    }

    @Test
    void aNewInvalidNetworkIsReportedAndNothingIsMade() throws Exception {
        h.start();
        h.apply(Networks.flannel2());
        eventually("flannel2 accepted", () -> h.get("flannel2").getStatus() != null && h.get("flannel2").getStatus().allocated != null);
        MultiNetwork clash = Networks.network("clash", "172.112.128.0/17");
        h.apply(clash);
        eventually("rejected with the reason", () -> is("clash", "Degraded", "True", "InvalidSpec"));
        assertThat(condition("clash", "Degraded").getMessage()).contains("spec.network: 172.112.128.0/17 overlaps network 'flannel2'");
        assertThat(is("clash", "Ready", "False", "InvalidSpec")).isTrue();
        assertThat(flanneld("clash")).isNull();
        assertThat(nad("default", "clash")).isNull();
        assertThat(h.etcdKeys().keySet()).containsExactly("/k8s/network2/config");
    }

    @Test
    void etcdOverTlsWithClientCertificatesFromTheSecret() throws Exception {
        try (io.multinet.testing.EtcdServer secure = io.multinet.testing.EtcdServer.startedWithTls()) {
            var tls = secure.tls();
            client.secrets().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata()
                    .withName("etcd-client").withNamespace(NS).endMetadata()
                    .addToData("ca.crt", java.util.Base64.getEncoder().encodeToString(java.nio.file.Files.readAllBytes(tls.ca())))
                    .addToData("tls.crt", java.util.Base64.getEncoder().encodeToString(java.nio.file.Files.readAllBytes(tls.clientCert())))
                    .addToData("tls.key", java.util.Base64.getEncoder().encodeToString(java.nio.file.Files.readAllBytes(tls.clientKey()))).build()).create();
            h.start();
            MultiNetwork n = Networks.flannel2();
            n.getSpec().etcd.endpoints = List.of(secure.endpoint());
            n.getSpec().etcd.tlsSecret = "etcd-client";
            h.apply(n);
            eventually("status written", () -> h.get("flannel2").getStatus() != null);
            eventually(() -> assertThat(condition("flannel2", "Degraded").getStatus()).as(condition("flannel2", "Degraded").getMessage())
                    .isEqualTo("False"));
            try (var c = io.etcd.jetcd.Client.builder().endpoints(secure.endpoint())
                    .sslContext(b -> b.trustManager(tls.ca().toFile()).keyManager(tls.clientCert().toFile(), tls.clientKey().toFile())).build()) {
                var kvs = c.getKVClient().get(io.etcd.jetcd.ByteSequence.from("/k8s/network2/config", java.nio.charset.StandardCharsets.UTF_8))
                        .get(10, java.util.concurrent.TimeUnit.SECONDS).getKvs();
                assertThat(kvs).hasSize(1);
            }
            var args = flanneld("flannel2").getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();
            assertThat(args).contains("--etcd-endpoints=" + secure.endpoint(), "--etcd-cafile=/etc/multinet/etcd-tls/ca.crt");
            assertThat(condition("flannel2", "Degraded").getMessage()).doesNotContain("BEGIN");
        }
    }

    // ---- issue 18: bad input and faults ---------------------------------------------------------------

    /**
     * An object written under a CRD one version ahead of the operator (an unknown field, a backend it
     * does not know) is read and rejected by name; the operator keeps reconciling every other network,
     * before and after, and its informers stay healthy.
     */
    @Test
    void anObjectOfANewerCrdDoesNotBlindTheOperator() throws Exception {
        // one such object exists before the operator starts (before, it made the informer's start-up fail),
        // another comes while it runs (before, the watch stopped for good)
        createNewerObject("future", "10.77.0.0/16");
        h.start();
        createNewerObject("future2", "10.78.0.0/16");
        for (String name : List.of("future", "future2")) {
            eventually("the newer object is reported", () -> is(name, "Degraded", "True", "InvalidSpec"));
            assertThat(condition(name, "Degraded").getMessage()).contains("spec.backend.type: 'ipsec' is not a backend this operator knows");
        }

        MultiNetwork blue = Networks.network("blue", "10.50.0.0/16");
        blue.getSpec().attachment.namespaces = List.of("default", "nosuch");
        h.apply(blue);
        eventually("another network is still reconciled", () -> nad("default", "blue") != null && condition("blue", "Ready") != null);
        assertThat(condition("blue", "Ready").getMessage()).as("a namespace that does not exist is reported, not silently skipped")
                .contains("warning: namespace 'nosuch' (spec.attachment.namespaces) does not exist");
        assertThat(h.informersHealthy()).isTrue();

        client.resources(MultiNetwork.class).withName("future").delete();
        eventually("the newer object's deletion is handled", () -> h.get("future") == null);
        client.resources(MultiNetwork.class).withName("future2").delete();
        h.apply(Networks.network("green", "10.51.0.0/16"));
        eventually("and the next network too", () -> nad("default", "green") != null);
        assertThat(h.informersHealthy()).isTrue();
    }

    void createNewerObject(String name, String cidr) {
        var raw = new io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder().withApiVersion("multinet.io/v1alpha1")
                .withKind("MultiNetwork").withNewMetadata().withName(name).endMetadata()
                .withAdditionalProperties(Map.of("spec", Map.of("network", cidr, "newField", Map.of("x", 1), "backend", Map.of("type", "ipsec"))))
                .build();
        client.genericKubernetesResources("multinet.io/v1alpha1", "MultiNetwork").resource(raw).create();
    }

    /** An edit to an etcd endpoint that does not answer never rolls flanneld onto it; the running one stays. */
    @Test
    void anEditToADeadEtcdNeverRollsFlanneld() throws Exception {
        h.start();
        h.apply(Networks.flannel2());
        eventually("running", () -> flanneld("flannel2") != null && h.get("flannel2").getStatus().allocated != null);
        List<String> args = flanneld("flannel2").getSpec().getTemplate().getSpec().getContainers().get(0).getArgs();

        client.resources(MultiNetwork.class).withName("flannel2").edit(x -> {
            x.getSpec().etcd.endpoints = List.of("http://127.0.0.1:1");
            return x;
        });
        eventually("reported", () -> is("flannel2", "Degraded", "True", "EtcdUnavailable"));
        assertThat(condition("flannel2", "Degraded").getMessage()).contains("flanneld keeps running as it is until this etcd target answers");
        h.awaitReconciles(2, "flannel2");
        assertThat(flanneld("flannel2").getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()).isEqualTo(args);

        client.resources(MultiNetwork.class).withName("flannel2").edit(x -> {
            x.getSpec().etcd.endpoints = List.of(h.etcd.endpoint());
            return x;
        });
        eventually("the verified target is rolled out", () -> is("flannel2", "Degraded", "False", null)
                && flanneld("flannel2").getSpec().getTemplate().getSpec().getContainers().get(0).getArgs().toString().contains(h.etcd.endpoint()));
    }

    /** A prefix is not free while the network that holds it is being deleted; then it is, with nothing of the old network left. */
    @Test
    void aPrefixIsTakenOnlyOnceTheDeletionOfItsNetworkHasCompleted() throws Exception {
        h.cluster.addNode("n1", Map.of(), "192.0.2.1");
        h.start();
        h.apply(Networks.flannel2());
        eventually("running", () -> h.etcdKeys().containsKey("/k8s/network2/config"));
        h.cluster.sync();
        h.etcdPutLease("/k8s/network2/subnets/172.112.1.0-24", Lease.value("192.0.2.1", "host-gw"), 600);

        client.resources(MultiNetwork.class).withName("flannel2").delete();
        MultiNetwork reuse = Networks.network("reuse", "10.52.0.0/16");
        reuse.getSpec().etcd = new io.multinet.api.v1alpha1.MultiNetworkSpec.Etcd();
        reuse.getSpec().etcd.prefix = "/k8s/network2";
        h.apply(reuse);
        eventually("refused while flannel2 is being deleted", () -> is("reuse", "Degraded", "True", "InvalidSpec"));
        assertThat(condition("reuse", "Degraded").getMessage()).contains("network 'flannel2' (being deleted: free once its deletion has completed)");

        h.cluster.sync(); // flanneld's pods go: the deletion completes
        eventually("flannel2 gone", () -> h.get("flannel2") == null);
        eventually("then the prefix is reuse's", () -> is("reuse", "Degraded", "False", null)
                && h.etcdKeys().getOrDefault("/k8s/network2/config", "").contains("10.52.0.0/16"));
        assertThat(h.etcdKeys().keySet()).as("nothing of flannel2 is left under the prefix").containsExactly("/k8s/network2/config");
    }

    /**
     * A deletion that cannot finish (its etcd Secret is missing) says so in Degraded with what to do,
     * counts its repeated Event on one object instead of creating one per retry, and finishes by
     * itself once the cause is fixed.
     */
    @Test
    void aBlockedDeletionSaysWhyAndCountsItsEvents() throws Exception {
        h.start();
        MultiNetwork n = Networks.flannel2();
        n.getSpec().etcd.tlsSecret = "missing-secret";
        h.apply(n);
        eventually("accepted", () -> h.get("flannel2").getStatus() != null && h.get("flannel2").getStatus().allocated != null);

        client.resources(MultiNetwork.class).withName("flannel2").delete();
        eventually("blocked", () -> is("flannel2", "Degraded", "True", "DeletionBlocked"));
        assertThat(condition("flannel2", "Degraded").getMessage()).contains("Secret multinet-system/missing-secret (spec.etcd.tlsSecret)")
                .contains("remove the finalizer by hand");
        h.awaitDeletionRetries(3);
        var blocked = client.v1().events().inNamespace("default").list().getItems().stream()
                .filter(e -> "DeletionBlocked".equals(e.getReason())).toList();
        assertThat(blocked).as("one Event, counted").hasSize(1);
        assertThat(blocked.get(0).getCount()).isGreaterThanOrEqualTo(2);

        client.resources(MultiNetwork.class).withName("flannel2").edit(x -> {
            x.getSpec().etcd.tlsSecret = null; // the fix: this etcd takes plain connections
            return x;
        });
        eventually("the deletion finishes by itself", () -> h.get("flannel2") == null);
        assertThat(h.etcdKeys()).doesNotContainKey("/k8s/network2/config");
    }

    /** Issue 15: a stock kube-flannel beside the kube-mode network is reported there, and only there. */
    @Test
    void aStockFlannelBesideTheKubeModeNetworkIsReported() throws Exception {
        h.start();
        h.apply(Networks.flannel1());
        h.apply(Networks.flannel2());
        eventually("running", () -> condition("flannel1", "Degraded") != null && condition("flannel2", "Degraded") != null);
        client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName("kube-flannel")
                .endMetadata().build()).create();
        client.apps().daemonSets().inNamespace("kube-flannel").resource(new io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder()
                .withNewMetadata().withName("kube-flannel-ds").withNamespace("kube-flannel").endMetadata().withNewSpec().endSpec().build()).create();
        eventually("reported", () -> is("flannel1", "Degraded", "True", "StockFlannelPresent"));
        assertThat(condition("flannel1", "Degraded").getMessage()).contains("kube-flannel/kube-flannel-ds")
                .contains("a kube-mode network replaces stock flannel");
        assertThat(is("flannel2", "Degraded", "False", null)).as("an etcd-mode network is not concerned").isTrue();
        client.apps().daemonSets().inNamespace("kube-flannel").withName("kube-flannel-ds").delete();
        eventually("cleared", () -> is("flannel1", "Degraded", "False", null));
    }
}
