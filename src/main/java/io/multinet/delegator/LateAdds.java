package io.multinet.delegator;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.multinet.cni.CniException;

/**
 * ADDs the runtime has given up on. The shim waits `timeoutSeconds` for an answer; past that the
 * runtime treats the ADD as failed and sends DEL. An ADD still queued then (behind a slow call for
 * the same container, or behind that very DEL) must not run afterwards: it would attach a pod that
 * nobody will DEL again. Runs under the container's lock.
 */
final class LateAdds {

    private final Duration deadline;
    /** When the latest DEL of each container arrived (System.nanoTime). */
    private final Map<String, Long> deletedAt = new ConcurrentHashMap<>();

    LateAdds(Duration deadline) {
        this.deadline = deadline;
    }

    void deleting(CniRequest del) {
        deletedAt.put(del.containerId(), del.receivedNanos());
        // deletions older than the deadline can no longer overtake an ADD: the deadline refuses it anyway
        long now = System.nanoTime();
        deletedAt.values().removeIf(t -> now - t > deadline.toNanos());
    }

    void requireStillWanted(CniRequest add) {
        Long deleted = deletedAt.get(add.containerId());
        if (deleted != null && deleted - add.receivedNanos() > 0) {
            throw new CniException(CniException.TRY_AGAIN_LATER, "a DEL of container " + add.containerId()
                    + " arrived after this ADD and was carried out first; the ADD is abandoned");
        }
        long waited = System.nanoTime() - add.receivedNanos();
        if (waited > deadline.toNanos()) {
            throw new CniException(CniException.TRY_AGAIN_LATER, "this ADD waited " + Duration.ofNanos(waited).toSeconds()
                    + "s, longer than the shim waits for an answer (" + deadline.toSeconds() + "s); abandoned");
        }
    }
}
