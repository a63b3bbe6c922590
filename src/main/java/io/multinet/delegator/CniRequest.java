package io.multinet.delegator;

import java.util.LinkedHashMap;
import java.util.Map;

import io.multinet.cni.CniException;

/**
 * One CNI call as the shim forwards it: the CNI_* environment and the config from stdin.
 *
 * @param receivedNanos when the daemon received it (System.nanoTime): an ADD that waited past the
 *        shim's timeout, or behind a DEL of its container, is abandoned rather than carried out
 */
public record CniRequest(String command, String containerId, String netns, String ifname, String args, byte[] config, long receivedNanos) {

    public CniRequest(String command, String containerId, String netns, String ifname, String args, byte[] config) {
        this(command, containerId, netns, ifname, args, config, System.nanoTime());
    }

    /** CNI_ARGS ("K=V;K=V") as a map; a malformed pair is an invalid-environment error. */
    public Map<String, String> argsMap() {
        Map<String, String> out = new LinkedHashMap<>();
        if (args == null || args.isEmpty()) {
            return out;
        }
        for (String pair : args.split(";")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new CniException(CniException.INVALID_ENV, "CNI_ARGS has a malformed pair '" + pair + "' (expected K=V)");
            }
            out.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return out;
    }
}
