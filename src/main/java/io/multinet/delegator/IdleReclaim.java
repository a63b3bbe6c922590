package io.multinet.delegator;

import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.LongUnaryOperator;

import org.jboss.logging.Logger;

/**
 * Gives the heap a burst grew back to the node once the daemon has been quiet for a while (issue 20).
 *
 * <p>The serial collector grows the heap under a burst of CNI requests (a node drained onto this
 * one, a herd after a reboot) but only shrinks it at a full collection, and a daemon that then sits
 * idle for hours never has one: it would keep the burst's heap all that time, on every node. So once
 * no request has been in the daemon for {@code quiet}, one full collection is run (the DaemonSet's
 * {@code -XX:-ShrinkHeapInSteps} lets that one shrink the heap to its live set plus
 * {@code MaxHeapFreeRatio}). It takes a few milliseconds on the daemon's small heap, and runs at
 * most once per quiet spell: an idle node is not collected over and over. This is what G1's
 * periodic collection (JEP 346) does for G1, which costs the daemon more than it saves.
 */
final class IdleReclaim {

    private static final Logger LOG = Logger.getLogger(IdleReclaim.class);

    private final long quietNanos;
    private final LongUnaryOperator quietFor;
    private final LongSupplier clock;
    private final Runnable collect;
    /** Set by a collection, cleared when the daemon is busy again: one collection per quiet spell. */
    private boolean collected;

    /**
     * @param quiet how long without a request before collecting; zero turns this off
     * @param quietFor how long the daemon has been quiet as of a clock reading (0 while busy)
     * @param clock System.nanoTime() or a test's clock
     * @param collect the full collection: System::gc
     */
    IdleReclaim(Duration quiet, LongUnaryOperator quietFor, LongSupplier clock, Runnable collect) {
        this.quietNanos = quiet.toNanos();
        this.quietFor = quietFor;
        this.clock = clock;
        this.collect = collect;
    }

    /** The node daemon's: quiet as its CNI socket sees it, a real full collection. */
    static IdleReclaim of(Duration quiet, SocketServer server) {
        return new IdleReclaim(quiet, server::quietNanos, System::nanoTime, System::gc);
    }

    /** Called every few seconds; returns whether it collected. */
    synchronized boolean check() {
        if (quietNanos == 0) {
            return false;
        }
        long quiet = quietFor.applyAsLong(clock.getAsLong());
        if (quiet < quietNanos) {
            // a quiet spell only grows: shorter than the threshold, the daemon has been busy since (checks
            // come more often than the threshold, so a burst is not missed)
            collected = false;
            return false;
        }
        if (collected) {
            return false;
        }
        collected = true;
        Runtime rt = Runtime.getRuntime();
        long before = rt.totalMemory();
        collect.run();
        LOG.debugf("quiet for %d s: heap %d -> %d KiB committed", quiet / 1_000_000_000L, before / 1024, rt.totalMemory() / 1024);
        return true;
    }
}
