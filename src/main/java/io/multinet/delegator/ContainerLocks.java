package io.multinet.delegator;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One lock per container ID, so that overlapping ADD, DEL and GC of one container (runtimes do send
 * them) run one after the other while different containers run in parallel. A lock leaves the map
 * only when no thread holds or waits for it: dropping it earlier would let a third caller take a
 * fresh lock and run beside the one still waiting on the old.
 */
final class ContainerLocks {

    private static final class Held {
        final ReentrantLock lock = new ReentrantLock();
        int users;
    }

    private final Map<String, Held> locks = new HashMap<>();

    <T> T with(String containerId, Supplier<T> work) {
        Held h;
        synchronized (locks) {
            h = locks.computeIfAbsent(containerId, k -> new Held());
            h.users++;
        }
        h.lock.lock();
        try {
            return work.get();
        } finally {
            h.lock.unlock();
            synchronized (locks) {
                if (--h.users == 0) {
                    locks.remove(containerId);
                }
            }
        }
    }

    /** Containers with a caller inside or waiting (0 when idle: nothing is kept per container). */
    int size() {
        synchronized (locks) {
            return locks.size();
        }
    }
}
