package io.multinet.kube;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;

import io.multinet.Json;

/**
 * A cache of one kind of object kept current by list and watch, as client-go's informers do: list,
 * then watch from the list's resourceVersion; a watch that ends is resumed from the last version
 * seen, one the server no longer has (410 Gone) starts over with a list. Objects are kept only as
 * the converter reduces them, so the cache holds what the daemon reads and nothing else.
 */
public final class Informer<T> implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Informer.class);
    /** The server ends a watch after this long; it is then resumed (client-go uses 5–10 minutes). */
    static final int WATCH_SECONDS = 300;

    private final KubeApi api;
    private final String path;
    private final String fieldSelector;
    private final Function<JsonNode, T> convert;
    private final Map<String, T> store = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean synced;
    private volatile boolean running = true;
    private volatile WebSocketWatch current;

    /**
     * @param path the collection, e.g. /api/v1/pods
     * @param fieldSelector null for all
     */
    public Informer(KubeApi api, String name, String path, String fieldSelector, Function<JsonNode, T> convert) {
        this.api = api;
        this.path = path;
        this.fieldSelector = fieldSelector;
        this.convert = convert;
        this.thread = new Thread(this::run, "informer-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    public boolean hasSynced() {
        return synced;
    }

    /** By namespace/name, or name for a cluster-scoped kind. */
    public Optional<T> get(String key) {
        return Optional.ofNullable(store.get(key));
    }

    public List<T> list() {
        return List.copyOf(store.values());
    }

    static String key(JsonNode obj) {
        JsonNode m = obj.path("metadata");
        String ns = m.path("namespace").asText("");
        return ns.isEmpty() ? m.path("name").asText() : ns + "/" + m.path("name").asText();
    }

    private void run() {
        long backoffMs = 500;
        String version = null;
        while (running) {
            try {
                if (version == null) {
                    version = relist();
                    synced = true;
                }
                version = watch(version);
                backoffMs = 500;
            } catch (KubeApiException e) {
                if (!running) {
                    return;
                }
                // as client-go's reflector: a watch refused is followed by a fresh list, so the cache never goes
                // stale; at once for 410 Gone (the server has compacted past the version), else after a backoff
                version = null;
                if (e.code() != 410) {
                    backoffMs = retryAfter(backoffMs, path + ": " + e.getMessage() + "; listing again");
                }
            } catch (IOException | RuntimeException e) {
                if (!running) {
                    return;
                }
                backoffMs = retryAfter(backoffMs, "watch of " + path + " ended: " + e + "; resuming");
            }
        }
    }

    /** Lists in pages and replaces the store; returns the list's resourceVersion. */
    private String relist() {
        Map<String, T> fresh = new java.util.HashMap<>();
        String cont = null;
        String version;
        do {
            JsonNode page = api.get(KubeApi.path(path, "fieldSelector", fieldSelector, "limit", "500", "continue", cont));
            if (page == null) {
                throw new KubeApiException(404, "GET " + path + ": not served (is the CRD installed?)");
            }
            for (JsonNode item : page.path("items")) {
                fresh.put(key(item), convert.apply(item));
            }
            version = page.path("metadata").path("resourceVersion").asText(null);
            cont = page.path("metadata").path("continue").asText("");
            cont = cont.isEmpty() ? null : cont;
        } while (cont != null);
        store.keySet().retainAll(fresh.keySet());
        store.putAll(fresh);
        return version;
    }

    /** Applies events until the server ends the watch; returns the last resourceVersion seen. */
    private String watch(String version) throws IOException {
        try (WebSocketWatch events = api.watch(KubeApi.path(path, "fieldSelector", fieldSelector, "watch", "true", "resourceVersion", version,
                "allowWatchBookmarks", "true", "timeoutSeconds", String.valueOf(WATCH_SECONDS)))) {
            current = events;
            Duration idle = Duration.ofSeconds(WATCH_SECONDS + 60);
            for (String line = events.next(idle); running && line != null; line = events.next(idle)) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode event = Json.parse(line);
                String type = event.path("type").asText();
                JsonNode obj = event.path("object");
                if (type.equals("ERROR")) {
                    int code = obj.path("code").asInt(500);
                    throw new KubeApiException(code, "watch of " + path + ": " + obj.path("message").asText("error"));
                }
                String rv = obj.path("metadata").path("resourceVersion").asText(null);
                if (rv != null) {
                    version = rv;
                }
                switch (type) {
                    case "ADDED", "MODIFIED" -> store.put(key(obj), convert.apply(obj));
                    case "DELETED" -> store.remove(key(obj));
                    default -> {
                        // BOOKMARK: only the version moves
                    }
                }
            }
        } finally {
            current = null;
        }
        return version;
    }

    /** Logs why, waits the backoff, and returns the next one (doubling, at most 30 s). */
    private static long retryAfter(long backoffMs, String why) {
        LOG.warnf("%s in %d ms", why, backoffMs);
        try {
            Thread.sleep(backoffMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Math.min(backoffMs * 2, 30_000);
    }

    @Override
    public void close() {
        running = false;
        WebSocketWatch w = current;
        if (w != null) {
            w.close();
        }
        thread.interrupt();
    }
}
