package io.multinet.etcd;

import java.util.Map;
import java.util.Optional;

/**
 * The etcd operations the operator needs for flannel networks. Every key it touches lies under
 * one network's prefix; callers pass "<prefix>/" for ranges so /a/b never reaches /a/bc.
 */
public interface FlannelStore extends AutoCloseable {

    Optional<String> get(EtcdTarget target, String key);

    void put(EtcdTarget target, String key, String value);

    /** Every key under keyPrefix with its value, ordered by key. */
    Map<String, String> list(EtcdTarget target, String keyPrefix);

    /**
     * What changes whenever a key under keyPrefix is written or removed: how many there are and the
     * newest one's mod revision (a removal lowers the count; any write, a removal followed by a write
     * included, raises the revision). One small request instead of listing thousands of leases.
     */
    RangeVersion version(EtcdTarget target, String keyPrefix);

    record RangeVersion(long count, long newestModRevision) {
    }

    /** Deletes every key under keyPrefix; returns how many. */
    long deletePrefix(EtcdTarget target, String keyPrefix);

    @Override
    void close();
}
