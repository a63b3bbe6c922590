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
            sample.stop(Timer.builder("multinet.etcd.operation.duration").description("etcd operation latency")
                    .tags("operation", operation).publishPercentileHistogram().register(registry));
            Counter.builder("multinet.etcd.operations").description("etcd operations by result").tags("operation", operation, "result", result)
                    .register(registry).increment();
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
    public long deletePrefix(EtcdTarget target, String keyPrefix) {
        return measure("delete", () -> delegate.deletePrefix(target, keyPrefix));
    }

    @Override
    public void close() {
        delegate.close();
    }
}
