package io.multinet.delegator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Which node-state changes cost an API write at once, and which wait for the report interval. */
class NodeStateWriteTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode state(boolean ready, boolean bridgePresent, int attachments) throws Exception {
        return JSON.readTree("{\"delegator\":{\"ready\":" + ready + "},\"networks\":[{\"name\":\"flannel2\",\"bridgePresent\":"
                + bridgePresent + ",\"attachments\":" + attachments + "}]}");
    }

    /** The status as the daemon writes it (by hand) is the typed model's, as data binding writes it. */
    @Test
    void theStatusTreeIsTheTypedModelsAsBindingWritesIt() {
        var st = new io.multinet.api.v1alpha1.MultiNetworkNodeStateStatus();
        assertThat(NodeStateReporter.tree(st)).as("empty").isEqualTo(io.multinet.JsonBinding.MAPPER.valueToTree(st));
        st.delegator.version = "0.1.0";
        st.delegator.ready = true;
        st.delegator.reason = "r";
        st.delegator.cniConfigFile = "/etc/cni/net.d/00-multinet.conflist";
        st.delegator.defaultNetwork = "flannel1";
        st.delegator.defaultNetworkSource = "s";
        st.delegator.message = "m";
        st.addresses = java.util.List.of("10.0.0.1", "192.168.1.2");
        st.networkCount = 2;
        var full = new io.multinet.api.v1alpha1.MultiNetworkNodeStateStatus.Network();
        full.name = "flannel2";
        full.subnetFile = "/run/flannel/flannel2.env";
        full.subnetFilePresent = true;
        full.network = "10.2.0.0/16";
        full.subnet = "10.2.1.1/24";
        full.mtu = 1450;
        full.ipMasq = true;
        full.bridge = "mn-flannel2";
        full.bridgePresent = true;
        full.attachments = 3;
        full.lastError = "e";
        full.lastErrorTime = "2026-12-03T01:00:00Z";
        var sparse = new io.multinet.api.v1alpha1.MultiNetworkNodeStateStatus.Network();
        sparse.name = "flannel3";
        st.networks = java.util.List.of(full, sparse);
        assertThat(NodeStateReporter.tree(st)).as("every field").isEqualTo(io.multinet.JsonBinding.MAPPER.valueToTree(st));
    }

    @Test
    void nothingChangedIsNeverWritten() throws Exception {
        assertThat(NodeStateReporter.worthWriting(state(true, true, 3), state(true, true, 3), true)).isFalse();
    }

    @Test
    void countsAloneWaitForTheInterval() throws Exception {
        assertThat(NodeStateReporter.worthWriting(state(true, true, 3), state(true, true, 4), false)).isFalse();
        assertThat(NodeStateReporter.worthWriting(state(true, true, 3), state(true, true, 4), true)).isTrue();
    }

    @Test
    void healthChangesGoAtOnceWithTheCountsBesideThem() throws Exception {
        assertThat(NodeStateReporter.worthWriting(state(true, true, 3), state(false, true, 3), false)).isTrue();
        assertThat(NodeStateReporter.worthWriting(state(true, true, 3), state(true, false, 0), false)).isTrue();
    }
}
