package io.multinet.testing;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** A real etcd for a @QuarkusTest, wired in as the operator's default etcd. */
public class EtcdTestResource implements QuarkusTestResourceLifecycleManager {

    private EtcdServer etcd;

    @Override
    public Map<String, String> start() {
        etcd = EtcdServer.started();
        return Map.of("multinet.operator.etcd.endpoints", etcd.endpoint());
    }

    @Override
    public void stop() {
        if (etcd != null) {
            etcd.close();
        }
    }
}
