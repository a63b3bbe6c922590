package io.multinet.delegator;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.multinet.cni.CniException;

/**
 * The delegator's metrics, served on the daemon's TCP port (never the CNI socket). Labels are
 * commands, results, error codes, plugin types and network names: no pods, containers or addresses.
 */
public class DelegatorMetrics {

    private final MeterRegistry registry;
    /** Attachments per container, to serve the gauges without reading the cache on every scrape. */
    private final Map<String, Integer> attachments = new ConcurrentHashMap<>();

    public DelegatorMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("multinet.cni.attachments", attachments, m -> m.values().stream().mapToInt(Integer::intValue).sum())
                .description("interfaces attached to pods on this node").register(registry);
        Gauge.builder("multinet.cni.cache.entries", attachments, Map::size).description("containers in the DEL cache").register(registry);
        // Every series whose labels are known up front exists from the start, at 0: a series born with
        // its first increment hides that increment from rate() and increase(), so the first error of a
        // kind would never alert. Networks and plugin types are not known up front; theirs appear on use.
        for (String command : COMMAND_LABELS) {
            for (String result : RESULTS) {
                requests(command, result);
            }
        }
        TIMED.forEach(this::requestDuration);
        CniException.CODES.forEach(this::errors);
    }

    /** The command label: what the daemon serves, and "other" for anything else a client sends. */
    static final List<String> COMMAND_LABELS = List.of("ADD", "DEL", "CHECK", "STATUS", "GC", "VERSION", "other");
    private static final List<String> RESULTS = List.of("success", "error");
    /** Commands whose whole latency is timed (the others answer from memory). */
    private static final List<String> TIMED = List.of("ADD", "DEL", "CHECK");

    private Counter requests(String command, String result) {
        return Counter.builder("multinet.cni.requests").description("CNI requests by command and result").tags("command", command, "result", result)
                .register(registry);
    }

    private Timer requestDuration(String command) {
        return Timer.builder("multinet.cni.request.duration").description("CNI request latency").tags("command", command)
                .publishPercentileHistogram().register(registry);
    }

    private Counter errors(int code) {
        return Counter.builder("multinet.cni.errors").description("CNI errors by code").tags("code", String.valueOf(code)).register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    void attached(String containerId, int count) {
        attachments.put(containerId, count);
    }

    void detached(String containerId) {
        attachments.remove(containerId);
    }

    <T> T request(String command, Supplier<T> call) {
        Timer.Sample sample = Timer.start(registry);
        String result = "success";
        try {
            return call.get();
        } catch (CniException e) {
            result = "error";
            errors(e.code()).increment();
            throw e;
        } catch (RuntimeException e) {
            result = "error";
            throw e;
        } finally {
            requests(command, result).increment();
            if (TIMED.contains(command)) {
                sample.stop(requestDuration(command));
            }
        }
    }

    <T> T network(String command, String network, Supplier<T> call) {
        Timer.Sample sample = Timer.start(registry);
        try {
            return call.get();
        } finally {
            sample.stop(Timer.builder("multinet.cni.network.duration").description("CNI latency of one network's attachment")
                    .tags("command", command, "network", network).publishPercentileHistogram().register(registry));
        }
    }

    <T> T plugin(String type, Supplier<T> call) {
        Timer.Sample sample = Timer.start(registry);
        try {
            return call.get();
        } finally {
            sample.stop(Timer.builder("multinet.cni.delegate.duration").description("delegate plugin latency by plugin type")
                    .tags("plugin", type).publishPercentileHistogram().register(registry));
        }
    }
}
