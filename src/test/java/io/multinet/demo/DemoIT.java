package io.multinet.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.multinet.api.v1alpha1.Cidr;

/** The demo's flow, as `make demo` runs it, with the built application; its own checks of "nothing left" must pass too. */
class DemoIT {

    static boolean inside(String cidr, String addressWithLen) {
        return Cidr.parse(cidr).contains(Cidr.parseAddress(addressWithLen.substring(0, addressWithLen.indexOf('/'))));
    }

    @Test
    void theTwoNetworkScenarioRunsAndLeavesNothing() throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        try (Demo demo = new Demo(out, Path.of("").toAbsolutePath())) {
            demo.run();
            var busybox = demo.podAddresses.get("busybox");
            var busybox1 = demo.podAddresses.get("busybox1");
            assertThat(inside("172.96.12.0/24", busybox.get("eth0"))).as(busybox.toString()).isTrue();
            assertThat(inside("172.112.88.0/24", busybox.get("net1"))).as(busybox.toString()).isTrue();
            assertThat(inside("172.96.0.0/16", busybox1.get("eth0"))).isTrue();
            assertThat(inside("172.96.0.0/16", busybox1.get("net1"))).isTrue();
            assertThat(busybox1.get("eth0")).isNotEqualTo(busybox1.get("net1"));
        }
        String printed = buffer.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("--etcd-prefix=/k8s/network2", "--iface=eth1", "--ip-masq", "/k8s/network2/config",
                "kubectl exec busybox -- ip a", "\"default\" : true", "Nothing is left.");
        assertThat(printed).containsPattern("flannel2 +172\\.112\\.0\\.0/16 +host-gw +etcd +1/1 +True");
    }
}
