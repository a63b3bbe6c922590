package io.multinet.delegator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

/**
 * Issue 17, defect 2: the old per-container lock (synchronized on a map value removed in finally)
 * let a third caller take a fresh lock while a second still waited on the old one, so two calls for
 * one container ran at once. Under this load that showed within a few hundred rounds.
 */
class ContainerLocksTest {

    @Test
    void oneContainerOneCallAtATimeAndNothingKeptAfterwards() throws Exception {
        ContainerLocks locks = new ContainerLocks();
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                all.add(pool.submit(() -> {
                    for (int i = 0; i < 3000; i++) {
                        locks.with("c1", () -> {
                            most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                            Thread.onSpinWait();
                            inside.decrementAndGet();
                            return null;
                        });
                    }
                }));
            }
            for (Future<?> f : all) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertThat(most.get()).as("calls inside the lock of one container at once").isEqualTo(1);
        assertThat(locks.size()).isZero();
    }

    @Test
    void differentContainersDoNotWaitForEachOther() throws Exception {
        ContainerLocks locks = new ContainerLocks();
        java.util.concurrent.CountDownLatch bothInside = new java.util.concurrent.CountDownLatch(2);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Boolean> a = pool.submit(() -> locks.with("a", () -> await(bothInside)));
            Future<Boolean> b = pool.submit(() -> locks.with("b", () -> await(bothInside)));
            assertThat(a.get()).isTrue();
            assertThat(b.get()).isTrue();
        } finally {
            pool.shutdown();
        }
    }

    private static boolean await(java.util.concurrent.CountDownLatch latch) {
        latch.countDown();
        try {
            return latch.await(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
