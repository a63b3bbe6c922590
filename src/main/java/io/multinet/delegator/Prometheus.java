package io.multinet.delegator;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.function.DoubleSupplier;

/**
 * The node daemon's metrics in Prometheus' text format (0.0.4): counters, gauges and histograms,
 * nothing more. Hand-written because a metrics library and its registry were a measurable part of a
 * daemon that runs on every node (docs/benchmarks.md); Prometheus reads the same series either way.
 */
public final class Prometheus {

    /** Latency buckets in seconds: a plugin exec takes milliseconds, an ADD tens to hundreds, a slow one seconds. */
    static final double[] BUCKETS = { 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120 };

    private record Family(String name, String type, String help) {
    }

    private final Map<String, Family> families = new ConcurrentHashMap<>();
    /** Per family, its series by rendered label set; sorted so a scrape reads the same every time. */
    private final Map<String, Map<String, Object>> series = new ConcurrentHashMap<>();

    /** A counter's value, increased by one. */
    public static final class Counter {
        private final AtomicLong value = new AtomicLong();

        public void increment() {
            value.incrementAndGet();
        }
    }

    public static final class Histogram {
        private final AtomicLongArray counts = new AtomicLongArray(BUCKETS.length);
        private final AtomicLong count = new AtomicLong();
        private final DoubleAdder sum = new DoubleAdder();

        public void observeNanos(long nanos) {
            double s = nanos / 1e9;
            for (int i = 0; i < BUCKETS.length; i++) {
                if (s <= BUCKETS[i]) {
                    counts.incrementAndGet(i);
                    break;
                }
            }
            count.incrementAndGet();
            sum.add(s);
        }
    }

    private record Gauge(DoubleSupplier value) {
    }

    /** The counter name_total{labels}; labels: name, value, name, value, … */
    public Counter counter(String name, String help, String... labels) {
        return (Counter) series(name + "_total", "counter", help, labels, Counter::new);
    }

    /** The histogram name{labels} (name ends in _seconds), with _bucket, _count and _sum. */
    public Histogram histogram(String name, String help, String... labels) {
        return (Histogram) series(name, "histogram", help, labels, Histogram::new);
    }

    public void gauge(String name, String help, DoubleSupplier value) {
        series(name, "gauge", help, new String[0], () -> new Gauge(value));
    }

    private Object series(String name, String type, String help, String[] labels, java.util.function.Supplier<Object> make) {
        families.computeIfAbsent(name, n -> new Family(n, type, help));
        return series.computeIfAbsent(name, n -> new ConcurrentHashMap<>()).computeIfAbsent(labels(labels), l -> make.get());
    }

    static String labels(String... pairs) {
        if (pairs.length == 0) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            sb.append(sb.isEmpty() ? "" : ",").append(pairs[i]).append("=\"")
                    .append(pairs[i + 1].replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")).append('"');
        }
        return sb.toString();
    }

    /** Every series, as a scrape reads them. */
    public String scrape() {
        StringBuilder out = new StringBuilder(8192);
        for (Family f : new TreeMap<>(families).values()) {
            out.append("# HELP ").append(f.name()).append(' ').append(f.help()).append('\n');
            out.append("# TYPE ").append(f.name()).append(' ').append(f.type()).append('\n');
            for (var e : new TreeMap<>(series.get(f.name())).entrySet()) {
                String l = e.getKey();
                Object v = e.getValue();
                if (v instanceof Counter c) {
                    sample(out, f.name(), l, c.value.get());
                } else if (v instanceof Gauge g) {
                    sample(out, f.name(), l, g.value().getAsDouble());
                } else {
                    Histogram h = (Histogram) v;
                    long cumulative = 0;
                    for (int i = 0; i < BUCKETS.length; i++) {
                        cumulative += h.counts.get(i);
                        sample(out, f.name() + "_bucket", join(l, "le=\"" + BUCKETS[i] + "\""), cumulative);
                    }
                    sample(out, f.name() + "_bucket", join(l, "le=\"+Inf\""), h.count.get());
                    sample(out, f.name() + "_count", l, h.count.get());
                    sample(out, f.name() + "_sum", l, h.sum.sum());
                }
            }
        }
        return out.toString();
    }

    private static String join(String a, String b) {
        return a.isEmpty() ? b : a + "," + b;
    }

    private static void sample(StringBuilder out, String name, String labels, double value) {
        out.append(name);
        if (!labels.isEmpty()) {
            out.append('{').append(labels).append('}');
        }
        out.append(' ');
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            out.append((long) value);
        } else {
            out.append(value);
        }
        out.append('\n');
    }

    /** The process's own series that Prometheus' client libraries serve: memory, CPU, start time, threads. */
    void processMetrics() {
        Runtime rt = Runtime.getRuntime();
        gauge("process_resident_memory_bytes", "Resident memory size in bytes.", () -> statusKb("VmRSS") * 1024.0);
        gauge("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", Prometheus::cpuSeconds);
        gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                () -> ProcessHandle.current().info().startInstant().map(i -> i.toEpochMilli() / 1000.0).orElse(0.0));
        gauge("jvm_memory_used_bytes", "Used bytes of the JVM heap.", () -> rt.totalMemory() - rt.freeMemory());
        gauge("jvm_memory_committed_bytes", "Committed bytes of the JVM heap.", () -> rt.totalMemory());
        gauge("jvm_memory_max_bytes", "Maximum bytes of the JVM heap.", () -> rt.maxMemory());
        gauge("jvm_threads_live_threads", "Live threads.", () -> Thread.getAllStackTraces().size());
    }

    private static double statusKb(String field) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Double.parseDouble(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }

    /** utime + stime of /proc/self/stat, in clock ticks of 1/100 s (USER_HZ on Linux). */
    private static double cpuSeconds() {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (java.io.IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
