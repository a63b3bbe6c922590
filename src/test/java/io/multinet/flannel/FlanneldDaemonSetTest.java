package io.multinet.flannel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.multinet.api.v1alpha1.Allocation;
import io.multinet.api.v1alpha1.BackendType;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.api.v1alpha1.MultiNetworkSpec;
import io.multinet.api.v1alpha1.NetworkPlanner;
import io.multinet.api.v1alpha1.Networks;
import io.multinet.api.v1alpha1.PlannerSettings;

class FlanneldDaemonSetTest {

    static final FlanneldDaemonSet.Settings S = new FlanneldDaemonSet.Settings("multinet-system", "flannel:v1",
            List.of("https://etcd-0:2379"), null, null);

    static Allocation alloc(MultiNetwork n) {
        return NetworkPlanner.planAll(List.of(n), PlannerSettings.defaults()).get(n.getMetadata().getName()).allocation();
    }

    @Test
    void tlsAndCredentialsComeFromSecretsNeverFromArguments() {
        MultiNetwork n = Networks.flannel2();
        n.getSpec().etcd.tlsSecret = "etcd-client";
        n.getSpec().etcd.credentialsSecret = "etcd-login";
        DaemonSet ds = FlanneldDaemonSet.desired(n, alloc(n), S);
        var c = ds.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c.getArgs()).contains("--etcd-endpoints=https://etcd-0:2379", "--etcd-cafile=/etc/multinet/etcd-tls/ca.crt",
                "--etcd-certfile=/etc/multinet/etcd-tls/tls.crt", "--etcd-keyfile=/etc/multinet/etcd-tls/tls.key");
        assertThat(c.getArgs()).noneMatch(a -> a.contains("password") || a.contains("username"));
        assertThat(ds.getSpec().getTemplate().getSpec().getVolumes()).anySatisfy(v -> {
            assertThat(v.getName()).isEqualTo("etcd-tls");
            assertThat(v.getSecret().getSecretName()).isEqualTo("etcd-client");
        });
        assertThat(c.getEnv()).anySatisfy(e -> {
            assertThat(e.getName()).isEqualTo("FLANNELD_ETCD_PASSWORD");
            assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("etcd-login");
        });
    }

    @Test
    void operatorDefaultsApplyWhenTheSpecIsSilent() {
        MultiNetwork n = Networks.network("blue", "10.1.0.0/16");
        var withTls = new FlanneldDaemonSet.Settings("ns", "flannel:v1", List.of("https://e:2379"), "default-tls", null);
        var c = FlanneldDaemonSet.desired(n, alloc(n), withTls).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(c.getImage()).isEqualTo("flannel:v1");
        assertThat(c.getArgs()).containsExactly("--etcd-endpoints=https://e:2379", "--etcd-prefix=/multinet.io/networks/blue",
                "--etcd-cafile=/etc/multinet/etcd-tls/ca.crt", "--etcd-certfile=/etc/multinet/etcd-tls/tls.crt",
                "--etcd-keyfile=/etc/multinet/etcd-tls/tls.key", "--subnet-file=/run/flannel/networks/blue.env",
                "--ip-masq", "--healthz-ip=127.0.0.1", "--healthz-port=10300", "--iptables-resync=1");
    }

    /** Issue 15: what lets several flanneld share a node, on the generated object. */
    @Test
    void severalFlanneldOnANodeDoNotStepOnEachOther() {
        MultiNetwork n = Networks.flannel1();
        var pod = FlanneldDaemonSet.desired(n, alloc(n), S).getSpec().getTemplate().getSpec();
        var c = pod.getContainers().get(0);
        assertThat(c.getArgs()).as("the shared chains are put back within a second of another flanneld's flush")
                .contains("--iptables-resync=1", "--healthz-ip=127.0.0.1");
        assertThat(c.getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getContainerPort()).isEqualTo(10300);
            assertThat(p.getHostPort()).as("declared: the scheduler keeps two pods with this port off one node").isEqualTo(10300);
        });
        assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        assertThat(c.getStartupProbe().getFailureThreshold() * c.getStartupProbe().getPeriodSeconds()).as("kube mode may wait for the node list")
                .isGreaterThanOrEqualTo(300);
        assertThat(c.getLivenessProbe().getInitialDelaySeconds()).as("the startup probe holds liveness back").isNull();
        assertThat(List.of(c.getStartupProbe(), c.getReadinessProbe(), c.getLivenessProbe())).allSatisfy(p ->
                assertThat(p.getHttpGet().getHost()).isEqualTo("127.0.0.1"));
        assertThat(pod.getDnsPolicy()).as("no wait on cluster DNS, which needs the pod network").isEqualTo("Default");
        assertThat(NetConf.json(n.getSpec(), alloc(n))).contains("\"EnableNFTables\":false");
    }

    @Test
    void flanneldOptionsFromTheSpec() {
        MultiNetwork n = Networks.network("blue", "10.1.0.0/16");
        MultiNetworkSpec.Flanneld f = n.getSpec().flanneld;
        f.iface = List.of("eth1", "eth2");
        f.ifaceRegex = List.of("^ens");
        f.ifaceCanReach = "10.0.0.1";
        f.ipMasq = false;
        f.nodeSelector = Map.of("pool", "storage");
        f.tolerations = List.of(new TolerationBuilder().withKey("dedicated").withOperator("Exists").build());
        f.image = "mirror/flannel:v0.28.9";
        f.resources = new ResourceRequirementsBuilder().addToLimits("memory", new Quantity("100Mi")).build();
        var spec = FlanneldDaemonSet.desired(n, alloc(n), S).getSpec().getTemplate().getSpec();
        var c = spec.getContainers().get(0);
        assertThat(c.getArgs()).contains("--iface=eth1", "--iface=eth2", "--iface-regex=^ens", "--iface-can-reach=10.0.0.1")
                .doesNotContain("--ip-masq");
        assertThat(spec.getNodeSelector()).containsEntry("pool", "storage").containsEntry("kubernetes.io/os", "linux");
        assertThat(spec.getTolerations()).extracting(t -> t.getKey()).containsExactly("dedicated");
        assertThat(c.getImage()).isEqualTo("mirror/flannel:v0.28.9");
        assertThat(c.getResources().getLimits()).containsKey("memory");
    }

    @Test
    void kubeModeReadsItsNetConfFromAConfigMap() {
        MultiNetwork n = Networks.flannel1();
        Allocation a = alloc(n);
        DaemonSet ds = FlanneldDaemonSet.desired(n, a, S);
        var spec = ds.getSpec().getTemplate().getSpec();
        assertThat(spec.getVolumes()).filteredOn(v -> v.getConfigMap() != null).extracting(v -> v.getConfigMap().getName())
                .containsExactly("flanneld-flannel1-net-conf");
        assertThat(spec.getAutomountServiceAccountToken()).isTrue();
        assertThat(spec.getContainers().get(0).getEnv()).extracting(e -> e.getName()).contains("POD_NAME", "POD_NAMESPACE");
        assertThat(FlanneldDaemonSet.netConf(n, a, S).getData().get("net-conf.json"))
                .isEqualTo("{\"Network\":\"172.96.0.0/16\",\"SubnetLen\":24,\"Backend\":{\"Type\":\"vxlan\",\"VNI\":4096},\"EnableNFTables\":false}");
    }

    @Test
    void netConfSpellsOutTheBackend() {
        MultiNetwork n = Networks.network("v", "10.1.0.0/16");
        n.getSpec().subnetLen = 26;
        n.getSpec().subnetMin = "10.1.1.0";
        n.getSpec().subnetMax = "10.1.9.0";
        n.getSpec().backend.port = 4789;
        n.getSpec().backend.mtu = 1400;
        assertThat(NetConf.json(n.getSpec(), alloc(n))).isEqualTo("{\"Network\":\"10.1.0.0/16\",\"SubnetLen\":26,"
                + "\"SubnetMin\":\"10.1.1.0\",\"SubnetMax\":\"10.1.9.0\",\"Backend\":{\"Type\":\"vxlan\",\"VNI\":4096,\"Port\":4789,\"MTU\":1400},\"EnableNFTables\":false}");
        MultiNetwork w = Networks.network("w", "10.2.0.0/16");
        w.getSpec().backend.type = BackendType.WIREGUARD;
        assertThat(NetConf.json(w.getSpec(), alloc(w))).isEqualTo("{\"Network\":\"10.2.0.0/16\",\"SubnetLen\":24,\"Backend\":{\"Type\":\"wireguard\"},\"EnableNFTables\":false}");
    }

    @Test
    void leasesParseFlannelsKeys() {
        assertThat(Lease.parse("/k8s/network2", "/k8s/network2/subnets/172.112.88.0-24", Lease.value("10.0.0.1", "vxlan")))
                .contains(new Lease("/k8s/network2/subnets/172.112.88.0-24", "172.112.88.0/24", "10.0.0.1"));
        assertThat(Lease.parse("/k8s/network2", "/k8s/network2/config", "{}")).isEmpty();
        assertThat(Lease.parse("/k8s/network2", "/k8s/network2/subnets/x-24", "not json")).isEmpty();
        assertThat(Lease.parse("/k8s/network2", "/k8s/network22/subnets/10.0.0.0-24", Lease.value("1.2.3.4", "vxlan"))).isEmpty();
    }
}
