package io.multinet.operator;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.multinet.api.v1alpha1.MultiNetworkStatus;

/**
 * multinet's own operator metrics (the Java Operator SDK adds its reconciliation metrics). Labels
 * are network names and fixed words only: their number is bounded by the MultiNetworks that exist.
 */
@ApplicationScoped
public class OperatorMetrics {

    private final MeterRegistry registry;
    private final Map<String, AtomicInteger> gauges = new ConcurrentHashMap<>();
    private final Map<String, Boolean> readiness = new ConcurrentHashMap<>();
    private final Counter statusWrites;

    @Inject
    public OperatorMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.statusWrites = Counter.builder("multinet.status.writes").description("MultiNetwork status writes").register(registry);
        for (String ready : new String[] { "true", "false" }) {
            Gauge.builder("multinet.networks", readiness, m -> m.values().stream().filter(v -> v == Boolean.parseBoolean(ready)).count())
                    .description("MultiNetworks by Ready state").tags("ready", ready).register(registry);
        }
        // at 0 from the start: a series born with its first increment hides that increment from rate()
        DELETION_WAIT_REASONS.forEach(this::deletionRetries);
    }

    /** Why a deletion waits: its flanneld pods still run, or etcd (or its Secret) cannot be reached. */
    public static final String FLANNELD_RUNNING = "FlanneldRunning";
    public static final String ETCD_UNAVAILABLE = "EtcdUnavailable";
    static final java.util.List<String> DELETION_WAIT_REASONS = java.util.List.of(FLANNELD_RUNNING, ETCD_UNAVAILABLE);

    private Counter deletionRetries(String reason) {
        return Counter.builder("multinet.deletion.retries").description("Deletions that had to wait and will be retried").tags("reason", reason)
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void statusWritten() {
        statusWrites.increment();
    }

    /**
     * A deletion that had to wait and will be tried again: its flanneld pods still run, or etcd (or
     * its Secret) cannot be reached. A rate that stays above zero is a deletion that is stuck.
     */
    public void deletionWaiting(String reason) {
        deletionRetries(reason).increment();
    }

    /** Records what a network's status says; reasons no node has any more drop to 0. */
    public void observe(String network, MultiNetworkStatus status, boolean ready) {
        readiness.put(network, ready);
        var nodes = status.nodes;
        gauge("multinet.network.nodes", Tags.of("network", network, "state", "desired")).set(nodes == null ? 0 : nodes.desired);
        gauge("multinet.network.nodes", Tags.of("network", network, "state", "ready")).set(nodes == null ? 0 : nodes.ready);
        for (NodeReason r : NodeReason.values()) {
            int count = nodes == null || nodes.notReadyByReason == null ? 0 : nodes.notReadyByReason.getOrDefault(r.name(), 0);
            gauge("multinet.network.nodes.not.ready", Tags.of("network", network, "reason", r.name())).set(count);
        }
        gauge("multinet.network.attachments", Tags.of("network", network)).set(status.attachments == null ? 0 : status.attachments.size());
        gauge("multinet.network.ready", Tags.of("network", network)).set(ready ? 1 : 0);
    }

    /** A deleted network's series go with it. */
    public void forget(String network) {
        readiness.remove(network);
        registry.getMeters().stream().filter(m -> network.equals(m.getId().getTag("network"))).toList().forEach(registry::remove);
        gauges.keySet().removeIf(k -> k.contains("network=" + network + ","));
    }

    private AtomicInteger gauge(String name, Tags tags) {
        String key = name + tags.stream().map(t -> t.getKey() + "=" + t.getValue() + ",").reduce("", String::concat);
        return gauges.computeIfAbsent(key, k -> {
            AtomicInteger v = new AtomicInteger();
            Gauge.builder(name, v, AtomicInteger::get).tags(tags).register(registry);
            return v;
        });
    }
}
