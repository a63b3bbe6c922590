package io.multinet.etcd;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;

/** FlannelStore over jetcd, one client per distinct target, each call bounded by a timeout. */
public class JetcdFlannelStore implements FlannelStore {

    private final Duration timeout;
    private final Map<EtcdTarget, Client> clients = new ConcurrentHashMap<>();

    public JetcdFlannelStore(Duration timeout) {
        this.timeout = timeout;
    }

    static ByteSequence bytes(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    @Override
    public Optional<String> get(EtcdTarget target, String key) {
        var kvs = await(target, "get " + key, client(target).getKVClient().get(bytes(key))).getKvs();
        return kvs.isEmpty() ? Optional.empty() : Optional.of(kvs.get(0).getValue().toString(StandardCharsets.UTF_8));
    }

    @Override
    public void put(EtcdTarget target, String key, String value) {
        await(target, "put " + key, client(target).getKVClient().put(bytes(key), bytes(value)));
    }

    @Override
    public Map<String, String> list(EtcdTarget target, String keyPrefix) {
        requireRange(keyPrefix);
        var response = await(target, "list " + keyPrefix, client(target).getKVClient().get(bytes(keyPrefix),
                GetOption.builder().isPrefix(true).withSortField(GetOption.SortTarget.KEY).build()));
        Map<String, String> out = new LinkedHashMap<>();
        for (KeyValue kv : response.getKvs()) {
            out.put(kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().toString(StandardCharsets.UTF_8));
        }
        return out;
    }

    @Override
    public RangeVersion version(EtcdTarget target, String keyPrefix) {
        requireRange(keyPrefix);
        var response = await(target, "version of " + keyPrefix, client(target).getKVClient().get(bytes(keyPrefix),
                GetOption.builder().isPrefix(true).withKeysOnly(true).withSortField(GetOption.SortTarget.MOD)
                        .withSortOrder(GetOption.SortOrder.DESCEND).withLimit(1).build()));
        // etcd counts every key of the range, whatever the limit
        return new RangeVersion(response.getCount(), response.getKvs().isEmpty() ? 0 : response.getKvs().get(0).getModRevision());
    }

    @Override
    /**
     * Deletes the keys under the prefix as they are now, each only if it has not been written since it
     * was read (a transaction comparing its mod revision): a delete that was decided, timed out and
     * is retried, or runs late, never removes a key that a new network wrote under the same prefix.
     */
    public long deletePrefix(EtcdTarget target, String keyPrefix) {
        requireRange(keyPrefix);
        var kv = client(target).getKVClient();
        var got = await(target, "list " + keyPrefix, kv.get(bytes(keyPrefix), io.etcd.jetcd.options.GetOption.builder().isPrefix(true)
                .withKeysOnly(true).build()));
        long deleted = 0;
        for (var k : got.getKvs()) {
            var txn = await(target, "delete " + k.getKey().toString(StandardCharsets.UTF_8), kv.txn()
                    .If(new io.etcd.jetcd.op.Cmp(k.getKey(), io.etcd.jetcd.op.Cmp.Op.EQUAL, io.etcd.jetcd.op.CmpTarget.modRevision(k.getModRevision())))
                    .Then(io.etcd.jetcd.op.Op.delete(k.getKey(), DeleteOption.DEFAULT)).commit());
            if (txn.isSucceeded()) {
                deleted++;
            }
        }
        return deleted;
    }

    /** A range must end with '/', so that deleting network /a/b can never reach /a/bc. */
    private static void requireRange(String keyPrefix) {
        if (!keyPrefix.endsWith("/") || keyPrefix.length() < 3) {
            throw new IllegalArgumentException("etcd range must be a key path ending in '/': " + keyPrefix);
        }
    }

    private Client client(EtcdTarget target) {
        return clients.computeIfAbsent(target, JetcdFlannelStore::build);
    }

    private static Client build(EtcdTarget t) {
        ClientBuilder b = Client.builder().endpoints(t.endpoints().toArray(String[]::new))
                .connectTimeout(Duration.ofSeconds(3)).retryMaxDuration(Duration.ofSeconds(3));
        if (t.username() != null) {
            b.user(bytes(t.username())).password(bytes(t.password() == null ? "" : t.password()));
        }
        if (t.tls() != null) {
            try {
                b.sslContext(ssl -> ssl.trustManager(pem(t.tls().caPem()))
                        .keyManager(pem(t.tls().certPem()), pem(t.tls().keyPem())));
            } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
                throw new EtcdUnavailableException("etcd TLS material is not usable (ca.crt, tls.crt, PKCS#8 tls.key): "
                        + e.getClass().getSimpleName(), e);
            }
        }
        return b.build();
    }

    private static ByteArrayInputStream pem(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
    }

    private <T> T await(EtcdTarget target, String what, CompletableFuture<T> f) {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new EtcdUnavailableException("etcd " + target + ": " + what + " timed out after " + timeout.toSeconds() + "s", e);
        } catch (ExecutionException e) {
            throw new EtcdUnavailableException("etcd " + target + ": " + what + " failed: " + rootMessage(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EtcdUnavailableException("interrupted during etcd " + what, e);
        }
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** Drops the client of a target no network uses any more. */
    public void forget(EtcdTarget target) {
        Client c = clients.remove(target);
        if (c != null) {
            c.close();
        }
    }

    @Override
    public void close() {
        clients.values().forEach(Client::close);
        clients.clear();
    }
}
