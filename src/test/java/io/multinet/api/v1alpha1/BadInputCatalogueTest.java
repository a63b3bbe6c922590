package io.multinet.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;

/**
 * Issue 18: the catalogue of bad MultiNetworks a new user wrote, each with the message it must give.
 * Every one is rejected before anything is written, names the field and the value at fault, and
 * quotes no more of a value than a condition can carry.
 */
class BadInputCatalogueTest {

    record Case(String what, Consumer<MultiNetwork> edit, String message, String mustNotContain) {
        @Override
        public String toString() {
            return what;
        }
    }

    static MultiNetwork etcdNetwork() {
        MultiNetwork n = Networks.network("a", "10.1.0.0/16");
        n.getSpec().etcd = new MultiNetworkSpec.Etcd();
        return n;
    }

    static Case endpoint(String what, String endpoint, String message) {
        return new Case(what, n -> n.getSpec().etcd.endpoints = List.of(endpoint), message, null);
    }

    static Case selector(String what, Consumer<LabelSelectorBuilder> build, String message) {
        return new Case(what, n -> {
            LabelSelectorBuilder b = new LabelSelectorBuilder();
            build.accept(b);
            n.getSpec().attachment = new MultiNetworkSpec.Attachment();
            n.getSpec().attachment.namespaceSelector = b.build();
        }, message, null);
    }

