package io.multinet.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.api.v1alpha1.MultiNetworkNodeState;
import io.multinet.api.v1alpha1.MultiNetworkNodeStateStatus;
import io.multinet.api.v1alpha1.MultiNetworkStatus;
import io.multinet.api.v1alpha1.NetworkPlanner;
import io.multinet.api.v1alpha1.Networks;
import io.multinet.api.v1alpha1.Plan;
import io.multinet.api.v1alpha1.PlannerSettings;
import io.multinet.flannel.Lease;

class StatusAggregatorTest {

    static Node node(String name, boolean ready) {
        return new NodeBuilder().withNewMetadata().withName(name).endMetadata().withNewStatus()
                .addNewAddress().withType("InternalIP").withAddress("ip-" + name).endAddress()
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition().endStatus().build();
    }

    static Pod pod(boolean ready) {
        return new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewStatus().addNewCondition().withType("Ready")
                .withStatus(ready ? "True" : "False").endCondition().endStatus().build();
    }

    static MultiNetworkNodeState state(String node, String network) {
        MultiNetworkNodeState s = new MultiNetworkNodeState();
        s.getMetadata().setName(node);
        s.setStatus(new MultiNetworkNodeStateStatus());
        MultiNetworkNodeStateStatus.Network n = new MultiNetworkNodeStateStatus.Network();
        n.name = network;
        n.subnetFilePresent = true;
        s.getStatus().networks = List.of(n);
        return s;
    }

    /** A flannel2 cluster of n nodes, all healthy but those listed. */
    static StatusAggregator.Observed cluster(MultiNetwork net, int count, List<String> withoutLease, String etcdError) {
        Plan plan = NetworkPlanner.planAll(List.of(net), PlannerSettings.defaults()).get(net.getMetadata().getName());
        List<Node> nodes = new ArrayList<>();
        Map<String, Pod> pods = new HashMap<>();
        Map<String, MultiNetworkNodeState> states = new HashMap<>();
        Map<String, Lease> leases = new HashMap<>();
        for (int i = 0; i < count; i++) {
            String name = String.format("node-%05d", i);
            nodes.add(node(name, true));
            pods.put(name, pod(true));
            states.put(name, state(name, net.getMetadata().getName()));
            if (!withoutLease.contains(name)) {
                leases.put("ip-" + name, new Lease("/k8s/network2/subnets/172.112." + (i % 250) + ".0-24",
                        "172.112." + (i % 250) + ".0/24", "ip-" + name));
            }
        }
        return new StatusAggregator.Observed(plan, nodes, pods, new HashMap<>(pods), states, etcdError == null ? leases : null, etcdError, null,
                List.of("default/flannel2-conf"), List.of(), List.of(), List.of(), null);
    }

    @Test
    void conditionsKeepTheirTransitionTimeWhileUnchanged() {
        MultiNetwork n = Networks.flannel2();
        MultiNetworkStatus first = StatusAggregator.aggregate(n, cluster(n, 3, List.of(), null), 100, "2026-01-01T00:00:00Z");
        assertThat(Conditions.isTrue(first.conditions, "Ready")).isTrue();
        n.setStatus(first);
        MultiNetworkStatus again = StatusAggregator.aggregate(n, cluster(n, 3, List.of(), null), 100, "2026-01-01T01:00:00Z");
        assertThat(Serialization.asJson(again)).as("same observations, same status: nothing to write").isEqualTo(Serialization.asJson(first));

        n.setStatus(again);
        MultiNetworkStatus broken = StatusAggregator.aggregate(n, cluster(n, 3, List.of("node-00001"), null), 100, "2026-01-01T02:00:00Z");
        var ready = Conditions.find(broken.conditions, "Ready").orElseThrow();
        assertThat(ready.getStatus()).isEqualTo("False");
        assertThat(ready.getLastTransitionTime()).isEqualTo("2026-01-01T02:00:00Z");
        // the warning shows whatever Ready says (issue 18): on a network that does not come up it matters most
        assertThat(ready.getMessage()).as("it had a lease before").isEqualTo("2/3 nodes ready; not ready: 1 LeaseExpired; warning: spec.network:"
                + " 172.112.0.0/16 is outside private address space (RFC 1918, RFC 6598); pods on it may shadow public addresses");
        assertThat(Conditions.find(broken.conditions, "Degraded").orElseThrow().getLastTransitionTime()).isEqualTo("2026-01-01T00:00:00Z");
    }

