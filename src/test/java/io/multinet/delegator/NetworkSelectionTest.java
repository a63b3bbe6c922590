package io.multinet.delegator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.multinet.cni.CniException;

/**
 * The k8s.v1.cni.cncf.io/networks parser held to the Network Plumbing WG multi-net spec v1.3,
 * section 4.1.2.1 ("Network Attachment Selection Annotation"), one row per rule with the clause it
 * follows, and to what the delegates downstream (Go's net parsers) can read.
 */
class NetworkSelectionTest {

    static List<String> summary(String annotation) {
        return NetworkSelection.parse(annotation, "pods").stream().map(s -> s.namespace() + "/" + s.name() + "@" + s.ifname()).toList();
    }

    static NetworkSelection one(String json) {
        return NetworkSelection.parse(json, "pods").get(0);
    }

    @Test
    void textForms() {
        assertThat(summary("a")).containsExactly("pods/a@net1");
        assertThat(summary("a, other/b, c@data, other/d@x1")).containsExactly("pods/a@net1", "other/b@net2", "pods/c@data", "other/d@x1");
        assertThat(summary("a,a")).as("the same network twice").containsExactly("pods/a@net1", "pods/a@net2");
        assertThat(summary("net.v1")).as("NAD names are DNS-1123 subdomains: dots allowed").containsExactly("pods/net.v1@net1");
        assertThat(summary("a".repeat(100))).as("subdomains may be longer than a 63-character label").hasSize(1);
        assertThat(summary("")).isEmpty();
        assertThat(summary(null)).isEmpty();
    }

    @Test
    void jsonForm() {
        List<NetworkSelection> s = NetworkSelection.parse("[{\"name\":\"a\",\"namespace\":\"n\",\"interface\":\"i0\",\"ips\":[\"10.1.1.5/24\",\"fd00::5\"],"
                + "\"mac\":\"02:00:00:00:00:01\",\"default-route\":[\"10.1.1.1\"],\"portMappings\":[{\"hostPort\":80,\"containerPort\":8080}],"
                + "\"bandwidth\":{\"ingressRate\":1000},\"cni-args\":{\"k\":\"v\"},\"infiniband-guid\":\"c2:11:22:33:44:55:66:77\"},{\"name\":\"b\"}]",
                "pods");
        NetworkSelection a = s.get(0);
        assertThat(a.namespace()).isEqualTo("n");
        assertThat(a.ifname()).isEqualTo("i0");
        assertThat(a.ips()).containsExactly("10.1.1.5/24", "fd00::5");
        assertThat(a.mac()).isEqualTo("02:00:00:00:00:01");
        assertThat(a.infinibandGuid()).isEqualTo("c2:11:22:33:44:55:66:77");
        assertThat(a.defaultRoute()).containsExactly("10.1.1.1");
        assertThat(a.portMappings().get(0).get("hostPort").asInt()).isEqualTo(80);
        assertThat(a.bandwidth().get("ingressRate").asInt()).isEqualTo(1000);
        assertThat(a.cniArgs().get("k").asText()).isEqualTo("v");
        assertThat(s.get(1).namespace() + "/" + s.get(1).ifname()).isEqualTo("pods/net2");
    }

