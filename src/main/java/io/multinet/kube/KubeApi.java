package io.multinet.kube;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The Kubernetes API as the node daemon uses it: a handful of GET, POST, PUT and PATCH requests of
 * JSON documents, and watches. On the JDK's HTTP client and Jackson's tree model on purpose: the
 * node role runs on every node, and a full client (its typed model, its HTTP stack) more than
 * doubled the daemon's memory (docs/benchmarks.md). The operator keeps the fabric8 client.
 */
public final class KubeApi {

    static final ObjectMapper JSON = io.multinet.Json.MAPPER;
    /** Where kubelet mounts a pod's ServiceAccount credentials. */
    static final Path SERVICE_ACCOUNT = Path.of("/var/run/secrets/kubernetes.io/serviceaccount");
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final URI server;
    private final HttpClient http;
    private final Path tokenFile;
    private volatile String token;
    private volatile long tokenReadAt;

    KubeApi(URI server, SSLContext tls, Path tokenFile) {
        this.server = server;
        this.tokenFile = tokenFile;
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
                // one small thread pool instead of the client's default cached one: watches are read on our own threads
                .executor(Executors.newFixedThreadPool(2, io.multinet.Threads.daemon("kube-api-http")));
        if (tls != null) {
            b.sslContext(tls);
        }
        this.http = b.build();
    }

    /**
     * In a pod: the API server from the service environment kubelet sets, the ServiceAccount's token
     * and CA. With a URL (tests, the demo, the benchmarks): that server, without credentials.
     */
    public static KubeApi connect(Optional<String> url) {
        try {
            if (url.isPresent()) {
                URI u = URI.create(url.get().endsWith("/") ? url.get().substring(0, url.get().length() - 1) : url.get());
                // a test server over plain HTTP: no TLS at all, and not the JDK's default context, whose
                // trust store (every public CA) would be parsed and kept for nothing
                return new KubeApi(u, u.getScheme().equals("http") ? trustingNothing() : null, null);
            }
            String host = System.getenv("KUBERNETES_SERVICE_HOST");
            String port = System.getenv("KUBERNETES_SERVICE_PORT");
            if (host == null || port == null) {
                throw new IllegalStateException("not in a pod (KUBERNETES_SERVICE_HOST/PORT unset) and multinet.node.api-server-url is not set");
            }
            String h = host.contains(":") ? "[" + host + "]" : host;
            return new KubeApi(URI.create("https://" + h + ":" + port), trustingCa(SERVICE_ACCOUNT.resolve("ca.crt")),
                    SERVICE_ACCOUNT.resolve("token"));
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up the connection to the API server: " + e.getMessage(), e);
        }
    }

