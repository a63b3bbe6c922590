package io.multinet.delegator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Which node-state changes cost an API write at once, and which wait for the report interval. */
class NodeStateWriteTest {

    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode state(boolean ready, boolean bridgePresent, int attachments) throws Exception {
        return JSON.readTree("{\"delegator\":{\"ready\":" + ready + "},\"networks\":[{\"name\":\"flannel2\",\"bridgePresent\":"
                + bridgePresent + ",\"attachments\":" + attachments + "}]}");
    }

    @Test
    void nothingChangedIsNeverWritten() throws Exception {
        assertThat(NodeStateReporter.worthWriting(state(true, true, 3), state(true, true, 3), true)).isFalse();
    }

    @Test
    void countsAloneWaitForTheInterval() throws Exception {
        assertThat(NodeStateReporter.worthWriting(state(true, true, 3), state(true, true, 4), false)).isFalse();
        assertThat(NodeStateReporter.worthWriting(state(true, true, 3), state(true, true, 4), true)).isTrue();
    }

    @Test
    void healthChangesGoAtOnceWithTheCountsBesideThem() throws Exception {
        assertThat(NodeStateReporter.worthWriting(state(true, true, 3), state(false, true, 3), false)).isTrue();
        assertThat(NodeStateReporter.worthWriting(state(true, true, 3), state(true, false, 0), false)).isTrue();
    }
}
