package io.multinet.delegator;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.multinet.cni.CniException;

/**
 * The delegator's metrics, served on the daemon's TCP port (never the CNI socket). Labels are
 * commands, results, error codes, plugin types and network names: no pods, containers or addresses.
 */
public class DelegatorMetrics {

    private final Prometheus registry;
    /** Attachments per container, to serve the gauges without reading the cache on every scrape. */
    private final Map<String, Integer> attachments = new ConcurrentHashMap<>();

    public DelegatorMetrics(Prometheus registry) {
        this.registry = registry;
        registry.gauge("multinet_cni_attachments", "interfaces attached to pods on this node",
                () -> attachments.values().stream().mapToInt(Integer::intValue).sum());
        registry.gauge("multinet_cni_cache_entries", "containers in the DEL cache", attachments::size);
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

    private Prometheus.Counter requests(String command, String result) {
        return registry.counter("multinet_cni_requests", "CNI requests by command and result", "command", command, "result", result);
    }

    private Prometheus.Histogram requestDuration(String command) {
        return registry.histogram("multinet_cni_request_duration_seconds", "CNI request latency", "command", command);
    }

    private Prometheus.Counter errors(int code) {
        return registry.counter("multinet_cni_errors", "CNI errors by code", "code", String.valueOf(code));
    }

    void attached(String containerId, int count) {
        attachments.put(containerId, count);
    }

    void detached(String containerId) {
        attachments.remove(containerId);
    }

    <T> T request(String command, Supplier<T> call) {
        long t0 = System.nanoTime();
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
                requestDuration(command).observeNanos(System.nanoTime() - t0);
            }
        }
    }

    <T> T network(String command, String network, Supplier<T> call) {
        long t0 = System.nanoTime();
        try {
            return call.get();
        } finally {
            registry.histogram("multinet_cni_network_duration_seconds", "CNI latency of one network's attachment", "command", command,
                    "network", network).observeNanos(System.nanoTime() - t0);
        }
    }

    <T> T plugin(String type, Supplier<T> call) {
        long t0 = System.nanoTime();
        try {
            return call.get();
        } finally {
            registry.histogram("multinet_cni_delegate_duration_seconds", "delegate plugin latency by plugin type", "plugin", type)
                    .observeNanos(System.nanoTime() - t0);
        }
    }
}
