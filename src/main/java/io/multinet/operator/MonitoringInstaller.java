package io.multinet.operator;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.multinet.MultinetConfig;
import io.multinet.Role;
import io.quarkus.runtime.StartupEvent;

/**
 * Creates the ServiceMonitor, PodMonitor and PrometheusRule at operator start where the Prometheus
 * Operator's CRDs exist; elsewhere it says so in the log and carries on: monitoring is optional.
 */
@ApplicationScoped
public class MonitoringInstaller {

    private static final Logger LOG = Logger.getLogger(MonitoringInstaller.class);

    @Inject
    MultinetConfig config;
    @Inject
    KubernetesClient client;
    @Inject
    OperatorSettings settings;

    void onStart(@Observes StartupEvent event) {
        if (config.role() == Role.OPERATOR) {
            install();
        }
    }

    /** @return whether the monitors were created */
    public boolean install() {
        try {
            for (String crd : Monitoring.CRDS) {
                if (client.apiextensions().v1().customResourceDefinitions().withName(crd).get() == null) {
                    LOG.infof("Prometheus Operator CRD %s not found: no ServiceMonitor, PodMonitor or PrometheusRule created", crd);
                    return false;
                }
            }
            for (var r : Monitoring.all(settings.namespace())) {
                client.genericKubernetesResources(Monitoring.context(r.getKind())).inNamespace(settings.namespace()).resource(r)
                        .createOr(x -> x.update());
            }
            LOG.infof("created the multinet ServiceMonitor, PodMonitor and PrometheusRule in %s", settings.namespace());
            return true;
        } catch (KubernetesClientException e) {
            LOG.warnf("monitoring objects not created (%s); metrics are still served on /q/metrics", e.getMessage());
            return false;
        }
    }
}