    /** TLS trusting the CAs of this PEM file alone: the ServiceAccount's, never every public CA. */
    private static SSLContext trustingCa(Path caFile) throws IOException, java.security.GeneralSecurityException {
        KeyStore ks = emptyKeyStore();
        try (InputStream in = Files.newInputStream(caFile)) {
            int i = 0;
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                ks.setCertificateEntry("ca-" + i++, c);
            }
        }
        return trusting(ks);
    }

    private static SSLContext trustingNothing() throws IOException, java.security.GeneralSecurityException {
        return trusting(emptyKeyStore());
    }

    private static KeyStore emptyKeyStore() throws IOException, java.security.GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        return ks;
    }

    private static SSLContext trusting(KeyStore trusted) throws java.security.GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
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
        return send(request(path).GET(), path, true);
    }

    public JsonNode post(String path, JsonNode body) {
        return send(request(path).POST(json(body)).header("Content-Type", "application/json"), path, false);
    }

    public JsonNode put(String path, JsonNode body) {
        return send(request(path).PUT(json(body)).header("Content-Type", "application/json"), path, false);
    }

    /** A JSON merge patch (RFC 7386). */
    public JsonNode mergePatch(String path, JsonNode patch) {
        return send(request(path).method("PATCH", json(patch)).header("Content-Type", "application/merge-patch+json"), path, false);
    }

    /**
     * A watch over a WebSocket, as the fabric8 client makes them (the API server serves both; the
     * test server only this): one event per message.
     */
    public Watch watch(String path) throws IOException, InterruptedException {
        Watch w = new Watch();
        String ws = server.toString().replaceFirst("^http", "ws") + path;
        // the API server's WebSocket handshake (golang.org/x/net/websocket) refuses a request without an Origin with 403
        java.net.http.WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10)).header("Origin", server.toString());
        String t = token();
        if (t != null) {
            b.header("Authorization", "Bearer " + t);
        }
        try {
            w.socket = b.buildAsync(URI.create(ws), w).get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof java.net.http.WebSocketHandshakeException h) {
                int code = h.getResponse().statusCode();
                Object body = h.getResponse().body();
                throw new KubeApiException(code, "GET " + path + ": " + message(code, body instanceof String str ? str : ""));
            }
            throw new IOException("GET " + path + ": " + e.getCause(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IOException("GET " + path + ": no answer in 30 s");
        }
        return w;
    }

    /** The events of one watch, in order; next() is null once the server or close() has ended it. */
    public static final class Watch implements java.net.http.WebSocket.Listener, AutoCloseable {
        private static final String END = new String("end");
        private final java.util.concurrent.BlockingQueue<String> events = new java.util.concurrent.LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();
        private volatile java.net.http.WebSocket socket;
        private volatile Throwable error;

        /**
         * The next event's JSON, blocking until there is one; null at the end, or after idle with
         * nothing at all (a connection that died without a close: the server would have ended the
         * watch by then, so the caller resumes it).
         */
        public String next(Duration idle) throws IOException, InterruptedException {
            String e = events.poll(idle.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            if (e == null) {
                close();
                return null;
            }
            if (e == END) {
                events.add(END);
                if (error != null) {
                    throw new IOException(error.toString(), error);
                }
                return null;
            }
            return e;
        }

        @Override
        public java.util.concurrent.CompletionStage<?> onText(java.net.http.WebSocket ws, CharSequence data, boolean last) {
            message(ws, data, last);
            return null;
        }

        @Override
        public java.util.concurrent.CompletionStage<?> onBinary(java.net.http.WebSocket ws, java.nio.ByteBuffer data, boolean last) {
            message(ws, StandardCharsets.UTF_8.decode(data), last);
            return null;
        }

        private synchronized void message(java.net.http.WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                events.add(partial.toString());
                partial.setLength(0);
            }
            ws.request(1);
        }

        @Override
        public java.util.concurrent.CompletionStage<?> onClose(java.net.http.WebSocket ws, int statusCode, String reason) {
            events.add(END);
            return null;
        }

        @Override
        public void onError(java.net.http.WebSocket ws, Throwable e) {
            error = e;
            events.add(END);
        }

        @Override
        public void close() {
            java.net.http.WebSocket s = socket;
            if (s != null) {
                s.abort();
            }
            events.add(END);
        }
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server + path)).timeout(REQUEST_TIMEOUT).header("Accept", "application/json");
        String t = token();
        if (t != null) {
            b.header("Authorization", "Bearer " + t);
        }
        return b;
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

    private static HttpRequest.BodyPublisher json(JsonNode body) {
        return HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8);
    }

    private JsonNode send(HttpRequest.Builder b, String path, boolean absentIsNull) {
        HttpRequest req = b.build();
        HttpResponse<String> r;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new KubeApiException(0, req.method() + " " + path + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KubeApiException(0, req.method() + " " + path + ": interrupted");
        }
        if (r.statusCode() == 404 && absentIsNull) {
            return null;
        }
        if (r.statusCode() / 100 != 2) {
            throw new KubeApiException(r.statusCode(), req.method() + " " + path + ": " + message(r.statusCode(), r.body()));
        }
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new KubeApiException(r.statusCode(), req.method() + " " + path + ": the answer is not JSON: " + e.getMessage());
        }
    }

    /** The API server's Status message when there is one, else the HTTP status. */
    static String message(int status, String body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n != null && n.hasNonNull("message")) {
                return n.get("message").asText() + " (" + status + ")";
            }
        } catch (IOException ignored) {
            // not a Status document: the code says enough
        }
        return "HTTP " + status;
    }
}
