package io.multinet;

import java.util.concurrent.ThreadFactory;

/**
 * Threads of multinet's own pools: named, so a thread dump says whose they are, and daemon threads,
 * so a pool never keeps the process alive past its shutdown.
 */
public final class Threads {

    private Threads() {
    }

    public static ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
