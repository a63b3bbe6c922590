package io.multinet.api.v1alpha1;

import static io.multinet.api.v1alpha1.Networks.created;
import static io.multinet.api.v1alpha1.Networks.flannel1;
import static io.multinet.api.v1alpha1.Networks.flannel2;
import static io.multinet.api.v1alpha1.Networks.network;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;

class NetworkPlannerTest {

    static final PlannerSettings SETTINGS = PlannerSettings.defaults();

    static Map<String, Plan> plan(MultiNetwork... networks) {
        return NetworkPlanner.planAll(List.of(networks), SETTINGS);
    }

    static Plan planOne(MultiNetwork n) {
        return plan(n).get(n.getMetadata().getName());
    }

    /** Plans, then records the allocation in status as the operator does. */
    static void accept(MultiNetwork... networks) {
        Map<String, Plan> plans = plan(networks);
        for (MultiNetwork n : networks) {
            Plan p = plans.get(n.getMetadata().getName());
            assertThat(p.errors()).as(n.getMetadata().getName()).isEmpty();
            n.setStatus(new MultiNetworkStatus());
            n.getStatus().allocated = p.allocation();
        }
    }

    static void assertRejected(Plan p, String... fragments) {
        assertThat(p.valid()).as("rejected: %s", p).isFalse();
        assertThat(p.allocation()).isNull();
        for (String f : fragments) {
            assertThat(p.errorMessage()).contains(f);
        }
    }

    @Nested
    class Seed {
        @Test
        void flannel1AndFlannel2AreAcceptedWithDistinctValues() {
            Map<String, Plan> plans = plan(flannel1(), flannel2());
            Plan p1 = plans.get("flannel1");
            Plan p2 = plans.get("flannel2");
            assertThat(p1.errors()).isEmpty();
            assertThat(p2.errors()).isEmpty();

            Allocation a1 = p1.allocation();
            assertThat(a1.subnetManager).isEqualTo(SubnetManager.KUBE);
            assertThat(a1.etcdPrefix).isNull();
            assertThat(a1.defaultNetwork).isTrue();
            assertThat(a1.subnetFile).isEqualTo("/run/flannel/networks/flannel1.env");
            assertThat(a1.dataDir).isEqualTo("/var/lib/cni/flannel/flannel1");
            assertThat(a1.bridge).isEqualTo("mn-flannel1");
            assertThat(a1.vni).as("away from stock flannel's VNI 1").isEqualTo(NetworkPlanner.DEFAULT_VNI_BASE);

            Allocation a2 = p2.allocation();
            assertThat(a2.etcdPrefix).isEqualTo("/k8s/network2");
            assertThat(a2.backendType).isEqualTo(BackendType.HOST_GW);
            assertThat(a2.vni).as("host-gw has no VNI").isNull();
            assertThat(a2.subnetFile).isEqualTo("/run/flannel/networks/flannel2.env");
            assertThat(a2.dataDir).isEqualTo("/var/lib/cni/flannel/flannel2");
            assertThat(a2.bridge).isEqualTo("mn-flannel2");
            assertThat(a2.healthzPort).isNotEqualTo(a1.healthzPort);
        }

        @Test
        void seedAddressesArePublicSoTheyAreAcceptedWithAWarning() {
            Plan p = planOne(flannel2());
            assertThat(p.valid()).isTrue();
            assertThat(p.warnings()).singleElement().asString().contains("172.112.0.0/16").contains("outside private address space");
        }

        @Test
        void privateNetworkHasNoWarning() {
            assertThat(planOne(network("a", "10.20.0.0/16")).warnings()).isEmpty();
            assertThat(planOne(network("b", "100.64.0.0/16")).warnings()).as("RFC 6598").isEmpty();
        }

        @Test
        void defaultPrefixIsDerivedFromTheName() {
            assertThat(planOne(network("blue", "10.1.0.0/16")).allocation().etcdPrefix).isEqualTo("/multinet.io/networks/blue");
        }
    }

