package io.multinet.etcd;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.multinet.testing.EtcdServer;

/** The etcd operations on a real etcd (Debian's etcd-server, started by the test). */
class JetcdFlannelStoreTest {

    /**
     * The range version moves with every write and removal under the prefix, and with nothing else:
     * the operator lists a network's leases again only when it moved.
     */
    @Test
    void aRangesVersionMovesWithEveryChangeUnderItAndOnlyThen() {
        try (EtcdServer etcd = EtcdServer.started(); JetcdFlannelStore store = new JetcdFlannelStore(Duration.ofSeconds(10))) {
            EtcdTarget target = EtcdTarget.plain(List.of(etcd.endpoint()));
            String range = "/net/a/subnets/";
            assertThat(store.version(target, range)).isEqualTo(new FlannelStore.RangeVersion(0, 0));

            store.put(target, range + "10.1.1.0-24", "{\"PublicIP\":\"192.168.0.1\"}");
            store.put(target, range + "10.1.2.0-24", "{\"PublicIP\":\"192.168.0.2\"}");
            FlannelStore.RangeVersion two = store.version(target, range);
            assertThat(two.count()).isEqualTo(2);

            store.put(target, "/net/ab/subnets/10.9.0.0-24", "{}"); // a neighbouring prefix
            store.put(target, "/net/a/config", "{}"); // the network's own config, outside the subnets range
            assertThat(store.version(target, range)).as("writes outside the range").isEqualTo(two);

            store.put(target, range + "10.1.1.0-24", "{\"PublicIP\":\"192.168.0.9\"}");
            FlannelStore.RangeVersion renewed = store.version(target, range);
            assertThat(renewed.count()).isEqualTo(2);
            assertThat(renewed.newestModRevision()).as("a lease rewritten").isGreaterThan(two.newestModRevision());

            // a removal followed by a new lease: the same count, a newer revision
            try (var client = io.etcd.jetcd.Client.builder().endpoints(etcd.endpoint()).build()) {
                client.getKVClient().delete(io.etcd.jetcd.ByteSequence.from(range + "10.1.2.0-24", java.nio.charset.StandardCharsets.UTF_8))
                        .get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            FlannelStore.RangeVersion removed = store.version(target, range);
            assertThat(removed.count()).as("a lease gone").isEqualTo(1);
            store.put(target, range + "10.1.3.0-24", "{\"PublicIP\":\"192.168.0.3\"}");
            FlannelStore.RangeVersion replaced = store.version(target, range);
            assertThat(replaced.count()).isEqualTo(2);
            assertThat(replaced).isNotEqualTo(renewed).isNotEqualTo(two);
            assertThat(store.version(target, range)).as("and still when nothing happened").isEqualTo(replaced);
        }
    }
}
