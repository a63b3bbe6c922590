package io.multinet.etcd;

import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** Counts and times every etcd operation by operation and result. */
public class MeteredFlannelStore implements FlannelStore {

    private final FlannelStore delegate;
    private final MeterRegistry registry;

    public MeteredFlannelStore(FlannelStore delegate, MeterRegistry registry) {
        this.delegate = delegate;
        this.registry = registry;
        // every series exists from the start, at 0, so the first etcd error is seen by rate()
        for (String operation : OPERATIONS) {
            duration(operation);
            operations(operation, "success");
            operations(operation, "error");
        }
    }

    static final java.util.List<String> OPERATIONS = java.util.List.of("get", "put", "list", "version", "delete");

    private Timer duration(String operation) {
        return Timer.builder("multinet.etcd.operation.duration").description("etcd operation latency").tags("operation", operation)
                .publishPercentileHistogram().register(registry);
    }

    private Counter operations(String operation, String result) {
        return Counter.builder("multinet.etcd.operations").description("etcd operations by result").tags("operation", operation, "result", result)
                .register(registry);
    }

    private <T> T measure(String operation, Supplier<T> call) {
        Timer.Sample sample = Timer.start(registry);
        String result = "success";
        try {
            return call.get();
        } catch (RuntimeException e) {
            result = "error";
            throw e;
        } finally {
            sample.stop(duration(operation));
            operations(operation, result).increment();
        }
    }

    @Override
    public Optional<String> get(EtcdTarget target, String key) {
        return measure("get", () -> delegate.get(target, key));
    }

    @Override
    public void put(EtcdTarget target, String key, String value) {
        measure("put", () -> {
            delegate.put(target, key, value);
            return null;
        });
    }

    @Override
    public Map<String, String> list(EtcdTarget target, String keyPrefix) {
        return measure("list", () -> delegate.list(target, keyPrefix));
    }

    @Override
    public RangeVersion version(EtcdTarget target, String keyPrefix) {
        return measure("version", () -> delegate.version(target, keyPrefix));
    }

    @Override
    public long deletePrefix(EtcdTarget target, String keyPrefix) {
        return measure("delete", () -> delegate.deletePrefix(target, keyPrefix));
    }

    @Override
    public void close() {
        delegate.close();
    }
}
