package io.multinet.operator;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

import io.multinet.etcd.FlannelStore;
import io.multinet.etcd.JetcdFlannelStore;
import io.multinet.etcd.MeteredFlannelStore;

/** The etcd store the operator uses, closed with the application. */
public class FlannelStoreProducer {

    @Produces
    @ApplicationScoped
    FlannelStore store(OperatorSettings settings, io.micrometer.core.instrument.MeterRegistry registry) {
        return new MeteredFlannelStore(new JetcdFlannelStore(settings.etcdTimeout()), registry);
    }

    void close(@Disposes FlannelStore store) {
        store.close();
    }
}
