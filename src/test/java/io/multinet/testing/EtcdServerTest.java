package io.multinet.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;

class EtcdServerTest {

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    @Test
    void servesKeysAndKeepsThemAcrossARestart() throws Exception {
        try (EtcdServer etcd = EtcdServer.started();
                Client client = Client.builder().endpoints(etcd.endpoint()).build()) {
            assertThat(etcd.endpoint()).startsWith("http://127.0.0.1:");
            client.getKVClient().put(bytes("/t/config"), bytes("{\"Network\":\"10.1.0.0/16\"}")).get(10, TimeUnit.SECONDS);

            etcd.stop();
            assertThat(etcd.running()).isFalse();
            assertThatThrownBy(() -> client.getKVClient().get(bytes("/t/config")).get(2, TimeUnit.SECONDS))
                    .as("a stopped etcd does not answer").isNotNull();

            etcd.start();
            var kvs = client.getKVClient().get(bytes("/t/config")).get(20, TimeUnit.SECONDS).getKvs();
            assertThat(kvs).hasSize(1);
            assertThat(kvs.get(0).getValue().toString(StandardCharsets.UTF_8)).isEqualTo("{\"Network\":\"10.1.0.0/16\"}");
        }
    }

    @Test
    void twoServersGetDistinctPortsAndData() {
        try (EtcdServer a = EtcdServer.started(); EtcdServer b = EtcdServer.started()) {
            assertThat(a.endpoint()).isNotEqualTo(b.endpoint());
        }
    }
}
