package io.multinet.delegator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.multinet.JsonBinding;
import io.multinet.api.v1alpha1.Allocation;
import io.multinet.api.v1alpha1.BackendType;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.api.v1alpha1.MultiNetworkSpec;
import io.multinet.api.v1alpha1.MultiNetworkStatus;
import io.multinet.api.v1alpha1.SubnetManager;
import io.multinet.flannel.FlannelCni;

/** The node daemon reads a MultiNetwork field by field; what it reads is what the typed model reads. */
class NodeNetworkTest {

    static MultiNetwork accepted() {
        MultiNetwork n = new MultiNetwork();
        n.setMetadata(new ObjectMetaBuilder().withName("flannel2").withResourceVersion("7").addToAnnotations("x", "y").build());
        n.setSpec(new MultiNetworkSpec());
        n.getSpec().defaultNetwork = true;
        n.getSpec().attachment.mtu = 1400;
        n.getSpec().attachment.ipMasq = false;
        n.setStatus(new MultiNetworkStatus());
        Allocation a = new Allocation();
        a.network = "10.2.0.0/16";
        a.subnetLen = 24;
        a.subnetManager = SubnetManager.ETCD;
        a.backendType = BackendType.VXLAN;
        a.etcdPrefix = "/multinet/flannel2/network";
        a.subnetFile = "/run/flannel/flannel2.env";
        a.dataDir = "/var/lib/cni/flannel2";
        a.bridge = "mn-flannel2";
        a.vni = 2;
        a.healthzPort = 8472;
        a.defaultNetwork = true;
        n.getStatus().allocated = a;
        return n;
    }

    static NodeNetwork read(MultiNetwork n) {
        return NodeNetwork.of(JsonBinding.MAPPER.valueToTree(n));
    }

    @Test
    void readsWhatTheTypedModelHas() {
        MultiNetwork typed = accepted();
        NodeNetwork n = read(typed);
        assertThat(n.name()).isEqualTo("flannel2");
        assertThat(n.deleting()).isFalse();
        assertThat(n.defaultRequested()).isTrue();
        assertThat(n.mtu()).isEqualTo(1400);
        assertThat(n.ipMasq()).isFalse();
        assertThat(n.allocated()).as("every field of the allocation").isEqualTo(typed.getStatus().allocated);
        assertThat(n.isDefault()).isTrue();
        // the eth0 config the daemon runs is the one the operator writes into the network's NADs
        assertThat(n.cniConfig(true)).isEqualTo(FlannelCni.networkConfig(typed, typed.getStatus().allocated, true));
        assertThat(n.cniConfig(false)).isEqualTo(FlannelCni.networkConfig(typed, typed.getStatus().allocated, false));
    }

    @Test
    void aNetworkNotYetAcceptedOrBeingDeletedIsNotTheDefault() {
        MultiNetwork fresh = accepted();
        fresh.setStatus(null);
        fresh.getSpec().attachment.mtu = null;
        fresh.getSpec().attachment.ipMasq = null;
        NodeNetwork n = read(fresh);
        assertThat(n.allocated()).isNull();
        assertThat(n.mtu()).isNull();
        assertThat(n.ipMasq()).isNull();
        assertThat(n.isDefault()).isFalse();

        MultiNetwork leaving = accepted();
        leaving.getMetadata().setDeletionTimestamp("2026-12-03T01:00:00Z");
        assertThat(read(leaving).deleting()).isTrue();
        assertThat(read(leaving).isDefault()).as("a default network being deleted takes no new pod").isFalse();

        MultiNetwork notAcceptedAsDefault = accepted();
        notAcceptedAsDefault.getStatus().allocated.defaultNetwork = false;
        assertThat(read(notAcceptedAsDefault).isDefault()).isFalse();
    }

    @Test
    void valuesOfANewerOperatorDoNotMakeTheNetworkUnreadable() {
        ObjectNode o = JsonBinding.MAPPER.valueToTree(accepted());
        JsonNode a = o.path("status").path("allocated");
        ((ObjectNode) a).put("backendType", "future-backend").put("subnetManager", "future-manager").put("somethingNew", 1);
        NodeNetwork n = NodeNetwork.of(o);
        assertThat(n.allocated().backendType).isNull();
        assertThat(n.allocated().subnetManager).isNull();
        assertThat(n.allocated().bridge).isEqualTo("mn-flannel2");
    }
}
