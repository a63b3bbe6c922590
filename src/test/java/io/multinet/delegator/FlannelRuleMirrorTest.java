package io.multinet.delegator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.multinet.flannel.SubnetEnv;
import io.multinet.testing.Netns;
import io.multinet.testing.NetnsFixture;

class FlannelRuleMirrorTest {

    static final String C = "-m comment --comment \"" + FlannelRuleMirror.COMMENT + "\"";

    static FlannelRuleMirror.Lease lease(String name, String network, String subnet, boolean ipMasq) {
        return new FlannelRuleMirror.Lease(name, new SubnetEnv(network, subnet, 1450, ipMasq));
    }

    @Test
    void flanneldsRulesWithEveryReturnBeforeAnyMasquerade() {
        var rules = FlannelRuleMirror.rules(List.of(lease("red", "10.9.0.0/16", "10.9.3.1/24", true),
                lease("blue", "10.8.0.0/16", "10.8.7.1/24", true)));
        assertThat(rules.nat()).containsExactly(
                "-m mark --mark 0x4000/0x4000 " + C + " -j RETURN",
                "-s 10.8.7.0/24 -d 10.8.0.0/16 " + C + " -j RETURN",
                "-s 10.8.0.0/16 -d 10.8.7.0/24 " + C + " -j RETURN",
                "! -s 10.8.0.0/16 -d 10.8.7.0/24 " + C + " -j RETURN",
                "-s 10.9.3.0/24 -d 10.9.0.0/16 " + C + " -j RETURN",
                "-s 10.9.0.0/16 -d 10.9.3.0/24 " + C + " -j RETURN",
                "! -s 10.9.0.0/16 -d 10.9.3.0/24 " + C + " -j RETURN",
                "-s 10.8.0.0/16 ! -d 224.0.0.0/4 " + C + " -j MASQUERADE --random-fully",
                "! -s 10.8.0.0/16 -d 10.8.0.0/16 " + C + " -j MASQUERADE --random-fully",
                "-s 10.9.0.0/16 ! -d 224.0.0.0/4 " + C + " -j MASQUERADE --random-fully",
                "! -s 10.9.0.0/16 -d 10.9.0.0/16 " + C + " -j MASQUERADE --random-fully");
        assertThat(rules.filter()).containsExactly("-s 10.8.0.0/16 " + C + " -j ACCEPT", "-d 10.8.0.0/16 " + C + " -j ACCEPT",
                "-s 10.9.0.0/16 " + C + " -j ACCEPT", "-d 10.9.0.0/16 " + C + " -j ACCEPT");
    }

    @Test
    void aNetworkWithoutIpMasqKeepsOnlyItsForwardRules() {
        var rules = FlannelRuleMirror.rules(List.of(lease("plain", "10.9.0.0/16", "10.9.3.1/24", false)));
        assertThat(rules.nat()).isEmpty();
        assertThat(rules.filter()).hasSize(2);
        assertThat(rules.isEmpty()).isFalse();
        assertThat(FlannelRuleMirror.rules(List.of()).isEmpty()).isTrue();
    }

    @Test
    void restoreInputDeclaresBothChainsSoEachIsReplacedWhole() {
        String in = FlannelRuleMirror.rules(List.of(lease("red", "10.9.0.0/16", "10.9.3.1/24", true))).restoreInput();
        assertThat(in).startsWith("*nat\n:MULTINET-POSTRTG - [0:0]\n-A MULTINET-POSTRTG -m mark")
                .contains("COMMIT\n*filter\n:MULTINET-FWD - [0:0]\n-A MULTINET-FWD -s 10.9.0.0/16").endsWith("COMMIT\n");
    }

    // ---- on real iptables, in namespaces this test makes ----------------------------------------

    NetnsFixture netns = new NetnsFixture();

    @AfterEach
    void close() {
        netns.close();
    }

