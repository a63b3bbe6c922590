package io.multinet.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.multinet.testing.OperatorHarness;

/** The delegator DaemonSet as a cluster admin needs it on a deployed cluster (issue 17, defects 9 and 10). */
class DelegatorDaemonSetTest {

    static Map<String, String> env(DaemonSet ds) {
        return ds.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream().filter(e -> e.getValue() != null)
                .collect(java.util.stream.Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    }

    @Test
    void nodeSettingsGivenToTheOperatorReachEveryNode() {
        Map<String, String> operatorEnv = Map.of("MULTINET_NODE_NAMESPACE_ISOLATION", "true", "MULTINET_NODE_GLOBAL_NAMESPACES", "shared",
                "MULTINET_NODE_NODE_NAME", "not-passed", "MULTINET_OPERATOR_IMAGE", "x", "PATH", "/bin");
        var settings = DelegatorDaemonSet.nodeSettings(operatorEnv);
        assertThat(settings).containsOnlyKeys("MULTINET_NODE_NAMESPACE_ISOLATION", "MULTINET_NODE_GLOBAL_NAMESPACES");
        DaemonSet ds = DelegatorDaemonSet.desired(OperatorHarness.settings(Map.of()), settings);
        assertThat(env(ds)).containsEntry("MULTINET_NODE_NAMESPACE_ISOLATION", "true").containsEntry("MULTINET_NODE_GLOBAL_NAMESPACES", "shared")
                .doesNotContainKey("PATH");
        assertThat(DelegatorDaemonSet.desired(OperatorHarness.settings(Map.of()), DelegatorDaemonSet.nodeSettings(operatorEnv)))
                .as("the same settings, the same template: no roll").isEqualTo(ds);
    }

    @Test
    void seesHostPidsAndTheDistributionsPluginDirectory() {
        var pod = DelegatorDaemonSet.desired(OperatorHarness.settings(Map.of())).getSpec().getTemplate().getSpec();
        assertThat(pod.getHostPID()).isTrue();
        var mount = pod.getContainers().get(0).getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/usr/lib/cni")).findFirst();
        assertThat(mount).hasValueSatisfying(m -> assertThat(m.getReadOnly()).isTrue());
    }
}
