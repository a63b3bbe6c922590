package io.multinet.delegator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Without a default MultiNetwork, eth0 is the node's existing primary CNI config: which one, and why. */
class PrimaryConfigTest {

    static NodeCniFiles daemon(Path confDir, String primary) {
        Map<String, String> props = new HashMap<>();
        props.put("multinet.node.cni-conf-dir", confDir.toString());
        if (primary != null) {
            props.put("multinet.node.primary-config", primary);
        }
        return new NodeCniFiles(NodeSettings.of(props));
    }

    @Test
    void theFirstConfigByNameExceptOursIsChosenAndTheReasonIsGiven() throws Exception {
        Path dir = Files.createTempDirectory("netd");
        Files.writeString(dir.resolve("00-multinet.conflist"), "{\"name\":\"multinet\"}");
        Files.writeString(dir.resolve("10-flannel.conflist"), "{\"cniVersion\":\"1.0.0\",\"name\":\"cbr0\",\"plugins\":[{\"type\":\"flannel\"}]}");
        Files.writeString(dir.resolve("99-loopback.conf"), "{\"cniVersion\":\"1.0.0\",\"name\":\"lo\",\"type\":\"loopback\"}");
        Files.writeString(dir.resolve("README"), "not a config");
        NodeCniFiles d = daemon(dir, null);
        var chosen = d.primaryConfig().orElseThrow();
        assertThat(chosen.name()).isEqualTo("cbr0");
        assertThat(chosen.conf().get("plugins").get(0).get("type").asText()).isEqualTo("flannel");
        assertThat(chosen.source()).contains("10-flannel.conflist").contains("first CNI config in " + dir + " by name");

        var named = daemon(dir, dir.resolve("99-loopback.conf").toString()).primaryConfig().orElseThrow();
        assertThat(named.name()).isEqualTo("lo");
        assertThat(named.source()).contains("named in multinet.node.primary-config");

        Files.delete(dir.resolve("10-flannel.conflist"));
        Files.delete(dir.resolve("99-loopback.conf"));
        assertThat(daemon(dir, null).primaryConfig()).as("only our own config: no primary").isEmpty();
        try (var s = Files.list(dir)) {
            s.forEach(f -> f.toFile().delete());
        }
        Files.delete(dir);
    }
}
