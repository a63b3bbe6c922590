package io.multinet.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class NetnsFixtureTest {

    @Test
    void createsNamespacesRunsCommandsAndRemovesThem() {
        String nodeName;
        try (NetnsFixture f = new NetnsFixture()) {
            Netns node = f.create("node");
            nodeName = node.name();
            assertThat(node.links()).containsExactly("lo");
            assertThat(node.ip("-o", "link", "show", "lo")).contains("UP");
            node.ip("link", "add", "eth1", "type", "bridge");
            node.keep("eth1");
            assertThat(node.exec("cat", "/proc/net/dev")).contains("eth1");
            assertThat(f.leaks()).isEmpty();
        }
        assertThat(NetnsFixture.run(java.util.List.of("ip", "netns", "list"))).doesNotContain(nodeName);
    }

    @Test
    void catchesALeakedVeth() {
        NetnsFixture f = new NetnsFixture();
        Netns node = f.create("node");
        Netns pod = f.create("pod");
        node.ip("link", "add", "veth-leak", "type", "veth", "peer", "name", "eth0", "netns", pod.name());
        assertThat(f.leaks()).containsExactlyInAnyOrder("link veth-leak left in namespace " + node.name(),
                "link eth0 left in namespace " + pod.name());
        assertThatThrownBy(f::close).isInstanceOf(AssertionError.class).hasMessageContaining("veth-leak");
        assertThat(NetnsFixture.run(java.util.List.of("ip", "netns", "list"))).doesNotContain(node.name());
    }

    @Test
    void catchesALeakedFileAndAcceptsAnEmptyDirectory() throws Exception {
        Path dir = Files.createTempDirectory("mn-fixture");
        NetnsFixture f = new NetnsFixture();
        f.track(dir);
        Path lease = Files.writeString(dir.resolve("10.1.0.2"), "c1");
        assertThat(f.leaks()).containsExactly("file " + lease + " left behind");
        Files.delete(lease);
        f.close();
        Files.delete(dir);
    }

    @Test
    void catchesALinkLeftInTheSuitesOwnNamespace() {
        org.junit.jupiter.api.Assumptions.assumeTrue(NetnsFixture.insideTestNamespace(),
                "only inside the namespace make test creates may a test add a link to the current namespace");
        NetnsFixture f = new NetnsFixture();
        NetnsFixture.run(java.util.List.of("ip", "link", "add", "mnleak0", "type", "bridge"));
        try {
            assertThat(f.leaks()).containsExactly("link mnleak0 left in the test's own namespace");
        } finally {
            NetnsFixture.run(java.util.List.of("ip", "link", "del", "mnleak0"));
        }
        f.close();
    }
}
