package io.multinet.kube;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import io.multinet.Json;

/**
 * The Kubernetes API as the node daemon uses it: a handful of GET, POST, PUT and PATCH requests of
 * JSON documents, and watches. On HTTP/1.1 connections of its own (kept and reused, at most
 * {@link #MAX_IDLE} idle) and Jackson trees on purpose: the node role runs on every node, and a full
 * client (its typed model, its HTTP stack) more than doubled the daemon's memory, the JDK's HTTP
 * client alone was about 200 classes and a selector thread (docs/benchmarks.md). The operator keeps
 * the fabric8 client.
 */
public final class KubeApi {

    /** Where kubelet mounts a pod's ServiceAccount credentials. */
    static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");
    private static final int REQUEST_TIMEOUT_MS = 30_000;
    private static final int CONNECT_TIMEOUT_MS = 10_000;
    /** Idle connections kept for the next request; the daemon's requests come one or two at a time. */
    static final int MAX_IDLE = 2;
    /** An idle connection older than this is closed instead of reused: the API server may have dropped it. */
    private static final long IDLE_NANOS = Duration.ofSeconds(30).toNanos();

    private final URI server;
    private final SSLSocketFactory tls;
    private final Path tokenFile;
    private final ArrayDeque<HttpConnection> idle = new ArrayDeque<>();
    private volatile String token;
    private volatile long tokenReadAt;

    KubeApi(URI server, SSLSocketFactory tls, Path tokenFile) {
        this.server = server;
        this.tls = tls;
        this.tokenFile = tokenFile;
    }

    /**
     * In a pod: the API server from the service environment kubelet sets, the ServiceAccount's token
     * and CA. With a URL (tests, the demo, the benchmarks): that server, without credentials, trusting
     * the CAs of caFile if given, else the JDK's.
     */
    public static KubeApi connect(Optional<String> url, Optional<Path> caFile) {
        try {
            if (url.isPresent()) {
                URI u = URI.create(url.get().endsWith("/") ? url.get().substring(0, url.get().length() - 1) : url.get());
                if (!u.getScheme().equals("http") && !u.getScheme().equals("https")) {
                    throw new IllegalArgumentException("the API server URL " + url.get() + " is neither http nor https");
                }
                // plain HTTP: no TLS at all, whose trust store (every public CA) would be parsed and kept for nothing
                SSLSocketFactory tls = u.getScheme().equals("http") ? null
                        : caFile.isPresent() ? trustingCa(caFile.get()) : SSLContext.getDefault().getSocketFactory();
                return new KubeApi(u, tls, null);
            }
            String host = System.getenv("KUBERNETES_SERVICE_HOST");
            String port = System.getenv("KUBERNETES_SERVICE_PORT");
            if (host == null || port == null) {
                throw new IllegalStateException("not in a pod (KUBERNETES_SERVICE_HOST/PORT unset) and multinet.node.api-server-url is not set");
            }
            String h = host.contains(":") ? "[" + host + "]" : host;
            return new KubeApi(URI.create("https://" + h + ":" + port), trustingCa(caFile.orElse(SERVICE_ACCOUNT.resolve("ca.crt"))),
                    SERVICE_ACCOUNT.resolve("token"));
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up the connection to the API server: " + e.getMessage(), e);
        }
    }

