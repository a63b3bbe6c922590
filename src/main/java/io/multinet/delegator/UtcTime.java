package io.multinet.delegator;

import java.time.LocalDate;

/**
 * Times as the node daemon writes them (log lines, a network's last error, events), in UTC and
 * formatted by hand: java.time's formatters with the locale data and the zone database they pull in
 * were about a hundred classes of every node's daemon, for two fixed formats (issue 20).
 */
final class UtcTime {

    private static final long DAY_MS = 86_400_000L;

    private UtcTime() {
    }

    /** RFC 3339 to the second, as Kubernetes writes times: 2026-12-03T01:49:39Z (Instant.toString() of a whole second). */
    static String iso(long epochMillis) {
        LocalDate d = LocalDate.ofEpochDay(Math.floorDiv(epochMillis, DAY_MS));
        StringBuilder sb = new StringBuilder(20);
        int y = d.getYear();
        if (y > 9999) {
            sb.append('+');
        }
        pad(sb, y, 4).append('-');
        pad(sb, d.getMonthValue(), 2).append('-');
        pad(sb, d.getDayOfMonth(), 2).append('T');
        return clock(sb, Math.floorMod(epochMillis, DAY_MS) / 1000 * 1000, false).append('Z').toString();
    }

    /** The time of day with milliseconds, for log lines: 01:49:39.123. */
    static String clock(long epochMillis) {
        return clock(new StringBuilder(12), Math.floorMod(epochMillis, DAY_MS), true).toString();
    }

    private static StringBuilder clock(StringBuilder sb, long msOfDay, boolean millis) {
        pad(sb, (int) (msOfDay / 3_600_000), 2).append(':');
        pad(sb, (int) (msOfDay / 60_000 % 60), 2).append(':');
        pad(sb, (int) (msOfDay / 1000 % 60), 2);
        if (millis) {
            pad(sb.append('.'), (int) (msOfDay % 1000), 3);
        }
        return sb;
    }

    private static StringBuilder pad(StringBuilder sb, int v, int width) {
        String s = Integer.toString(v);
        for (int i = s.length(); i < width; i++) {
            sb.append('0');
        }
        return sb.append(s);
    }
}
