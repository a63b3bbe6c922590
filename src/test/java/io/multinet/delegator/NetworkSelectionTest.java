package io.multinet.delegator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.multinet.cni.CniException;

class NetworkSelectionTest {

    static List<String> summary(String annotation) {
        return NetworkSelection.parse(annotation, "pods").stream().map(s -> s.namespace() + "/" + s.name() + "@" + s.ifname()).toList();
    }

    @Test
    void textForms() {
        assertThat(summary("a")).containsExactly("pods/a@net1");
        assertThat(summary("a, other/b, c@data, other/d@x1")).containsExactly("pods/a@net1", "other/b@net2", "pods/c@data", "other/d@x1");
        assertThat(summary("a,a")).as("the same network twice").containsExactly("pods/a@net1", "pods/a@net2");
        assertThat(summary("")).isEmpty();
        assertThat(summary(null)).isEmpty();
    }

    @Test
    void jsonForm() {
        List<NetworkSelection> s = NetworkSelection.parse("[{\"name\":\"a\",\"namespace\":\"n\",\"interface\":\"i0\",\"ips\":[\"10.1.1.5/24\",\"fd00::5\"],"
                + "\"mac\":\"02:00:00:00:00:01\",\"default-route\":[\"10.1.1.1\"],\"portMappings\":[{\"hostPort\":80,\"containerPort\":8080}],"
                + "\"bandwidth\":{\"ingressRate\":1000},\"cni-args\":{\"k\":\"v\"}},{\"name\":\"b\"}]", "pods");
        NetworkSelection a = s.get(0);
        assertThat(a.namespace()).isEqualTo("n");
        assertThat(a.ifname()).isEqualTo("i0");
        assertThat(a.ips()).containsExactly("10.1.1.5/24", "fd00::5");
        assertThat(a.mac()).isEqualTo("02:00:00:00:00:01");
        assertThat(a.defaultRoute()).containsExactly("10.1.1.1");
        assertThat(a.portMappings().get(0).get("hostPort").asInt()).isEqualTo(80);
        assertThat(a.bandwidth().get("ingressRate").asInt()).isEqualTo(1000);
        assertThat(a.cniArgs().get("k").asText()).isEqualTo("v");
        assertThat(s.get(1).namespace() + "/" + s.get(1).ifname()).isEqualTo("pods/net2");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "a@eth0                                            | 'eth0' is used twice",
            "a@toolonginterface0                               | longer than 15",
            "a@bad/name                                        | not a valid interface name",
            "A                                                 | 'A' is not a valid NetworkAttachmentDefinition name",
            "Bad_NS/a                                          | namespace 'Bad_NS' of network a",
            "a,,b                                              | empty entry",
            "[{\"name\":\"a\",\"ips\":[\"300.1.1.1\"]}]        | '300.1.1.1' is not a valid IP address",
            "[{\"name\":\"a\",\"ips\":[\"10.1.1.1/40\"]}]      | '10.1.1.1/40' is not a valid IP address",
            "[{\"name\":\"a\",\"mac\":\"zz\"}]                 | mac 'zz' is not a MAC address",
            "[{\"name\":\"a\",\"default-route\":[\"x\"]}]      | 'x' is not a valid IP address",
            "[{\"interface\":\"x\"}]                           | needs a \"name\"",
            "[{\"name\":\"a\",\"ips\":\"10.0.0.1\"}]           | \"ips\" must be a list",
            "[{\"name\":                                       | not valid JSON" })
    void badSelectionsAreRejectedNamingTheProblem(String annotation, String message) {
        assertThatThrownBy(() -> NetworkSelection.parse(annotation, "pods")).isInstanceOf(CniException.class)
                .hasMessageContaining(message).satisfies(e -> assertThat(((CniException) e).code()).isEqualTo(CniException.INVALID_SELECTION));
    }
}
