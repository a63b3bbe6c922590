package io.multinet.delegator;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

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
        } catch (io.multinet.cni.CniException e) {
            result = "error";
            Counter.builder("multinet.cni.errors").description("CNI errors by code").tags("code", String.valueOf(e.code()))
                    .register(registry).increment();
            throw e;
        } catch (RuntimeException e) {
            result = "error";
            throw e;
        } finally {
            Counter.builder("multinet.cni.requests").description("CNI requests by command and result").tags("command", command, "result", result)
                    .register(registry).increment();
            if (command.equals("ADD") || command.equals("DEL") || command.equals("CHECK")) {
                sample.stop(Timer.builder("multinet.cni.request.duration").description("CNI request latency")
                        .tags("command", command).publishPercentileHistogram().register(registry));
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
