package io.multinet.cni;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The CNI versions multinet speaks and the conversion of results between them. */
public final class CniVersions {

    public static final List<String> SUPPORTED = List.of("0.3.1", "0.4.0", "1.0.0", "1.1.0");
    public static final String LATEST = "1.1.0";

    private CniVersions() {
    }

    public static void requireSupported(String version) {
        if (version == null || version.isEmpty()) {
            throw new CniException(CniException.INVALID_CONFIG, "cniVersion is missing from the network configuration");
        }
        if (!SUPPORTED.contains(version)) {
            throw new CniException(CniException.INCOMPATIBLE_VERSION,
                    "cniVersion " + version + " is not supported (supported: " + String.join(", ", SUPPORTED) + ")");
        }
    }

    /** CHECK exists from 0.4.0 on. */
    public static boolean hasCheck(String version) {
        return !"0.3.1".equals(version);
    }

    /**
     * Converts a result between 0.3.x/0.4.0 (ips carry "version") and 1.x (they do not); the other
     * fields are the same in every supported version.
     */
    public static ObjectNode convert(JsonNode result, String to) {
        ObjectNode out = result.deepCopy();
        out.put("cniVersion", to);
        JsonNode ips = out.get("ips");
        if (ips instanceof ArrayNode arr) {
            for (JsonNode ip : arr) {
                ObjectNode o = (ObjectNode) ip;
                if (to.startsWith("0.")) {
                    o.put("version", o.path("address").asText().contains(":") ? "6" : "4");
                } else {
                    o.remove("version");
                }
            }
        }
        return out;
    }
}