    static List<Case> catalogue() {
        return List.of(
                endpoint("port out of range", "http://10.0.0.5:99999", "spec.etcd.endpoints: 'http://10.0.0.5:99999' has port 99999, outside 1-65535"),
                endpoint("port zero", "http://10.0.0.5:0", "has port 0, outside 1-65535"),
                endpoint("a path", "https://etcd:2379/v3", "'https://etcd:2379/v3' has a path"),
                endpoint("another scheme", "unix:///run/etcd.sock", "must start with http:// or https://"),
                endpoint("no host", "http://:2379", "has no host"),
                endpoint("a query", "http://etcd:2379?x=1", "has a query or fragment"),
                new Case("credentials in the URL", n -> n.getSpec().etcd.endpoints = List.of("http://user:secret@etcd:2379"),
                        "'http://user:***@etcd:2379' holds credentials", "secret"),
                new Case("leading zeros", n -> n.getSpec().network = "10.050.0.0/16", "spec.network: '10.050.0.0' is not an IPv4 address (no leading zeros", null),
                new Case("prefix with a sign", n -> n.getSpec().network = "10.50.0.0/+16", "spec.network: '10.50.0.0/+16' has an invalid prefix length", null),
                new Case("loopback", n -> n.getSpec().network = "127.0.0.0/16", "spec.network: 127.0.0.0/16 lies in loopback space (127.0.0.0/8)", null),
                new Case("multicast", n -> n.getSpec().network = "224.0.0.0/16", "lies in multicast space (224.0.0.0/4)", null),
                new Case("this network", n -> n.getSpec().network = "0.0.0.0/8", "lies in \"this network\" space (0.0.0.0/8)", null),
                new Case("link-local", n -> n.getSpec().network = "169.254.0.0/16", "lies in link-local space", null),
                new Case("no network", n -> n.getSpec().network = null, "spec.network: is required", null),
                new Case("an MTU for host-gw", n -> {
                    n.getSpec().backend = new MultiNetworkSpec.Backend();
                    n.getSpec().backend.type = BackendType.HOST_GW;
                    n.getSpec().backend.mtu = 1400;
                }, "spec.backend.mtu: host-gw creates no device, so flannel ignores an MTU", null),
                selector("expression without operator", b -> b.addNewMatchExpression().withKey("team").endMatchExpression(),
                        "spec.attachment.namespaceSelector.matchExpressions[0].operator: is required"),
                selector("unknown operator", b -> b.addNewMatchExpression().withKey("team").withOperator("Foo").endMatchExpression(),
                        "matchExpressions[0].operator: 'Foo' is not one of In, NotIn, Exists, DoesNotExist"),
                selector("In without values", b -> b.addNewMatchExpression().withKey("team").withOperator("In").endMatchExpression(),
                        "matchExpressions[0].values: In needs at least one value"),
                selector("Exists with values", b -> b.addNewMatchExpression().withKey("team").withOperator("Exists").withValues("x").endMatchExpression(),
                        "matchExpressions[0].values: Exists takes no values"),
                selector("expression without key", b -> b.addNewMatchExpression().withOperator("Exists").endMatchExpression(),
                        "matchExpressions[0].key: is required"),
                new Case("a 50 KB attachment name", n -> {
                    n.getSpec().attachment = new MultiNetworkSpec.Attachment();
                    n.getSpec().attachment.name = "x".repeat(50_000);
                }, "spec.attachment.name: '" + "x".repeat(Quote.MAX) + "… (50000 characters)' must be a DNS-1123 label", "x".repeat(Quote.MAX + 1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("catalogue")
    void rejectedNamingFieldAndValue(Case c) {
        MultiNetwork n = etcdNetwork();
        c.edit().accept(n);
        Plan p = NetworkPlanner.planAll(List.of(n), PlannerSettings.defaults()).get("a");
        assertThat(p.valid()).as(c.what()).isFalse();
        assertThat(p.allocation()).as("nothing allocated, so nothing is written").isNull();
        assertThat(p.errorMessage()).as(c.what()).contains(c.message());
        assertThat(p.errorMessage().length()).as("bounded").isLessThan(1000);
        if (c.mustNotContain() != null) {
            assertThat(p.errorMessage()).doesNotContain(c.mustNotContain());
        }
    }

    /** A CRD one version ahead of the operator: an unknown field is ignored, an unknown backend rejected by name. */
    @Test
    void anObjectOfANewerCrdIsReadAndRejectedNotUnreadable() {
        MultiNetwork n = Serialization.unmarshal("{\"apiVersion\":\"multinet.io/v1alpha1\",\"kind\":\"MultiNetwork\",\"metadata\":{\"name\":\"a\"},"
                + "\"spec\":{\"network\":\"10.1.0.0/16\",\"newField\":{\"x\":1},\"backend\":{\"type\":\"ipsec\",\"psk\":\"s\"}},"
                + "\"status\":{\"futureStatus\":true}}", MultiNetwork.class);
        Plan p = NetworkPlanner.planAll(List.of(n), PlannerSettings.defaults()).get("a");
        assertThat(p.errorMessage()).contains("spec.backend.type: 'ipsec' is not a backend this operator knows");
        MultiNetwork known = Serialization.unmarshal("{\"apiVersion\":\"multinet.io/v1alpha1\",\"kind\":\"MultiNetwork\",\"metadata\":{\"name\":\"b\"},"
                + "\"spec\":{\"network\":\"10.2.0.0/16\",\"backend\":{\"type\":\"host-gw\"}}}", MultiNetwork.class);
        assertThat(known.getSpec().backendType()).isEqualTo(BackendType.HOST_GW);
        assertThat(Serialization.asJson(known.getSpec())).contains("\"type\":\"host-gw\"").doesNotContain("unknownType");
    }

    /** A prefix is not free until the deletion of the network that holds it has completed. */
    @Test
    void aNetworkBeingDeletedStillHoldsItsPrefix() {
        MultiNetwork old = etcdNetwork();
        old.getSpec().etcd.prefix = "/k8s/p";
        NetworkPlannerTest.accept(old);
        old.getMetadata().setDeletionTimestamp("2026-12-02T00:00:00Z");
        MultiNetwork fresh = Networks.network("b", "10.2.0.0/16");
        fresh.getSpec().etcd = new MultiNetworkSpec.Etcd();
        fresh.getSpec().etcd.prefix = "/k8s/p";
        Plan p = NetworkPlanner.planAll(List.of(old, fresh), PlannerSettings.defaults()).get("b");
        assertThat(p.errorMessage()).contains("clashes with network 'a' (being deleted: free once its deletion has completed)");
    }

    /** Issue 15: reserved-cidrs lists the cluster pod CIDR, which a kube-mode network must contain whole. */
    @Test
    void aKubeModeNetworkMustContainTheReservedPodCidrWhole() {
        PlannerSettings reserved = new PlannerSettings("/d", "/e", List.of("172.96.0.0/16"), 10300, 100, 4096, true);
        MultiNetwork kube = Networks.flannel1();
        assertThat(NetworkPlanner.planAll(List.of(kube), reserved).get("flannel1").errors()).as("contains it whole").isEmpty();
        kube.getSpec().network = "172.96.0.0/17";
        assertThat(NetworkPlanner.planAll(List.of(kube), reserved).get("flannel1").errorMessage())
                .contains("spec.network: 172.96.0.0/17 cuts through reserved CIDR 172.96.0.0/16");
        MultiNetwork etcd = Networks.network("e", "172.96.0.0/16");
        assertThat(NetworkPlanner.planAll(List.of(etcd), reserved).get("e").errorMessage())
                .as("an etcd-mode network may not touch it").contains("overlaps reserved CIDR 172.96.0.0/16");
    }

    @Test
    void messagesSayWhatIsMeant() {
        MultiNetwork n = etcdNetwork();
        n.getSpec().backend = new MultiNetworkSpec.Backend();
        n.getSpec().backend.vni = 7;
        NetworkPlannerTest.accept(n);
        n.getSpec().backend.vni = null;
        n.getSpec().etcd.prefix = null;
        n.getSpec().network = "10.9.0.0/16";
        assertThat(NetworkPlanner.planAll(List.of(n), PlannerSettings.defaults()).get("a").errorMessage())
                .contains("spec.network is immutable: it was 10.1.0.0/16 and is now 10.9.0.0/16");

        MultiNetwork taken = Networks.network("t", "10.60.0.0/16");
        NetworkPlannerTest.accept(taken);
        MultiNetwork hint = Networks.network("h", "10.60.5.0/16");
        assertThat(NetworkPlanner.planAll(List.of(taken, hint), PlannerSettings.defaults()).get("h").errorMessage())
                .contains("has host bits set (10.60.0.0/16 would overlap network 't')").doesNotContain("did you mean");

        PlannerSettings onePort = new PlannerSettings("/d", "/e", List.of(), 10300, 1, 1, true);
        Map<String, Plan> plans = NetworkPlanner.planAll(List.of(Networks.network("p1", "10.70.0.0/16"), Networks.network("p2", "10.71.0.0/16")), onePort);
        assertThat(plans.get("p2").errors()).singleElement().asString().startsWith(Plan.CAPACITY)
                .contains("multinet.operator.healthz-port-base and healthz-port-count");
    }
}
