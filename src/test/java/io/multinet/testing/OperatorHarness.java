package io.multinet.testing;

import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.PutOption;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.javaoperatorsdk.operator.Operator;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.etcd.JetcdFlannelStore;
import io.multinet.operator.MultiNetworkReconciler;
import io.multinet.operator.OperatorSettings;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The operator as it ships (the Java Operator SDK running MultiNetworkReconciler, server-side
 * apply off) against the mock API server and a real etcd, startable and stoppable within a test
 * to play an operator restart.
 */
public final class OperatorHarness implements AutoCloseable {

    public final KubernetesClient client;
    public final KubernetesMockServer server;
    public final EtcdServer etcd;
    public final FakeCluster cluster;
    public final OperatorSettings settings;
    public final Client etcdClient;
    private final JetcdFlannelStore store;
    public final io.micrometer.core.instrument.simple.SimpleMeterRegistry registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    private Operator operator;

    public OperatorHarness(KubernetesClient client, KubernetesMockServer server, Map<String, String> overrides) {
        this.client = client;
        this.server = server;
        this.etcd = EtcdServer.started();
        this.cluster = new FakeCluster(client).applyCrds();
        Map<String, String> props = new HashMap<>();
        props.put("multinet.operator.etcd.endpoints", etcd.endpoint());
        props.put("multinet.operator.resync-interval", "1s");
        props.put("multinet.operator.etcd-timeout", "2s");
        props.put("multinet.operator.etcd-retry-min", "200ms");
        props.put("multinet.operator.etcd-retry-max", "1s");
        props.putAll(overrides);
        this.settings = settings(props);
        this.store = new JetcdFlannelStore(settings.etcdTimeout());
        this.etcdClient = Client.builder().endpoints(etcd.endpoint()).build();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("default").endMetadata().build()).create();
    }

    public static OperatorSettings settings(Map<String, String> props) {
        // Quarkus' converter, so "30s" reads as the application reads it
        return new SmallRyeConfigBuilder().withMapping(OperatorSettings.class)
                .withConverter(Duration.class, 100, new io.quarkus.runtime.configuration.DurationConverter())
                .withSources(new PropertiesConfigSource(props, "test", 500)).build().getConfigMapping(OperatorSettings.class);
    }

    public OperatorHarness start() {
        operator = new Operator(o -> o.withKubernetesClient(client).withCloseClientOnStop(false)
                .withUseSSAToPatchPrimaryResource(false).withSSABasedCreateUpdateMatchForDependentResources(false)
                .withStopOnInformerErrorDuringStartup(true));
        operator.register(new MultiNetworkReconciler(client, settings, new io.multinet.etcd.MeteredFlannelStore(store, registry),
                new CountingMetrics(registry)));
        operator.start();
        return this;
    }

    /** Whether every informer of the running operator is healthy (what its readiness and liveness read). */
    public boolean informersHealthy() {
        return operator != null && operator.getRuntimeInfo().allEventSourcesAreHealthy();
    }

    public void stopOperator() {
        if (operator != null) {
            operator.stop();
            operator = null;
        }
    }

    /** Reconciles finished per network, counted through the operator's metrics. */
    private final Map<String, java.util.concurrent.atomic.AtomicInteger> reconciles = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicInteger deletions = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * Waits until the operator has finished `count` more reconciles of each network: the way to give
     * it the chance to do something wrong (or to settle) without sleeping for a guessed time.
     */
    public void awaitReconciles(int count, String... networks) {
        Map<String, Integer> start = new HashMap<>();
        for (String n : networks) {
            start.put(n, reconciles.computeIfAbsent(n, k -> new java.util.concurrent.atomic.AtomicInteger()).get());
        }
        eventually(count + " more reconciles of " + String.join(", ", networks), () -> start.entrySet().stream()
                .allMatch(e -> reconciles.get(e.getKey()).get() >= e.getValue() + count));
    }

    /**
     * The operator's metrics, counting per network what the reconciler reports: one observe() per
     * finished reconcile, one deletionWaiting() per cleanup pass that must wait. (Counting through the
     * reconciler itself is not possible: a second Reconciler class in the test sources would be
     * registered by the Quarkus tests' build as a second controller.)
     */
    final class CountingMetrics extends io.multinet.operator.OperatorMetrics {

        CountingMetrics(io.micrometer.core.instrument.MeterRegistry registry) {
            super(registry);
        }

        @Override
        public void observe(String network, io.multinet.api.v1alpha1.MultiNetworkStatus status, boolean ready) {
            super.observe(network, status, ready);
            count(network);
        }

        @Override
        public void deletionWaiting(String reason) {
            super.deletionWaiting(reason);
            deletions.incrementAndGet();
        }

        private void count(String network) {
            reconciles.computeIfAbsent(network, k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
        }
    }

    /** Waits until the operator's cleanup has had to wait `count` more times (a deletion held back). */
    public void awaitDeletionRetries(int count) {
        int start = deletions.get();
        eventually(count + " more cleanup passes", () -> deletions.get() >= start + count);
    }

    public MultiNetwork apply(MultiNetwork n) {
        return client.resource(n).createOr(x -> x.update());
    }

    public MultiNetwork get(String name) {
        return client.resources(MultiNetwork.class).withName(name).get();
    }

    /** Waits (bounded, never asserting on time) until the condition holds. */
    public static void eventually(String what, Supplier<Boolean> condition) {
        await(what).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                .until(condition::get);
    }

    public static void eventually(Runnable assertion) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(assertion::run);
    }

    /** Every key in etcd with its value. */
    public Map<String, String> etcdKeys() {
        return EtcdServer.keys(etcdClient);
    }

    public void etcdPut(String key, String value) throws Exception {
        etcdClient.getKVClient().put(bytes(key), bytes(value)).get(10, TimeUnit.SECONDS);
    }

    /** Writes a lease as flanneld does: a key held by an etcd lease of the given TTL. */
    public void etcdPutLease(String key, String value, long ttlSeconds) throws Exception {
        long id = etcdClient.getLeaseClient().grant(ttlSeconds).get(10, TimeUnit.SECONDS).getID();
        etcdClient.getKVClient().put(bytes(key), bytes(value), PutOption.builder().withLeaseId(id).build()).get(10, TimeUnit.SECONDS);
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /** Requests that change state (not reads or watches) received since the last call. */
    public java.util.List<String> drainWrites() throws InterruptedException {
        java.util.List<String> writes = new java.util.ArrayList<>();
        io.fabric8.mockwebserver.http.RecordedRequest r;
        while ((r = server.takeRequest(50, TimeUnit.MILLISECONDS)) != null) {
            if (!"GET".equals(r.getMethod())) {
                // the body too, so that an unexpected write says what it changed
                String body = r.getBody() == null ? "" : r.getBody().readUtf8();
                writes.add(r.getMethod() + " " + r.getPath() + (body.isEmpty() ? "" : " " + body));
            }
        }
        return writes;
    }

    @Override
    public void close() {
        stopOperator();
        store.close();
        etcdClient.close();
        etcd.close();
    }
}
