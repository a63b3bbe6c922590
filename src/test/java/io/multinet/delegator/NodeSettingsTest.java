package io.multinet.delegator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The node role reads its settings itself: the same names, forms and defaults as a config mapping, and bad values refused at start. */
class NodeSettingsTest {

    @Test
    void defaultsAndTheFormsAnAdminWrites() {
        NodeSettings d = NodeSettings.of(Map.of());
        assertThat(d.cniConfDir()).isEqualTo("/etc/cni/net.d");
        assertThat(d.pluginDirs()).containsExactly("/opt/cni/bin", "/usr/lib/cni");
        assertThat(d.podWait()).isEqualTo(Duration.ofSeconds(5));
        assertThat(d.httpPort()).isEqualTo(9250);
        assertThat(d.globalNamespaces()).isEmpty();
        assertThat(d.primaryConfig()).isEmpty();
        assertThat(d.idleReclaim()).isEqualTo(Duration.ofSeconds(30));
        assertThat(NodeSettings.of(Map.of("multinet.node.idle-reclaim", "0")).idleReclaim()).as("0 turns it off").isZero();

        NodeSettings s = NodeSettings.of(Map.of("multinet.node.refresh-interval", "200ms", "multinet.node.gc-interval", "PT2M",
                "multinet.node.pod-wait", "3", "multinet.node.global-namespaces", "shared, infra ,", "multinet.node.namespace-isolation", "TRUE"));
        assertThat(s.refreshInterval()).isEqualTo(Duration.ofMillis(200));
        assertThat(s.gcInterval()).isEqualTo(Duration.ofMinutes(2));
        assertThat(s.podWait()).as("a bare number is seconds").isEqualTo(Duration.ofSeconds(3));
        assertThat(s.globalNamespaces()).contains(List.of("shared", "infra"));
        assertThat(s.namespaceIsolation()).isTrue();
        assertThat(NodeSettings.env("multinet.node.attachments-report-interval")).isEqualTo("MULTINET_NODE_ATTACHMENTS_REPORT_INTERVAL");
    }

    @Test
    void aValueItCannotReadStopsTheStartAndNamesTheSettingAndItsVariable() {
        assertThatThrownBy(() -> NodeSettings.of(Map.of("multinet.node.pod-wait", "five seconds")))
                .hasMessage("multinet.node.pod-wait (env MULTINET_NODE_POD_WAIT): 'five seconds' is not a duration (e.g. 200ms, 5s, 2m, 1h or PT5S)");
        assertThatThrownBy(() -> NodeSettings.of(Map.of("multinet.node.idle-reclaim", "-5s")))
                .hasMessage("multinet.node.idle-reclaim (env MULTINET_NODE_IDLE_RECLAIM): '-5s' is not a duration (e.g. 200ms, 5s, 2m, 1h or PT5S)");
        assertThatThrownBy(() -> NodeSettings.of(Map.of("multinet.node.http-port", "92x0")))
                .hasMessage("multinet.node.http-port (env MULTINET_NODE_HTTP_PORT): '92x0' is not a whole number");
        assertThatThrownBy(() -> NodeSettings.of(Map.of("multinet.node.cni-workers", "0")))
                .hasMessage("multinet.node.cni-workers (env MULTINET_NODE_CNI_WORKERS): '0' must be at least 1");
        assertThat(NodeSettings.of(Map.of("multinet.node.cni-workers", " 4 ")).cniWorkers()).isEqualTo(4);
        assertThatThrownBy(() -> NodeSettings.of(Map.of("multinet.node.namespace-isolation", "yes")))
                .hasMessage("multinet.node.namespace-isolation (env MULTINET_NODE_NAMESPACE_ISOLATION): 'yes' is neither true nor false");
        assertThatThrownBy(() -> NodeLogging.level("LOUD")).hasMessageContaining("multinet.node.log-level").hasMessageContaining("'LOUD'");
    }
}
