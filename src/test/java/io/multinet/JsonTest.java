package io.multinet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@link Json} reads and writes the trees an ObjectMapper with its defaults reads and writes: the
 * node daemon's documents (CNI configs and results, cache files, API objects) must not change with
 * the move off data binding (issue 20).
 */
class JsonTest {

    static final List<String> DOCUMENTS = List.of(
            "{\"cniVersion\":\"1.0.0\",\"name\":\"flannel2\",\"plugins\":[{\"type\":\"bridge\",\"mtu\":1450,\"isGateway\":true,"
                    + "\"ipam\":{\"type\":\"host-local\",\"ranges\":[[{\"subnet\":\"10.2.1.0/24\"}]],\"routes\":[{\"dst\":\"0.0.0.0/0\"}]}}]}",
            "{\"ints\":[0,-1,2147483647,2147483648,-9223372036854775808,92233720368547758070],\"floats\":[0.5,-1.25e-3,1E10,3.0],"
                    + "\"nothing\":null,\"no\":false,\"empty\":{},\"none\":[],\"text\":\"tab\\tquote\\\" slash\\\\ \\u00e9\\u20ac \\ud83d\\ude00\"}",
            "[1,[2,[3,[4]]],{\"a\":{\"b\":{\"c\":[]}}}]",
            "\"a scalar\"", "42", "true", "null",
            "  {\"dup\":1,\"dup\":2}  ",
            "{\"first\":1} {\"second\":2}");

    @Test
    void readsTheTreesObjectMapperReads() throws Exception {
        for (String d : DOCUMENTS) {
            JsonNode bound = JsonBinding.MAPPER.readTree(d);
            JsonNode ours = Json.parse(d);
            assertThat(ours).as(d).isEqualTo(bound);
            assertThat(Json.parse(d.getBytes(StandardCharsets.UTF_8))).as(d + " as bytes").isEqualTo(bound);
            // the same node classes, so numbers compare (and print) the same everywhere
            assertThat(Json.write(ours)).as(d).isEqualTo(bound.toString());
        }
        assertThat(Json.parse("{\"big\":92233720368547758070}").get("big").isBigInteger()).isTrue();
        assertThat(Json.parse("{\"l\":2147483648}").get("l").isLong()).isTrue();
    }

    @Test
    void writesWhatObjectMapperWrites() throws Exception {
        for (String d : DOCUMENTS) {
            JsonNode n = JsonBinding.MAPPER.readTree(d);
            assertThat(Json.write(n)).as(d).isEqualTo(JsonBinding.MAPPER.writeValueAsString(n));
            assertThat(Json.pretty(n)).as(d).isEqualTo(JsonBinding.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(n));
            assertThat(new String(Json.bytes(n), StandardCharsets.UTF_8)).isEqualTo(Json.write(n));
        }
    }

    @Test
    void emptyInputIsMissingAndBrokenInputAParseError() throws Exception {
        assertThat(Json.parse("").isMissingNode()).isTrue();
        assertThat(Json.parse("  \n").isMissingNode()).isTrue();
        assertThat(JsonBinding.MAPPER.readTree("").isMissingNode()).as("as ObjectMapper has it").isTrue();
        for (String broken : List.of("{\"cniVersion\":", "{not json", "[1,2", "{\"a\":1]", "}")) {
            assertThatThrownBy(() -> Json.parse(broken)).as(broken).isInstanceOf(JsonProcessingException.class);
        }
    }

    @Test
    void aDeeplyNestedDocumentDoesNotOverflowTheStack() throws Exception {
        // jackson-core limits nesting (1000 levels by default); up to that the reader uses no recursion of its own
        String deep = "[".repeat(900) + "]".repeat(900);
        JsonNode n = Json.parse(deep);
        int depth = 0;
        for (JsonNode x = n; x.isArray() && !x.isEmpty(); x = x.get(0)) {
            depth++;
        }
        assertThat(depth).isEqualTo(899);
        assertThatThrownBy(() -> Json.parse("[".repeat(5000) + "]".repeat(5000))).isInstanceOf(JsonProcessingException.class);
    }

    @Test
    void buildersMakePlainTrees() {
        ObjectNode o = Json.object(java.util.Map.of("app", "multinet"));
        o.set("versions", Json.array(List.of("0.4.0", "1.0.0")));
        assertThat(Json.write(o)).isEqualTo("{\"app\":\"multinet\",\"versions\":[\"0.4.0\",\"1.0.0\"]}");
        assertThat(Json.write(Json.array())).isEqualTo("[]");
    }
}