    @Test
    void transitionTimesComeFromTheStatusGivenNotFromAStaleCopy() {
        MultiNetwork n = Networks.flannel2();
        MultiNetworkStatus broken = StatusAggregator.aggregate(n, cluster(n, 3, List.of("node-00001"), null), 100, "2026-01-01T00:00:00Z");
        n.setStatus(broken);
        MultiNetworkStatus healed = StatusAggregator.aggregate(n, cluster(n, 3, List.of(), null), 100, "2026-01-01T01:00:00Z");
        // the object still shows the broken status (its copy lags), but the healed one is what was written
        MultiNetworkStatus again = StatusAggregator.aggregate(n, healed, cluster(n, 3, List.of(), null), 100, "2026-01-01T02:00:00Z");
        assertThat(Conditions.find(again.conditions, "Ready").orElseThrow().getLastTransitionTime()).isEqualTo("2026-01-01T01:00:00Z");
        assertThat(Serialization.asJson(again)).as("nothing to write again").isEqualTo(Serialization.asJson(healed));
    }

    @Test
    void statusStaysSmallWithThousandsOfNodesAndCountsStayComplete() {
        MultiNetwork n = Networks.flannel2();
        List<String> broken = new ArrayList<>();
        for (int i = 0; i < 5000; i += 50) {
            broken.add(String.format("node-%05d", i));
        }
        MultiNetworkStatus st = StatusAggregator.aggregate(n, cluster(n, 5000, broken, null), 100, "2026-01-01T00:00:00Z");
        assertThat(st.nodes.desired).isEqualTo(5000);
        assertThat(st.nodes.ready).isEqualTo(4900);
        assertThat(st.nodes.summary).isEqualTo("4900/5000");
        assertThat(st.nodes.notReadyByReason).containsExactly(Map.entry("LeaseMissing", 100));
        assertThat(st.nodeHealth).hasSize(100).allMatch(h -> !h.ready);
        assertThat(st.nodeHealthOmitted).isEqualTo(4900);
        assertThat(Serialization.asJson(st).length()).as("bytes of status").isLessThan(64 * 1024);

        MultiNetworkStatus allBroken = StatusAggregator.aggregate(n, cluster(n, 5000, allNodes(5000), null), 100, "2026-01-01T00:00:00Z");
        assertThat(allBroken.nodeHealth).hasSize(100);
        assertThat(allBroken.nodes.notReadyByReason).containsExactly(Map.entry("LeaseMissing", 5000));
        assertThat(Serialization.asJson(allBroken).length()).isLessThan(64 * 1024);
    }

