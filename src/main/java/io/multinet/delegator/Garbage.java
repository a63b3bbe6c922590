package io.multinet.delegator;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.multinet.cni.CniException;

/**
 * Attachments nobody will DEL: those the runtime's CNI 1.1 GC no longer lists, and, for runtimes
 * that never send GC, those whose network namespace is gone (a DEL sent while the daemon was down
 * and never retried). Each is deleted under its container's lock, on the host and in IPAM only.
 */
final class Garbage {

    private static final Logger LOG = Logger.getLogger(Garbage.class);

    private final Delegator delegator;

    Garbage(Delegator delegator) {
        this.delegator = delegator;
    }

    /** CNI 1.1 GC: every cached container the runtime no longer lists is deleted. */
    void gc(ObjectNode conf) {
        JsonNode list = conf.get("cni.dev/valid-attachments");
        if (list == null || !list.isArray()) {
            // without the list every attachment would look invalid: deleting them all is never what was meant
            throw new CniException(CniException.INVALID_CONFIG, "GC needs cni.dev/valid-attachments, the list of attachments to keep");
        }
        Set<String> valid = new HashSet<>();
        list.forEach(v -> valid.add(v.path("containerID").asText()));
        List<String> errors = new ArrayList<>();
        for (String id : delegator.cache().containers()) {
            if (!valid.contains(id)) {
                delegator.delIf(id, null, "the runtime's GC does not list it", errors);
            }
        }
        if (!errors.isEmpty()) {
            throw new CniException(CniException.DELEGATE_FAILED, "GC: " + String.join("; ", errors));
        }
    }

    /**
     * Every cached container whose network namespace is gone, or whose path now names another
     * namespace. A namespace that still exists is left alone whatever the API server says: its
     * runtime still has the sandbox and will DEL it. Returns the containers removed.
     */
    List<String> collect() {
        List<String> removed = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (String id : delegator.cache().containers()) {
            try {
                if (delegator.delIf(id, Garbage::stale, "its network namespace is gone", errors)) {
                    removed.add(id);
                }
            } catch (CniException e) {
                errors.add(id + ": " + e.getMessage());
            }
        }
        if (!errors.isEmpty()) {
            LOG.warnf("garbage collection left work: %s", String.join("; ", errors));
        }
        return removed;
    }

    /** Whether the namespace an entry was attached to is gone (or its path names another one now). */
    static boolean stale(CacheEntry e) {
        if (e.netns() == null || e.netns().isEmpty()) {
            return false;
        }
        if (e.netnsId() != null) {
            return !NetnsIdentity.names(e.netns(), e.netnsId());
        }
        return !Files.exists(Path.of(e.netns()));
    }
}