    /** TLS trusting the CAs of this PEM file alone: the ServiceAccount's, never every public CA. */
    private static SSLSocketFactory trustingCa(Path caFile) throws IOException, java.security.GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        try (InputStream in = Files.newInputStream(caFile)) {
            int i = 0;
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("ca-" + i++, c);
            }
        }
        if (ks.size() == 0) {
            throw new IOException("no certificate in " + caFile);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx.getSocketFactory();
    }

    /** A path with its query, each value encoded. pairs: name, value, name, value, … (null values left out). */
    public static String path(String base, String... pairs) {
        StringBuilder sb = new StringBuilder(base);
        char sep = '?';
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                sb.append(sep).append(pairs[i]).append('=').append(URLEncoder.encode(pairs[i + 1], StandardCharsets.UTF_8));
                sep = '&';
            }
        }
        return sb.toString();
    }

    /** The object at path, or null when it does not exist. */
    public JsonNode get(String path) {
        return send("GET", path, null, null, true);
    }

    public JsonNode post(String path, JsonNode body) {
        return send("POST", path, body, "application/json", false);
    }

    public JsonNode put(String path, JsonNode body) {
        return send("PUT", path, body, "application/json", false);
    }

    /** A JSON merge patch (RFC 7386). */
    public JsonNode mergePatch(String path, JsonNode patch) {
        return send("PATCH", path, patch, "application/merge-patch+json", false);
    }

    /**
     * A watch over a WebSocket, as the fabric8 client makes them (the API server serves both a
     * WebSocket and a streamed answer; fabric8's mock server, the tests' API server, only this), on
     * a connection of its own.
     */
    public WebSocketWatch watch(String path) throws IOException {
        List<String> headers = new ArrayList<>();
        // the API server's WebSocket handshake (golang.org/x/net/websocket) refuses a request without an Origin with 403
        headers.addAll(List.of("Origin", server.toString()));
        authorization(headers);
        return WebSocketWatch.open(HttpConnection.open(server, tls, CONNECT_TIMEOUT_MS), server.getRawPath() + path, headers, REQUEST_TIMEOUT_MS);
    }

    private void authorization(List<String> headers) {
        String t = token();
        if (t != null) {
            headers.add("Authorization");
            headers.add("Bearer " + t);
        }
    }

    private JsonNode send(String method, String path, JsonNode body, String contentType, boolean absentIsNull) {
        List<String> headers = new ArrayList<>(List.of("Accept", "application/json"));
        if (contentType != null) {
            headers.addAll(List.of("Content-Type", contentType));
        }
        authorization(headers);
        byte[] content = body == null ? null : Json.bytes(body);
        HttpConnection.Response r = exchange(method, server.getRawPath() + path, headers, content);
        if (r.status() == 404 && absentIsNull) {
            return null;
        }
        if (r.status() / 100 != 2) {
            throw new KubeApiException(r.status(), method + " " + path + ": " + message(r.status(), r.text()));
        }
        try {
            return Json.parse(r.body());
        } catch (IOException e) {
            throw new KubeApiException(r.status(), method + " " + path + ": the answer is not JSON: " + e.getMessage());
        }
    }

    /**
     * One request on an idle connection or a new one. A kept connection the server has closed
     * meanwhile fails before any answer: the request goes once more on a new connection, except a
     * POST, which may have been served (an event recorded twice is worse than one lost).
     */
    private HttpConnection.Response exchange(String method, String target, List<String> headers, byte[] body) {
        for (int attempt = 0;; attempt++) {
            HttpConnection c = takeIdle();
            boolean reused = c != null;
            try {
                if (c == null) {
                    c = HttpConnection.open(server, tls, CONNECT_TIMEOUT_MS);
                }
                HttpConnection.Response r = c.exchange(method, target, headers, body, REQUEST_TIMEOUT_MS);
                release(c);
                return r;
            } catch (IOException e) {
                if (c != null) {
                    c.close();
                }
                if (reused && attempt == 0 && e instanceof HttpConnection.NoResponse && !method.equals("POST")) {
                    continue;
                }
                throw new KubeApiException(0, method + " " + target + ": " + e);
            }
        }
    }

    private synchronized HttpConnection takeIdle() {
        long now = System.nanoTime();
        for (HttpConnection c = idle.pollFirst(); c != null; c = idle.pollFirst()) {
            if (now - c.idleSince < IDLE_NANOS && c.reusable()) {
                return c;
            }
            c.close();
        }
        return null;
    }

    private void release(HttpConnection c) {
        if (!c.reusable()) {
            c.close();
            return;
        }
        synchronized (this) {
            if (idle.size() < MAX_IDLE) {
                idle.addFirst(c);
                return;
            }
        }
        c.close();
    }

    /** Closes the idle connections (watches end with their informers). */
    public synchronized void close() {
        for (HttpConnection c = idle.pollFirst(); c != null; c = idle.pollFirst()) {
            c.close();
        }
    }

    /** The ServiceAccount token, read again every minute: kubelet rotates it in place. */
    private String token() {
        if (tokenFile == null) {
            return null;
        }
        long now = System.nanoTime();
        if (token == null || now - tokenReadAt > Duration.ofMinutes(1).toNanos()) {
            try {
                token = Files.readString(tokenFile).strip();
                tokenReadAt = now;
            } catch (IOException e) {
                throw new KubeApiException(0, "cannot read the ServiceAccount token " + tokenFile + ": " + e.getMessage());
            }
        }
        return token;
    }

    /** The API server's Status message when there is one, else the HTTP status. */
    static String message(int status, String body) {
        try {
            JsonNode n = Json.parse(body);
            if (n != null && n.hasNonNull("message")) {
                return n.get("message").asText() + " (" + status + ")";
            }
        } catch (IOException ignored) {
            // not a Status document: the code says enough
        }
        return "HTTP " + status;
    }
}