    /** Accepted inputs and what they mean: clause | annotation | namespace/name@ifname. */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "4.1.2.1.1 namespace empty string is the pod's    | [{\"name\":\"a\",\"namespace\":\"\"}]              | pods/a@net1",
            "4.1.2.1.1 namespace null is the pod's            | [{\"name\":\"a\",\"namespace\":null}]              | pods/a@net1",
            "4.1.2.1 interface null is absent                 | [{\"name\":\"a\",\"interface\":null}]              | pods/a@net1",
            "4.1.2.1 mac, ips, default-route null are absent  | [{\"name\":\"a\",\"mac\":null,\"ips\":null,\"default-route\":null}] | pods/a@net1",
            "4.1.2.1 cni-args, bandwidth, portMappings null   | [{\"name\":\"a\",\"cni-args\":null,\"bandwidth\":null,\"portMappings\":null}] | pods/a@net1",
            "4.1.2.1 ips: IPv6 with prefix                    | [{\"name\":\"a\",\"ips\":[\"fd00:1::5/64\",\"::1\"]}] | pods/a@net1",
            "4.1.2.1 mac with dashes                          | [{\"name\":\"a\",\"mac\":\"02-00-00-00-00-01\"}]   | pods/a@net1",
            "4.1.2.1 unknown fields are ignored (deviceID)    | [{\"name\":\"a\",\"deviceID\":\"0000:00:1f.0\"}]   | pods/a@net1" })
    void acceptedForms(String clause, String annotation, String meaning) {
        assertThat(summary(annotation)).as(clause).containsExactly(meaning);
        NetworkSelection s = one(annotation);
        assertThat(s.mac() == null || !s.mac().equals("null")).isTrue();
        assertThat(s.ips()).doesNotContain("null");
    }

    /** Rejected inputs with the message each must give: clause | annotation | message. */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "4.1.2.1 interface names are unique              | a@eth0                                       | 'eth0' is used twice",
            "kernel: IFNAMSIZ                                | a@toolonginterface0                          | longer than 15",
            "4.1.2.1 text form: one '@'                      | a@b@c                                        | more than one '@'",
            "4.1.2.1 text form: one '/'                      | n/a/b                                        | more than one '/'",
            "4.1.2.1 text form: namespace before '@'         | a@bad/name                                   | has '/' after '@'",
            "4.1.2.1 NAD names are DNS-1123 subdomains       | A                                            | 'A' is not a valid NetworkAttachmentDefinition name",
            "4.1.2.1 NAD names: no '_'                       | a_b                                          | 'a_b' is not a valid NetworkAttachmentDefinition name",
            "4.1.2.1.1 namespaces are DNS labels             | Bad_NS/a                                     | namespace 'Bad_NS' of network a",
            "4.1.2.1 text form: no empty entry               | a,,b                                         | empty entry",
            "4.1.2.1 text form: no trailing comma            | 'a,'                                         | empty entry",
            "4.1.2.1 ips: IPv4                               | [{\"name\":\"a\",\"ips\":[\"300.1.1.1\"]}]   | '300.1.1.1' in \"ips\" is not a valid IP address",
            "4.1.2.1 ips: no leading-zero octets (Go)        | [{\"name\":\"a\",\"ips\":[\"10.01.1.1\"]}]   | '10.01.1.1' in \"ips\"",
            "4.1.2.1 ips: prefix in range                    | [{\"name\":\"a\",\"ips\":[\"10.1.1.1/40\"]}] | '10.1.1.1/40' in \"ips\"",
            "4.1.2.1 ips: prefix is digits (+24)             | [{\"name\":\"a\",\"ips\":[\"10.1.1.1/+24\"]}] | '10.1.1.1/+24' in \"ips\"",
            "4.1.2.1 ips: prefix is digits (-0)              | [{\"name\":\"a\",\"ips\":[\"10.1.1.1/-0\"]}] | '10.1.1.1/-0' in \"ips\"",
            "4.1.2.1 ips: IPv6 well formed                   | [{\"name\":\"a\",\"ips\":[\"fd00:::1\"]}]    | 'fd00:::1' in \"ips\"",
            "4.1.2.1 ips: IPv6 groups                        | [{\"name\":\"a\",\"ips\":[\"1:2:3:4:5:6:7:8:9\"]}] | '1:2:3:4:5:6:7:8:9' in \"ips\"",
            "4.1.2.1 ips: IPv6 no zone                       | [{\"name\":\"a\",\"ips\":[\"fe80::1%eth0\"]}] | 'fe80::1%eth0' in \"ips\"",
            "4.1.2.1 ips: IPv6 prefix                        | [{\"name\":\"a\",\"ips\":[\"fd00::1/129\"]}] | 'fd00::1/129' in \"ips\"",
            "4.1.2.1 ips: a list of strings                  | [{\"name\":\"a\",\"ips\":\"10.0.0.1\"}]      | \"ips\" must be a list",
            "4.1.2.1 ips: strings, not numbers               | [{\"name\":\"a\",\"ips\":[5]}]               | \"ips\" must be a list of strings",
            "4.1.2.1 mac                                     | [{\"name\":\"a\",\"mac\":\"zz\"}]            | mac 'zz' is not a MAC address",
            "4.1.2.1 mac: one separator                      | [{\"name\":\"a\",\"mac\":\"02:00-00:00:00:01\"}] | is not a MAC address",
            "4.1.2.1 default-route: IPv4                     | [{\"name\":\"a\",\"default-route\":[\"x\"]}] | 'x' in \"default-route\" is not a valid IP address",
            "4.1.2.1 default-route: IPv6                     | [{\"name\":\"a\",\"default-route\":[\"fd00::1::2\"]}] | 'fd00::1::2' in \"default-route\"",
            "4.1.2.1 default-route: an address, no prefix    | [{\"name\":\"a\",\"default-route\":[\"10.0.0.1/24\"]}] | '10.0.0.1/24' in \"default-route\"",
            "4.1.2.1 name is required                        | [{\"interface\":\"x\"}]                      | needs a \"name\"",
            "4.1.2.1 name is a string                        | [{\"name\":5}]                               | needs a \"name\"",
            "4.1.2.1 interface is a string, not a number     | [{\"name\":\"a\",\"interface\":5}]           | \"interface\" must be a string",
            "4.1.2.1 interface: no '@'                       | [{\"name\":\"a\",\"interface\":\"x@y\"}]     | 'x@y' is not a valid interface name",
            "4.1.2.1 namespace is a string                   | [{\"name\":\"a\",\"namespace\":7}]           | \"namespace\" must be a string",
            "4.1.2.1.6 cni-args is an object                 | [{\"name\":\"a\",\"cni-args\":\"x\"}]        | \"cni-args\" must be an object",
            "4.1.2.1 portMappings: a list of objects         | [{\"name\":\"a\",\"portMappings\":{\"a\":1}}] | \"portMappings\" must be a list of objects",
            "4.1.2.1 portMappings: objects inside            | [{\"name\":\"a\",\"portMappings\":[1]}]      | \"portMappings\" must be a list of objects",
            "4.1.2.1 bandwidth is an object                  | [{\"name\":\"a\",\"bandwidth\":[1]}]         | \"bandwidth\" must be an object",
            "4.1.2.1 infiniband-guid: eight octets           | [{\"name\":\"a\",\"infiniband-guid\":\"c2:11:22\"}] | 'c2:11:22' is not an InfiniBand GUID",
            "4.1.2.1 JSON form is a list                     | {\"name\":\"a\"}                             | ",
            "4.1.2.1 JSON must parse                         | [{\"name\":                                  | not valid JSON" })
    void rejectedNamingTheProblem(String clause, String annotation, String message) {
        assertThatThrownBy(() -> NetworkSelection.parse(annotation, "pods")).as(clause).isInstanceOf(CniException.class)
                .hasMessageContaining(message == null ? "" : message)
                .satisfies(e -> assertThat(((CniException) e).code()).isEqualTo(CniException.INVALID_SELECTION));
    }

    @Test
    void aHugeValueIsNotEchoedWhole() {
        String huge = "x".repeat(50_000);
        assertThatThrownBy(() -> NetworkSelection.parse("[{\"name\":\"a\",\"mac\":\"" + huge + "\"}]", "pods"))
                .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(400));
    }
}
