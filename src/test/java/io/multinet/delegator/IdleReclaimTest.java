package io.multinet.delegator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** When the node daemon gives a burst's heap back: once per quiet spell, never while busy (issue 20). */
class IdleReclaimTest {

    static final long S = 1_000_000_000L;

    final AtomicLong now = new AtomicLong(1_000 * S);
    /** When the daemon last answered; Long.MIN_VALUE while a request is in it. */
    final AtomicLong lastAnswer = new AtomicLong(now.get());
    final AtomicInteger collections = new AtomicInteger();

    IdleReclaim reclaim(Duration quiet) {
        return new IdleReclaim(quiet, t -> lastAnswer.get() == Long.MIN_VALUE ? 0 : t - lastAnswer.get(), now::get, collections::incrementAndGet);
    }

    void advance(long seconds) {
        now.addAndGet(seconds * S);
    }

    @Test
    void collectsOncePerQuietSpell() {
        IdleReclaim r = reclaim(Duration.ofSeconds(30));
        advance(29);
        assertThat(r.check()).as("not quiet long enough").isFalse();
        advance(1);
        assertThat(r.check()).isTrue();
        advance(5);
        assertThat(r.check()).as("an idle node is not collected over and over").isFalse();
        advance(3600);
        assertThat(r.check()).isFalse();
        assertThat(collections).hasValue(1);

        // a burst: busy, then answered, then quiet again
        lastAnswer.set(Long.MIN_VALUE);
        assertThat(r.check()).as("never while a request is in the daemon").isFalse();
        lastAnswer.set(now.get());
        advance(5);
        assertThat(r.check()).isFalse();
        advance(25);
        assertThat(r.check()).as("the burst's heap given back").isTrue();
        assertThat(collections).hasValue(2);
    }

    @Test
    void aBurstBetweenTwoChecksStillCounts() {
        IdleReclaim r = reclaim(Duration.ofSeconds(30));
        advance(30);
        assertThat(r.check()).isTrue();
        // requests came and went between checks: the quiet spell restarted at the last answer
        advance(2);
        lastAnswer.set(now.get());
        advance(3);
        assertThat(r.check()).isFalse();
        advance(30);
        assertThat(r.check()).isTrue();
        assertThat(collections).hasValue(2);
    }

    @Test
    void zeroTurnsItOff() {
        IdleReclaim r = reclaim(Duration.ZERO);
        advance(3600);
        assertThat(r.check()).isFalse();
        assertThat(collections).hasValue(0);
    }
}
