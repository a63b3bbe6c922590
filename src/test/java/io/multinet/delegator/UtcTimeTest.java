package io.multinet.delegator;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The daemon's hand-made time formats are java.time's, in UTC. */
class UtcTimeTest {

    static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    static void same(long ms) {
        assertThat(UtcTime.iso(ms)).as("iso of " + ms).isEqualTo(Instant.ofEpochMilli(ms).truncatedTo(ChronoUnit.SECONDS).toString());
        assertThat(UtcTime.clock(ms)).as("clock of " + ms).isEqualTo(CLOCK.format(Instant.ofEpochMilli(ms)));
    }

    @Test
    void asJavaTimeWritesThem() {
        for (long ms : new long[] { 0, 1, 999, 1000, 59_999, 86_399_999, 86_400_000, -1, -86_400_001, 951_782_400_000L /* 2000-02-29 */,
                4_107_542_399_999L /* 2100-02-28T23:59:59.999 */, 1_796_262_579_123L, 253_402_300_799_000L /* 9999-12-31T23:59:59 */ }) {
            same(ms);
        }
        SplittableRandom r = new SplittableRandom(20);
        for (int i = 0; i < 20_000; i++) {
            same(r.nextLong(-2_000_000_000_000L, 253_402_300_800_000L));
        }
        assertThat(UtcTime.iso(1_796_262_579_123L)).isEqualTo("2026-12-03T01:49:39Z");
        assertThat(UtcTime.clock(1_796_262_579_123L)).isEqualTo("01:49:39.123");
    }
}