    @Nested
    class Cidrs {
        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
                "10.1.0.0         | is not a CIDR",
                "10.1.0.0/33      | prefix length outside 0-32",
                "10.1.0.1/16      | host bits set (did you mean 10.1.0.0/16?)",
                "10.1.0/16        | is not an IPv4 address",
                "10.1.256.0/16    | is not an IPv4 address",
                "fd00::/64        | is not an IPv4 address",
                "10.1.0.0/x       | invalid prefix length" })
        void badCidrIsRejectedNamingTheField(String cidr, String message) {
            assertRejected(planOne(network("a", cidr)), "spec.network: ", message);
        }

        @Test
        void missingNetworkIsRejected() {
            assertRejected(planOne(network("a", null)), "spec.network: is required");
        }

        @Test
        void subnetLenAbove30IsRejected() {
            MultiNetwork n = network("a", "10.1.0.0/16");
            n.getSpec().subnetLen = 31;
            assertRejected(planOne(n), "spec.subnetLen: 31 is out of range (1-30)");
        }

        @Test
        void networkMustHoldAtLeastFourSubnets() {
            MultiNetwork n = network("a", "10.1.0.0/23");
            assertRejected(planOne(n), "spec.subnetLen: 24 leaves room for fewer than 4 subnets in 10.1.0.0/23");
            MultiNetwork ok = network("b", "10.1.0.0/22");
            assertThat(planOne(ok).valid()).isTrue();
        }

        @Test
        void subnetLenShorterThanTheNetworkIsRejected() {
            MultiNetwork n = network("a", "10.1.0.0/16");
            n.getSpec().subnetLen = 12;
            assertRejected(planOne(n), "spec.subnetLen: 12 leaves room for fewer than 4 subnets");
        }

        @Test
        void subnetMinAndMaxInsideAndAlignedAreAccepted() {
            MultiNetwork n = network("a", "10.1.0.0/16");
            n.getSpec().subnetMin = "10.1.10.0";
            n.getSpec().subnetMax = "10.1.20.0";
            assertThat(planOne(n).errors()).isEmpty();
        }

        @ParameterizedTest
        @CsvSource(delimiter = '|', value = {
                "10.2.0.0  | 10.1.20.0 | spec.subnetMin: 10.2.0.0 is outside spec.network 10.1.0.0/16",
                "10.1.10.5 | 10.1.20.0 | spec.subnetMin: 10.1.10.5 is not aligned to subnetLen 24",
                "10.1.10.0 | 10.1.20.9 | spec.subnetMax: 10.1.20.9 is not aligned to subnetLen 24",
                "10.1.30.0 | 10.1.20.0 | spec.subnetMin: 10.1.30.0 is after spec.subnetMax 10.1.20.0",
                "10.1.x.0  | 10.1.20.0 | spec.subnetMin: '10.1.x.0' is not an IPv4 address" })
        void badSubnetBoundsAreRejected(String min, String max, String message) {
            MultiNetwork n = network("a", "10.1.0.0/16");
            n.getSpec().subnetMin = min;
            n.getSpec().subnetMax = max;
            assertRejected(planOne(n), message);
        }

        @Test
        void overlappingNetworksAreRejectedNamingTheOther() {
            MultiNetwork a = created(network("a", "10.1.0.0/16"), "2026-01-01T00:00:00Z");
            MultiNetwork b = created(network("b", "10.1.128.0/17"), "2026-01-02T00:00:00Z");
            Map<String, Plan> plans = plan(b, a);
            assertThat(plans.get("a").valid()).as("the older network wins").isTrue();
            assertRejected(plans.get("b"), "spec.network: 10.1.128.0/17 overlaps network 'a' (10.1.0.0/16)");
        }

        @Test
        void adjacentNetworksDoNotOverlap() {
            Map<String, Plan> plans = plan(network("a", "10.1.0.0/16"), network("b", "10.2.0.0/16"));
            assertThat(plans.values()).allMatch(Plan::valid);
        }

        @Test
        void reservedCidrsAreOffLimits() {
            PlannerSettings s = new PlannerSettings("/run/flannel/networks", "/var/lib/cni/flannel",
                    List.of("10.96.0.0/12", "10.244.0.0/16"), 10300, 100, 1, true);
            Plan p = NetworkPlanner.planAll(List.of(network("a", "10.100.0.0/16")), s).get("a");
            assertRejected(p, "spec.network: 10.100.0.0/16 overlaps reserved CIDR 10.96.0.0/12");
        }

        @Test
        void anInvalidReservedCidrSettingIsReported() {
            PlannerSettings s = new PlannerSettings("/d", "/e", List.of("10.96.0.1/12"), 10300, 100, 1, true);
            assertRejected(NetworkPlanner.planAll(List.of(network("a", "10.1.0.0/16")), s).get("a"),
                    "multinet.operator.reserved-cidrs: '10.96.0.1/12' has host bits set");
        }
    }

    @Nested
    class Etcd {
        @ParameterizedTest
        @ValueSource(strings = { "k8s/network2", "/k8s/network2/", "/k8s//network2", "/k8s/net work", "/k8s/net(2)", "/k8s/*" })
        void prefixWithOtherThanPlainPathCharactersIsRejected(String prefix) {
            MultiNetwork n = network("a", "10.1.0.0/16");
            n.getSpec().etcd = new MultiNetworkSpec.Etcd();
            n.getSpec().etcd.prefix = prefix;
            assertRejected(planOne(n), "spec.etcd.prefix: '" + prefix + "' must be an absolute key path");
        }

        @Test
        void prefixesThatNestAreRejected() {
            MultiNetwork a = created(flannel2(), "2026-01-01T00:00:00Z");
            MultiNetwork b = created(network("b", "10.1.0.0/16"), "2026-01-02T00:00:00Z");
            b.getSpec().etcd = new MultiNetworkSpec.Etcd();
            b.getSpec().etcd.prefix = "/k8s/network2/inner";
            assertRejected(plan(a, b).get("b"), "spec.etcd.prefix: '/k8s/network2/inner' clashes with network 'flannel2' prefix '/k8s/network2'");
        }

        @Test
        void prefixesThatOnlyShareLettersAreSeparate() {
            Map<String, Plan> plans = plan(network("net1", "10.1.0.0/16"), network("net10", "10.2.0.0/16"));
            assertThat(plans.values()).allMatch(Plan::valid);
            assertThat(plans.get("net10").allocation().etcdPrefix).isEqualTo("/multinet.io/networks/net10");
        }

        @Test
        void equalPrefixesAreRejected() {
            MultiNetwork a = created(flannel2(), "2026-01-01T00:00:00Z");
            MultiNetwork b = created(network("b", "10.1.0.0/16"), "2026-01-02T00:00:00Z");
            b.getSpec().etcd = new MultiNetworkSpec.Etcd();
            b.getSpec().etcd.prefix = "/k8s/network2";
            assertRejected(plan(a, b).get("b"), "clashes with network 'flannel2'");
        }

        @Test
        void flannelsDefaultPrefixNeedsToBeAskedForExplicitly() {
            MultiNetwork n = network("a", "10.1.0.0/16");
            n.getSpec().etcd = new MultiNetworkSpec.Etcd();
            n.getSpec().etcd.prefix = "/coreos.com/network";
            assertRejected(planOne(n), "spec.etcd.prefix: '/coreos.com/network' is flannel's default prefix",
                    "allowFlannelDefaultPrefix");
            n.getSpec().etcd.allowFlannelDefaultPrefix = true;
            assertThat(planOne(n).allocation().etcdPrefix).isEqualTo("/coreos.com/network");
        }

        @Test
        void endpointsMustBeUrls() {
            MultiNetwork n = network("a", "10.1.0.0/16");
            n.getSpec().etcd = new MultiNetworkSpec.Etcd();
            n.getSpec().etcd.endpoints = List.of("https://10.0.0.5:2379", "10.0.0.6:2379");
            assertRejected(planOne(n), "spec.etcd.endpoints: '10.0.0.6:2379' is not a URL (expected http(s)://host:port)");
        }

        @Test
        void endpointsAreNeededWhenTheOperatorHasNoDefault() {
            PlannerSettings s = new PlannerSettings("/d", "/e", List.of(), 10300, 100, 1, false);
            assertRejected(NetworkPlanner.planAll(List.of(network("a", "10.1.0.0/16")), s).get("a"),
                    "spec.etcd.endpoints: none given and the operator has no default (multinet.operator.etcd.endpoints)");
            MultiNetwork k = flannel1();
            assertThat(NetworkPlanner.planAll(List.of(k), s).get("flannel1").valid()).as("kube mode needs no etcd").isTrue();
        }

        @Test
        void kubeModeTakesNoEtcdSettings() {
            MultiNetwork n = flannel1();
            n.getSpec().etcd = new MultiNetworkSpec.Etcd();
            assertRejected(planOne(n), "spec.etcd: must be unset when subnetManager is kube");
        }
    }

    @Nested
    class OnePerNode {
        @Test
        void atMostOneKubeModeNetwork() {
            MultiNetwork a = created(flannel1(), "2026-01-01T00:00:00Z");
            MultiNetwork b = created(network("b", "10.1.0.0/16"), "2026-01-02T00:00:00Z");
            b.getSpec().subnetManager = SubnetManager.KUBE;
            assertRejected(plan(a, b).get("b"), "spec.subnetManager: kube is already used by network 'flannel1'");
        }

        @Test
        void atMostOneDefaultNetwork() {
            MultiNetwork a = created(flannel1(), "2026-01-01T00:00:00Z");
            MultiNetwork b = created(network("b", "10.1.0.0/16"), "2026-01-02T00:00:00Z");
            b.getSpec().defaultNetwork = true;
            assertRejected(plan(a, b).get("b"), "spec.default: network 'flannel1' is already the cluster default network");
        }

        @ParameterizedTest
        @ValueSource(strings = { "wireguard", "ipip" })
        void atMostOneNetworkPerFixedDeviceBackend(String type) {
            MultiNetwork a = created(network("a", "10.1.0.0/16"), "2026-01-01T00:00:00Z");
            MultiNetwork b = created(network("b", "10.2.0.0/16"), "2026-01-02T00:00:00Z");
            a.getSpec().backend.type = BackendType.fromValue(type);
            b.getSpec().backend.type = BackendType.fromValue(type);
            assertRejected(plan(a, b).get("b"), "spec.backend.type: " + type + " is already used by network 'a'");
        }

        @Test
        void manyVxlanNetworksGetDistinctVnisAndPorts() {
            List<MultiNetwork> nets = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                nets.add(network("n" + i, "10." + (i + 1) + ".0.0/16"));
            }
            Map<String, Plan> plans = NetworkPlanner.planAll(nets, SETTINGS);
            assertThat(plans.values().stream().map(p -> p.allocation().vni).distinct()).hasSize(5);
            assertThat(plans.values().stream().map(p -> p.allocation().healthzPort).distinct()).hasSize(5);
            assertThat(plans.values().stream().map(p -> p.allocation().bridge).distinct()).hasSize(5);
            assertThat(plans.get("n0").allocation().vni).isEqualTo(NetworkPlanner.DEFAULT_VNI_BASE);
            assertThat(plans.get("n0").allocation().healthzPort).isEqualTo(10300);
        }

        @Test
        void explicitVniInUseIsRejected() {
            MultiNetwork a = created(network("a", "10.1.0.0/16"), "2026-01-01T00:00:00Z");
            MultiNetwork b = created(network("b", "10.2.0.0/16"), "2026-01-02T00:00:00Z");
            b.getSpec().backend.vni = NetworkPlanner.DEFAULT_VNI_BASE;
            assertRejected(plan(a, b).get("b"), "spec.backend.vni: " + NetworkPlanner.DEFAULT_VNI_BASE + " is already used by network 'a'");
        }

        @Test
        void explicitVniIsSkippedByAllocation() {
            MultiNetwork a = created(network("a", "10.1.0.0/16"), "2026-01-01T00:00:00Z");
            a.getSpec().backend.vni = NetworkPlanner.DEFAULT_VNI_BASE;
            MultiNetwork b = created(network("b", "10.2.0.0/16"), "2026-01-02T00:00:00Z");
            assertThat(plan(a, b).get("b").allocation().vni).isEqualTo(NetworkPlanner.DEFAULT_VNI_BASE + 1);
        }

        @Test
        void vniAndPortOnlyForVxlan() {
            MultiNetwork n = network("a", "10.1.0.0/16");
            n.getSpec().backend.type = BackendType.HOST_GW;
            n.getSpec().backend.vni = 7;
            n.getSpec().backend.port = 4789;
            assertRejected(planOne(n), "spec.backend.vni: only a vxlan backend has a VNI, this one is host-gw",
                    "spec.backend.port: only a vxlan backend has a port");
        }

        @Test
        void vniOutOfRangeIsRejected() {
            MultiNetwork n = network("a", "10.1.0.0/16");
            // flannel.10000000 would be 16 characters, one more than the kernel allows
            n.getSpec().backend.vni = 10_000_000;
            assertRejected(planOne(n), "spec.backend.vni: 10000000 is out of range (1-9999999)");
        }

        @Test
        void backendMtuOutOfRangeIsRejected() {
            MultiNetwork n = network("a", "10.1.0.0/16");
            n.getSpec().backend.mtu = 100;
            assertRejected(planOne(n), "spec.backend.mtu: 100 is out of range (576-9216)");
        }

        @Test
        void noHealthzPortLeftIsReported() {
            PlannerSettings s = new PlannerSettings("/d", "/e", List.of(), 10300, 1, 1, true);
            Map<String, Plan> plans = NetworkPlanner.planAll(List.of(created(network("a", "10.1.0.0/16"), "2026-01-01T00:00:00Z"),
                    created(network("b", "10.2.0.0/16"), "2026-01-02T00:00:00Z")), s);
            assertThat(plans.get("a").valid()).isTrue();
            assertRejected(plans.get("b"), "no flanneld healthz port is free in 10300-10300");
        }
    }

    @Nested
    class Bridges {
        @Test
        void longNamesGetAHashedBridgeOfAtMost15Characters() {
            Plan p = planOne(network("a-very-long-network-name", "10.1.0.0/16"));
            assertThat(p.allocation().bridge).hasSizeLessThanOrEqualTo(15).startsWith("mn-a-ver-");
            assertThat(planOne(network("a-very-long-network-name", "10.1.0.0/16")).allocation().bridge)
                    .as("deterministic").isEqualTo(p.allocation().bridge);
        }

        @Test
        void namesSharingAHeadStillGetDistinctBridges() {
            Map<String, Plan> plans = plan(network("storage-network-a", "10.1.0.0/16"), network("storage-network-b", "10.2.0.0/16"));
            assertThat(plans.get("storage-network-a").allocation().bridge)
                    .isNotEqualTo(plans.get("storage-network-b").allocation().bridge);
        }

        @Test
        void derivedBridgeAvoidsAnExplicitOne() {
            MultiNetwork a = created(network("a", "10.1.0.0/16"), "2026-01-01T00:00:00Z");
            a.getSpec().attachment.bridge = "mn-b";
            MultiNetwork b = created(network("b", "10.2.0.0/16"), "2026-01-02T00:00:00Z");
            String bridge = plan(a, b).get("b").allocation().bridge;
            assertThat(bridge).isNotEqualTo("mn-b").hasSizeLessThanOrEqualTo(15);
        }

        @Test
        void explicitBridgeInUseIsRejected() {
            MultiNetwork a = created(network("a", "10.1.0.0/16"), "2026-01-01T00:00:00Z");
            MultiNetwork b = created(network("b", "10.2.0.0/16"), "2026-01-02T00:00:00Z");
            b.getSpec().attachment.bridge = "mn-a";
            assertRejected(plan(a, b).get("b"), "spec.attachment.bridge: 'mn-a' is already the bridge of network 'a'");
        }

        @ParameterizedTest
        @ValueSource(strings = { "bridge-name-too-long", "br/0", "br 0", ".." })
        void invalidBridgeNameIsRejected(String bridge) {
            MultiNetwork n = network("a", "10.1.0.0/16");
            n.getSpec().attachment.bridge = bridge;
            assertRejected(planOne(n), "spec.attachment.bridge: '" + bridge + "'");
        }
    }

    @Nested
    class Attachments {
        @Test
        void sameNadNameInTheSameNamespaceIsRejected() {
            MultiNetwork a = created(network("a", "10.1.0.0/16"), "2026-01-01T00:00:00Z");
            MultiNetwork b = created(network("b", "10.2.0.0/16"), "2026-01-02T00:00:00Z");
            a.getSpec().attachment.name = "shared";
            b.getSpec().attachment.name = "shared";
            assertRejected(plan(a, b).get("b"), "spec.attachment.name: 'shared' in namespace 'default' is already written by network 'a'");
        }

        @Test
        void sameNadNameInOtherNamespacesIsAccepted() {
            MultiNetwork a = network("a", "10.1.0.0/16");
            MultiNetwork b = network("b", "10.2.0.0/16");
            a.getSpec().attachment.name = "shared";
            b.getSpec().attachment.name = "shared";
            b.getSpec().attachment.namespaces = List.of("team-b");
            assertThat(plan(a, b).values()).allMatch(Plan::valid);
        }

        @Test
        void sameNadNameWithASelectorIsRejected() {
            MultiNetwork a = created(network("a", "10.1.0.0/16"), "2026-01-01T00:00:00Z");
            MultiNetwork b = created(network("b", "10.2.0.0/16"), "2026-01-02T00:00:00Z");
            a.getSpec().attachment.name = "shared";
            b.getSpec().attachment.name = "shared";
            b.getSpec().attachment.namespaceSelector = new LabelSelectorBuilder().addToMatchLabels("team", "b").build();
            assertRejected(plan(a, b).get("b"), "a namespace selector may give both the same namespace");
        }

        @Test
        void targetsDefaultToTheDefaultNamespace() {
            assertThat(NetworkPlanner.attachmentNamespaces(network("a", "10.1.0.0/16").getSpec())).containsExactly("default");
            MultiNetwork s = network("s", "10.1.0.0/16");
            s.getSpec().attachment.namespaceSelector = new LabelSelectorBuilder().addToMatchLabels("x", "y").build();
            assertThat(NetworkPlanner.attachmentNamespaces(s.getSpec())).as("selector only").isEmpty();
        }

        @ParameterizedTest
        @ValueSource(strings = { "Flannel2", "flannel2_conf", "-flannel2" })
        void nadNameMustBeADnsLabel(String name) {
            MultiNetwork n = network("a", "10.1.0.0/16");
            n.getSpec().attachment.name = name;
            assertRejected(planOne(n), "spec.attachment.name: '" + name + "' must be a DNS-1123 label");
        }

        @Test
        void namespacesMustBeValidAndListedOnce() {
            MultiNetwork n = network("a", "10.1.0.0/16");
            n.getSpec().attachment.namespaces = List.of("team-a", "Team_B", "team-a");
            assertRejected(planOne(n), "spec.attachment.namespaces: 'Team_B' is not a valid namespace name",
                    "spec.attachment.namespaces: 'team-a' is listed twice");
        }

        @Test
        void attachmentMtuOutOfRangeIsRejected() {
            MultiNetwork n = network("a", "10.1.0.0/16");
            n.getSpec().attachment.mtu = 10000;
            assertRejected(planOne(n), "spec.attachment.mtu: 10000 is out of range (576-9216)");
        }
    }

    @Nested
    class Flanneld {
        @Test
        void badInterfaceOptionsAreRejected() {
            MultiNetwork n = network("a", "10.1.0.0/16");
            n.getSpec().flanneld.iface = List.of("eth1", "an-interface-name-too-long");
            n.getSpec().flanneld.ifaceRegex = List.of("eth[0-");
            n.getSpec().flanneld.ifaceCanReach = "not-an-ip";
            assertRejected(planOne(n), "spec.flanneld.iface: 'an-interface-name-too-long' is longer than 15 characters",
                    "spec.flanneld.ifaceRegex: 'eth[0-' is not a valid regular expression",
                    "spec.flanneld.ifaceCanReach: 'not-an-ip' is not an IPv4 address");
        }

        @ParameterizedTest
        @ValueSource(strings = { "Flannel2", "a.b", "this-network-name-is-far-too-long-to-name-a-daemonset-x" })
        void networkNameMustFitTheDaemonSetName(String name) {
            assertRejected(planOne(network(name, "10.1.0.0/16")), "metadata.name: '" + name + "' must be a DNS-1123 label of at most 54");
        }
    }

    @Nested
    class Stability {
        @Test
        void sameInputsGiveSameValues() {
            assertThat(plan(flannel1(), flannel2())).isEqualTo(plan(flannel2(), flannel1()));
        }

        @Test
        void anExistingNetworkKeepsItsValuesWhenOthersComeAndGo() {
            MultiNetwork a = created(network("a", "10.1.0.0/16"), "2026-01-01T00:00:00Z");
            MultiNetwork b = created(network("b", "10.2.0.0/16"), "2026-01-02T00:00:00Z");
            accept(a, b);
            Allocation bBefore = new Allocation(b.getStatus().allocated);
            assertThat(bBefore.vni).isEqualTo(NetworkPlanner.DEFAULT_VNI_BASE + 1);

            // a goes away, c arrives: b keeps VNI 2 and its port, c takes the freed values
            MultiNetwork c = created(network("c", "10.3.0.0/16"), "2026-01-03T00:00:00Z");
            Map<String, Plan> plans = plan(b, c);
            assertThat(plans.get("b").allocation()).isEqualTo(bBefore);
            assertThat(plans.get("c").allocation().vni).isEqualTo(NetworkPlanner.DEFAULT_VNI_BASE);
            assertThat(plans.get("c").allocation().healthzPort).isEqualTo(10300);
        }

        /**
         * docs/operations.md: networks restored from a backup get new creation times, in any order; with
         * their status put back they keep exactly what they ran with, and without it they are allocated anew.
         */
        @Test
        void networksRestoredWithTheirStatusKeepTheirAllocations() {
            MultiNetwork a = created(network("a", "10.1.0.0/16"), "2026-01-01T00:00:00Z");
            MultiNetwork b = created(network("b", "10.2.0.0/16"), "2026-01-02T00:00:00Z");
            MultiNetwork c = created(network("c", "10.3.0.0/16"), "2026-01-03T00:00:00Z");
            accept(a, b, c);
            // a was deleted before the backup: b and c hold VNI base+1/base+2, ports 10301/10302
            Allocation bRan = new Allocation(b.getStatus().allocated);
            Allocation cRan = new Allocation(c.getStatus().allocated);

            MultiNetwork c2 = created(network("c", "10.3.0.0/16"), "2026-06-01T00:00:00Z");
            MultiNetwork b2 = created(network("b", "10.2.0.0/16"), "2026-06-01T00:00:01Z");
            Map<String, Plan> fresh = plan(b2, c2);
            assertThat(fresh.get("c").allocation().vni).as("without status: handed out again, oldest first").isEqualTo(NetworkPlanner.DEFAULT_VNI_BASE);
            assertThat(fresh.get("c").allocation().bridge).as("what derives from the name comes back").isEqualTo(cRan.bridge);

            for (var restored : List.of(b2, c2)) {
                restored.setStatus(new MultiNetworkStatus());
                restored.getStatus().allocated = new Allocation(restored == b2 ? bRan : cRan);
            }
            Map<String, Plan> kept = plan(b2, c2);
            assertThat(kept.get("b").allocation()).isEqualTo(bRan);
            assertThat(kept.get("c").allocation()).isEqualTo(cRan);
        }

        @Test
        void recordedValuesWinOverNewerDefaults() {
            MultiNetwork a = network("a", "10.1.0.0/16");
            accept(a);
            a.getStatus().allocated.subnetFile = "/run/flannel/old/a.env";
            a.getStatus().allocated.healthzPort = 10350;
            Allocation again = planOne(a).allocation();
            assertThat(again.subnetFile).isEqualTo("/run/flannel/old/a.env");
            assertThat(again.healthzPort).isEqualTo(10350);
        }

        @Test
        void aRunningNetworkKeepsItsClaimAgainstAnOlderNetworksEdit() {
            MultiNetwork a = created(network("a", "10.1.0.0/16"), "2026-01-01T00:00:00Z");
            MultiNetwork b = created(network("b", "10.2.0.0/16"), "2026-01-02T00:00:00Z");
            b.getSpec().defaultNetwork = true;
            accept(a, b);
            // the older network is edited to become default as well: the running default keeps it
            a.getSpec().defaultNetwork = true;
            Map<String, Plan> plans = plan(a, b);
            assertThat(plans.get("b").valid()).isTrue();
            Plan pa = plans.get("a");
            assertThat(pa.valid()).isFalse();
            assertThat(pa.errorMessage()).contains("spec.default: network 'b' is already the cluster default network");
            assertThat(pa.allocation()).as("the rejected network keeps what it runs with").isEqualTo(a.getStatus().allocated);
        }

        @Test
        void aRejectedRunningNetworkStillHoldsItsValues() {
            MultiNetwork a = created(network("a", "10.1.0.0/16"), "2026-01-01T00:00:00Z");
            accept(a);
            a.getSpec().network = "10.9.0.0/16";
            MultiNetwork b = created(network("b", "10.1.0.0/16"), "2026-01-02T00:00:00Z");
            Map<String, Plan> plans = plan(a, b);
            assertThat(plans.get("a").errorMessage()).contains("spec.network is immutable: it was 10.1.0.0/16 and is now 10.9.0.0/16");
            assertRejected(plans.get("b"), "spec.network: 10.1.0.0/16 overlaps network 'a'");
        }
    }

    @Nested
    class Immutability {
        @Test
        void identityFieldsCannotChange() {
            MultiNetwork n = flannel2();
            accept(n);
            n.getSpec().subnetLen = 26;
            n.getSpec().backend.type = BackendType.VXLAN;
            n.getSpec().etcd.prefix = "/k8s/network3";
            Plan p = planOne(n);
            assertThat(p.errorMessage()).contains("spec.subnetLen is immutable: it was 24 and is now 26",
                    "spec.backend.type is immutable: it was host-gw and is now vxlan",
                    "spec.etcd.prefix is immutable: it was /k8s/network2 and is now /k8s/network3");
            assertThat(p.allocation()).isEqualTo(n.getStatus().allocated);
        }

        @Test
        void subnetManagerCannotChange() {
            MultiNetwork n = flannel1();
            accept(n);
            n.getSpec().subnetManager = SubnetManager.ETCD;
            assertThat(planOne(n).errorMessage()).contains("spec.subnetManager is immutable: it was kube and is now etcd");
        }

        @Test
        void allocatedBridgeAndVniCannotBeOverridden() {
            MultiNetwork n = network("a", "10.1.0.0/16");
            accept(n);
            n.getSpec().attachment.bridge = "br-new";
            n.getSpec().backend.vni = 42;
            assertThat(planOne(n).errorMessage()).contains("spec.attachment.bridge is immutable: it was mn-a and is now br-new",
                    "spec.backend.vni is immutable: it was " + NetworkPlanner.DEFAULT_VNI_BASE + " and is now 42");
        }

        @Test
        void mutableFieldsMayChange() {
            MultiNetwork n = flannel2();
            accept(n);
            n.getSpec().flanneld.iface = List.of("eth2");
            n.getSpec().attachment.namespaces = List.of("default", "team-a");
            n.getSpec().attachment.mtu = 1400;
            Plan p = planOne(n);
            assertThat(p.errors()).isEmpty();
            assertThat(p.allocation()).isEqualTo(n.getStatus().allocated);
        }
    }

    @Test
    void missingSpecIsRejected() {
        MultiNetwork n = network("a", "10.1.0.0/16");
        n.setSpec(null);
        assertRejected(planOne(n), "spec is required");
    }
}
