package io.multinet.operator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.api.v1alpha1.NetworkPlanner;
import io.multinet.api.v1alpha1.Networks;
import io.multinet.api.v1alpha1.PlannerSettings;
import io.multinet.flannel.FlanneldDaemonSet;
import io.multinet.testing.OperatorHarness;

/**
 * Drift is what someone changed, never what the API server filled in. A fieldRef without apiVersion
 * came back from a real API server as apiVersion v1, so every reconcile "restored" both DaemonSets:
 * the scale bench counted three writes per change where one is due.
 */
class OwnedObjectsTest {

    static List<DaemonSet> desired() {
        var settings = OperatorHarness.settings(Map.of());
        MultiNetwork kube = Networks.flannel1();
        MultiNetwork etcd = Networks.flannel2();
        var plans = NetworkPlanner.planAll(List.of(kube, etcd), PlannerSettings.defaults());
        return List.of(DelegatorDaemonSet.desired(settings),
                FlanneldDaemonSet.desired(kube, plans.get("flannel1").allocation(), SettingsMapping.flanneld(settings)),
                FlanneldDaemonSet.desired(etcd, plans.get("flannel2").allocation(), SettingsMapping.flanneld(settings)));
    }

    @Test
    void everyDownwardApiVariableIsWrittenAsTheApiServerStoresIt() {
        for (DaemonSet ds : desired()) {
            for (EnvVar e : ds.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()) {
                if (e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null) {
                    assertThat(e.getValueFrom().getFieldRef().getApiVersion()).as(ds.getMetadata().getName() + " " + e.getName()).isEqualTo("v1");
                }
            }
        }
    }

    @Test
    void whatTheApiServerFillsInIsNoDriftButAnEditedArgumentIs() {
        for (DaemonSet want : desired()) {
            OwnedObjects.stampHash(want);
            // what comes back: the same spec, with the API server's defaults added
            DaemonSet stored = Serialization.clone(want);
            var c = stored.getSpec().getTemplate().getSpec().getContainers().get(0);
            c.setTerminationMessagePath("/dev/termination-log");
            c.setTerminationMessagePolicy("File");
            stored.getSpec().getTemplate().getSpec().setRestartPolicy("Always");
            stored.getSpec().getTemplate().getSpec().setSchedulerName("default-scheduler");
            stored.getSpec().setRevisionHistoryLimit(10);
            c.getEnv().stream().filter(e -> e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null
                    && e.getValueFrom().getFieldRef().getApiVersion() == null).forEach(e -> e.getValueFrom().getFieldRef().setApiVersion("v1"));
            assertThat(OwnedObjects.drifted(stored, want)).as(want.getMetadata().getName()).isFalse();

            DaemonSet edited = Serialization.clone(stored);
            edited.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs().add("--v=10");
            assertThat(OwnedObjects.drifted(edited, want)).as(want.getMetadata().getName() + " edited").isTrue();
        }
    }
}