    /**
     * A node namespace routing a pod namespace (10.9.3.5 in 10.9.0.0/16) to an outside namespace that
     * has no route back to the pod network: a connection out works only when the node masquerades it,
     * and the server answers with the address it saw.
     */
    @Test
    void theKeptRulesMasqueradeWhenFlannelsChainIsEmptyAndLeaveNothingWhenNoNetworkIsLeft() throws Exception {
        Netns node = netns.create("node").keep("to-pod", "to-out");
        Netns pod = netns.create("pod").keep("eth0");
        Netns out = netns.create("out").keep("eth0");
        node.ip("link", "add", "to-pod", "type", "veth", "peer", "name", "eth0", "netns", pod.name());
        node.ip("link", "add", "to-out", "type", "veth", "peer", "name", "eth0", "netns", out.name());
        node.ip("addr", "add", "10.9.3.1/24", "dev", "to-pod");
        node.ip("addr", "add", "192.168.77.1/24", "dev", "to-out");
        pod.ip("addr", "add", "10.9.3.5/24", "dev", "eth0");
        out.ip("addr", "add", "192.168.77.2/24", "dev", "eth0");
        for (Netns ns : List.of(node, pod, out)) {
            ns.ip("link", "set", ns == node ? "to-pod" : "eth0", "up");
        }
        node.ip("link", "set", "to-out", "up");
        pod.ip("route", "add", "default", "via", "10.9.3.1");
        node.exec("sysctl", "-qw", "net.ipv4.ip_forward=1");
        // flannel's chain as a flanneld start leaves it: there, and empty
        node.exec("iptables", "-t", "nat", "-N", "FLANNEL-POSTRTG");
        node.exec("iptables", "-t", "nat", "-A", "POSTROUTING", "-j", "FLANNEL-POSTRTG");

        Process server = new ProcessBuilder("ip", "netns", "exec", out.name(), "python3", "-c", """
                import socket
                s = socket.socket(); s.bind(("192.168.77.2", 7777)); s.listen(16)
                while True:
                    c, a = s.accept(); c.sendall(a[0].encode()); c.close()
                """).redirectErrorStream(true).start();
        try {
            String client = """
                    import socket, time
                    for i in range(50):
                        try:
                            print(socket.create_connection(("192.168.77.2", 7777), 1).recv(64).decode()); break
                        except ConnectionRefusedError: time.sleep(0.1)
                    """;
            assertThatThrownBy(() -> pod.exec("python3", "-c", client)).as("un-masqueraded, the answer has no way back")
                    .hasMessageContaining("timed out");

            FlannelRuleMirror mirror = new FlannelRuleMirror(new HostNetwork(Optional.of(node.name())));
            List<FlannelRuleMirror.Lease> leases = List.of(lease("red", "10.9.0.0/16", "10.9.3.1/24", true));
            mirror.keep(leases);
            assertThat(pod.exec("python3", "-c", client).strip()).as("masqueraded to the node's address").isEqualTo("192.168.77.1");

            // somebody empties our chain too: the next refresh writes it again, and the jumps stay single
            node.exec("iptables", "-t", "nat", "-F", FlannelRuleMirror.NAT_CHAIN);
            mirror.keep(leases);
            mirror.keep(leases);
            assertThat(pod.exec("python3", "-c", client).strip()).isEqualTo("192.168.77.1");
            String saved = node.exec("iptables-save");
            assertThat(saved.lines().filter(l -> l.contains("-j " + FlannelRuleMirror.NAT_CHAIN))).hasSize(1);
            assertThat(saved.lines().filter(l -> l.contains("-j " + FlannelRuleMirror.FILTER_CHAIN))).hasSize(1);

            // the last network gone: no chain, no jump, and no masquerade any more
            mirror.keep(List.of());
            assertThat(node.exec("iptables-save")).doesNotContain("MULTINET");
            assertThatThrownBy(() -> pod.exec("python3", "-c", client)).hasMessageContaining("timed out");
        } finally {
            server.destroyForcibly().waitFor();
        }
    }
}
