package io.multinet.delegator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** What each plugin of an attachment receives: runtimeConfig by capability, cni-args merged (issue 17, defect 8). */
class DelegateRunnerTest {

    static ObjectNode json(String text) throws Exception {
        return (ObjectNode) io.multinet.JsonBinding.MAPPER.readTree(text);
    }

    @Test
    void cniArgsMergeIntoArgsCniAndKeepTheNadsOtherArgs() throws Exception {
        ObjectNode conf = json("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"type\":\"bridge\","
                + "\"args\":{\"cni\":{\"a\":\"nad\",\"b\":\"nad\"},\"other\":{\"x\":1}},"
                + "\"" + NadConfigs.CNI_ARGS + "\":{\"b\":\"pod\",\"c\":\"pod\"}}");
        ObjectNode p = DelegateRunner.plugins(conf).get(0);
        assertThat(p.get("args")).isEqualTo(json("{\"cni\":{\"a\":\"nad\",\"b\":\"pod\",\"c\":\"pod\"},\"other\":{\"x\":1}}"));
        assertThat(p.has(NadConfigs.CNI_ARGS)).isFalse();
        assertThat(conf.get("args").get("cni").get("b").asText()).as("the NAD's parsed config is shared: never changed").isEqualTo("nad");
    }

    @Test
    void runtimeConfigGoesOnlyToPluginsThatDeclareTheCapability() throws Exception {
        ObjectNode conf = json("{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"plugins\":["
                + "{\"type\":\"ib-sriov\",\"capabilities\":{\"infinibandGUID\":true}},{\"type\":\"tuning\",\"capabilities\":{\"mac\":true}}],"
                + "\"" + NadConfigs.RUNTIME_CONFIG + "\":{\"infinibandGUID\":\"c2:11:22:33:44:55:66:77\",\"mac\":\"02:00:00:00:00:01\"}}");
        List<ObjectNode> plugins = DelegateRunner.plugins(conf);
        assertThat(plugins.get(0).get("runtimeConfig")).isEqualTo(json("{\"infinibandGUID\":\"c2:11:22:33:44:55:66:77\"}"));
        assertThat(plugins.get(1).get("runtimeConfig")).isEqualTo(json("{\"mac\":\"02:00:00:00:00:01\"}"));
        assertThat(plugins).allSatisfy(p -> assertThat(p.get("name").asText()).isEqualTo("n"));
    }
}
