package io.multinet.delegator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.multinet.Json;
import io.multinet.cni.CniException;
import io.multinet.cni.CniVersions;

/** The JSON documents of the CNI protocol as the daemon reads and writes them. */
final class CniDocuments {


    private CniDocuments() {
    }

    /** The network configuration from the runtime's stdin: a JSON object, or code 6. */
    static ObjectNode config(byte[] config) {
        try {
            JsonNode n = Json.parse(config);
            if (!(n instanceof ObjectNode o)) {
                throw new CniException(CniException.DECODE_FAILURE, "the network configuration on stdin is not a JSON object");
            }
            return o;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            // the parser's own words, without its source excerpt and class names
            throw new CniException(CniException.DECODE_FAILURE, "the network configuration on stdin is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new CniException(CniException.DECODE_FAILURE, "the network configuration on stdin cannot be read: " + e.getMessage());
        }
    }

    /** The answer to VERSION. */
    static byte[] version() {
        return bytes(Json.object().put("cniVersion", CniVersions.LATEST).set("supportedVersions", Json.array(CniVersions.SUPPORTED)));
    }

    static byte[] bytes(JsonNode n) {
        return Json.bytes(n);
    }
}