    static List<String> allNodes(int count) {
        List<String> all = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            all.add(String.format("node-%05d", i));
        }
        return all;
    }

    @Test
    void aNodesSubnetIsShownAsItsNetworkWhetherFromTheSubnetFileOrTheLease() {
        MultiNetwork n = Networks.flannel1();
        StatusAggregator.Observed o = cluster(n, 1, List.of(), null);
        o.nodeStates().get("node-00000").getStatus().networks.get(0).subnet = "172.96.0.1/24";
        assertThat(StatusAggregator.aggregate(n, o, 100, "t").nodeHealth.get(0).subnet).isEqualTo("172.96.0.0/24");
    }

    @Test
    void smallClustersListEveryNode() {
        MultiNetwork n = Networks.flannel2();
        MultiNetworkStatus st = StatusAggregator.aggregate(n, cluster(n, 3, List.of(), null), 100, "t");
        assertThat(st.nodeHealth).extracting(h -> h.node).containsExactly("node-00000", "node-00001", "node-00002");
        assertThat(st.nodeHealthOmitted).isNull();
        assertThat(st.nodeHealth.get(0).subnet).isEqualTo("172.112.0.0/24");
    }

    @Test
    void etcdOutageKeepsTheLastSeenLeasesAndSaysWhy() {
        MultiNetwork n = Networks.flannel2();
        n.setStatus(StatusAggregator.aggregate(n, cluster(n, 2, List.of(), null), 100, "t0"));
        MultiNetworkStatus st = StatusAggregator.aggregate(n, cluster(n, 2, List.of(), "etcd http://e:2379: get timed out"), 100, "t1");
        assertThat(Conditions.find(st.conditions, "Degraded").orElseThrow().getReason()).isEqualTo("EtcdUnavailable");
        assertThat(Conditions.find(st.conditions, "Ready").orElseThrow().getReason()).isEqualTo("EtcdUnavailable");
        assertThat(st.nodeHealth.get(0).lease).isEqualTo("/k8s/network2/subnets/172.112.0.0-24");
    }

    @Test
    void reasonsAreCheckedInOrder() {
        MultiNetwork n = Networks.flannel2();
        var o = cluster(n, 4, List.of("node-00003"), null);
        o.nodes().set(0, node("node-00000", false));
        o.flanneldPods().put("node-00001", pod(false));
        o.delegatorPods().remove("node-00002");
        // node-00000 is both NotReady and without pods: the first reason wins
        o.flanneldPods().remove("node-00000");
        MultiNetworkStatus st = StatusAggregator.aggregate(n, o, 100, "t");
        assertThat(st.nodeHealth).extracting(h -> h.reason)
                .containsExactly("NodeNotReady", "FlanneldNotReady", "DelegatorNotReady", "LeaseMissing");
    }

    @Test
    void aRejectedNewNetworkIsNotReadyAndNotProgressing() {
        MultiNetwork n = Networks.network("bad", "10.1.0.1/16");
        Plan plan = NetworkPlanner.planAll(List.of(n), PlannerSettings.defaults()).get("bad");
        var o = new StatusAggregator.Observed(plan, List.of(node("a", true)), Map.of(), Map.of(), Map.of(), null, null, null,
                List.of(), List.of(), List.of(), List.of(), null);
        MultiNetworkStatus st = StatusAggregator.aggregate(n, o, 100, "t");
        assertThat(st.allocated).isNull();
        assertThat(Conditions.find(st.conditions, "Degraded").orElseThrow().getMessage()).contains("spec.network: '10.1.0.1/16' has host bits set");
        assertThat(Conditions.find(st.conditions, "Ready").orElseThrow().getReason()).isEqualTo("InvalidSpec");
        assertThat(Conditions.find(st.conditions, "Progressing").orElseThrow().getStatus()).isEqualTo("False");
    }

    /** Issue 18: notices (a namespace that does not exist) and a full port range are reported as what they are. */
    @Test
    void noticesAndCapacityAreReportedAsSuch() {
        MultiNetwork n = Networks.network("quiet", "10.1.0.0/16");
        Plan plan = NetworkPlanner.planAll(List.of(n), PlannerSettings.defaults()).get("quiet");
        var o = new StatusAggregator.Observed(plan, List.of(), Map.of(), Map.of(), Map.of(), Map.of(), null, null,
                List.of(), List.of(), List.of(), List.of("namespace 'team-x' (spec.attachment.namespaces) does not exist"), null);
        MultiNetworkStatus st = StatusAggregator.aggregate(n, o, 100, "t");
        assertThat(Conditions.find(st.conditions, "Ready").orElseThrow().getMessage())
                .isEqualTo("no node matches the network's flanneld.nodeSelector; warning: namespace 'team-x' (spec.attachment.namespaces) does not exist");
        assertThat(Conditions.find(st.conditions, "Degraded").orElseThrow().getStatus()).isEqualTo("False");

        PlannerSettings onePort = new PlannerSettings("/d", "/e", List.of(), 10300, 1, 1, true);
        MultiNetwork first = Networks.network("first", "10.2.0.0/16");
        first.getMetadata().setCreationTimestamp("2026-01-01T00:00:00Z");
        MultiNetwork second = Networks.network("second", "10.3.0.0/16");
        second.getMetadata().setCreationTimestamp("2026-01-02T00:00:00Z");
        Plan full = NetworkPlanner.planAll(List.of(first, second), onePort).get("second");
        var o2 = new StatusAggregator.Observed(full, List.of(), Map.of(), Map.of(), Map.of(), null, null, null, List.of(), List.of(), List.of(),
                List.of(), null);
        assertThat(Conditions.find(StatusAggregator.aggregate(second, o2, 100, "t").conditions, "Degraded").orElseThrow().getReason())
                .isEqualTo("CapacityExhausted");
    }
}
