package io.multinet.api.v1alpha1;

import java.util.List;

/** MultiNetworks for tests, the seed's two among them. */
public final class Networks {

    private Networks() {
    }

    public static MultiNetwork network(String name, String cidr) {
        MultiNetwork n = new MultiNetwork();
        n.getMetadata().setName(name);
        n.getMetadata().setGeneration(1L);
        n.getSpec().network = cidr;
        return n;
    }

    /** The seed's default network: kube mode, 172.96.0.0/16, flanneld on eth0, NAD flannel1-conf. */
    public static MultiNetwork flannel1() {
        MultiNetwork n = network("flannel1", "172.96.0.0/16");
        n.getSpec().subnetManager = SubnetManager.KUBE;
        n.getSpec().defaultNetwork = true;
        n.getSpec().flanneld.iface = List.of("eth0");
        n.getSpec().attachment.name = "flannel1-conf";
        return n;
    }

    /** The seed's second network: etcd mode, host-gw, 172.112.0.0/16, prefix /k8s/network2, eth1, NAD flannel2-conf. */
    public static MultiNetwork flannel2() {
        MultiNetwork n = network("flannel2", "172.112.0.0/16");
        n.getSpec().backend.type = BackendType.HOST_GW;
        n.getSpec().etcd = new MultiNetworkSpec.Etcd();
        n.getSpec().etcd.prefix = "/k8s/network2";
        n.getSpec().flanneld.iface = List.of("eth1");
        n.getSpec().flanneld.ipMasq = true;
        n.getSpec().attachment.name = "flannel2-conf";
        return n;
    }

    public static MultiNetwork created(MultiNetwork n, String timestamp) {
        n.getMetadata().setCreationTimestamp(timestamp);
        return n;
    }
}
