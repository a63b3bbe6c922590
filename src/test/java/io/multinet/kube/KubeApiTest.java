package io.multinet.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.multinet.Json;

/**
 * The node daemon's HTTP/1.1 and WebSocket client, against a server on loopback that answers byte by
 * byte as scripted: kept connections, chunked answers, the API server's errors, a kept connection
 * the server closed, TLS with the CA given and the server's address checked, and watch frames.
 */
class KubeApiTest {

    /** What one accepted connection does: reads requests from in, answers on out. */
    interface Script {
        void serve(int connection, InputStream in, OutputStream out) throws Exception;
    }

    ServerSocket listener;
    final AtomicInteger connections = new AtomicInteger();
    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<Throwable> serverErrors = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws IOException {
        if (listener != null) {
            listener.close();
        }
        assertThat(serverErrors).as("the scripted server's own failures").isEmpty();
    }

    URI serve(ServerSocket s, Script script) {
        listener = s;
        Thread t = new Thread(() -> {
            while (!s.isClosed()) {
                try {
                    Socket c = s.accept();
                    int n = connections.incrementAndGet();
                    Thread h = new Thread(() -> {
                        try (c) {
                            script.serve(n, c.getInputStream(), c.getOutputStream());
                        } catch (Exception e) {
                            if (!(e instanceof IOException)) {
                                serverErrors.add(e);
                            }
                        }
                    });
                    h.setDaemon(true);
                    h.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return URI.create((s instanceof SSLServerSocket ? "https" : "http") + "://127.0.0.1:" + s.getLocalPort());
    }

    URI serve(Script script) throws IOException {
        return serve(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), script);
    }

    /** The request head and body (by Content-Length) from in; null at the end of the connection. */
    String request(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            head.write(c);
            if (head.size() >= 4 && head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                break;
            }
        }
        if (head.size() == 0) {
            return null;
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        int length = h.lines().filter(l -> l.toLowerCase().startsWith("content-length:")).map(l -> Integer.parseInt(l.substring(15).trim()))
                .findFirst().orElse(0);
        String r = h + new String(in.readNBytes(length), StandardCharsets.UTF_8);
        requests.add(r);
        return r;
    }

    static void answer(OutputStream out, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 " + status + " X\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.write(b);
        out.flush();
    }

    static KubeApi client(URI server) {
        return KubeApi.connect(Optional.of(server.toString()), Optional.empty());
    }

    @Test
    void requestsShareOneKeptConnection() throws Exception {
        URI u = serve((n, in, out) -> {
            for (String r = request(in); r != null; r = request(in)) {
                answer(out, 200, "{\"n\":" + requests.size() + "}");
            }
        });
        KubeApi api = client(u);
        assertThat(api.get("/api/v1/namespaces/a/pods/b").path("n").asInt()).isEqualTo(1);
        assertThat(api.mergePatch("/api/v1/namespaces/a/pods/b", Json.object().put("x", "é")).path("n").asInt()).isEqualTo(2);
        assertThat(api.put("/x", Json.object()).path("n").asInt()).isEqualTo(3);
        assertThat(connections.get()).as("one connection for all three").isEqualTo(1);
        assertThat(requests.get(0)).startsWith("GET /api/v1/namespaces/a/pods/b HTTP/1.1\r\n").contains("\r\nHost: 127.0.0.1:" + u.getPort() + "\r\n")
                .contains("\r\nAccept: application/json\r\n").doesNotContain("Authorization");
        assertThat(requests.get(1)).startsWith("PATCH ").contains("\r\nContent-Type: application/merge-patch+json\r\n")
                .contains("\r\nContent-Length: 10\r\n").endsWith("\r\n\r\n{\"x\":\"é\"}");
        api.close();
    }

    @Test
    void readsChunkedAnswersAndAnswersThatEndWithTheConnection() throws Exception {
        URI u = serve((n, in, out) -> {
            String r = request(in);
            if (r.startsWith("GET /chunked")) {
                out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n3;ext=1\r\n[1,\r\n3\r\n2]}\r\n0\r\n\r\n"
                        .getBytes(StandardCharsets.ISO_8859_1));
            } else {
                out.write("HTTP/1.0 200 OK\r\n\r\n{\"until\":\"closed\"}".getBytes(StandardCharsets.ISO_8859_1));
                out.close();
            }
            out.flush();
            String again = request(in);
            if (again != null) {
                answer(out, 200, "{\"again\":true}");
            }
        });
        KubeApi api = client(u);
        assertThat(Json.write(api.get("/chunked"))).isEqualTo("{\"a\":[1,2]}");
        assertThat(api.get("/chunked-again").path("again").asBoolean()).as("the chunked answer left the connection usable").isTrue();
        assertThat(Json.write(api.get("/closing"))).isEqualTo("{\"until\":\"closed\"}");
        assertThat(connections.get()).isEqualTo(2);
    }

    @Test
    void notFoundIsAbsentAndOtherErrorsCarryTheServersMessage() throws Exception {
        URI u = serve((n, in, out) -> {
            for (String r = request(in); r != null; r = request(in)) {
                if (r.startsWith("GET")) {
                    answer(out, 404, "{\"kind\":\"Status\",\"message\":\"pods \\\"b\\\" not found\",\"code\":404}");
                } else if (r.startsWith("PUT")) {
                    answer(out, 409, "not a status");
                } else {
                    answer(out, 422, "{\"kind\":\"Status\",\"message\":\"metadata.name: Invalid value\",\"code\":422}");
                }
            }
        });
        KubeApi api = client(u);
        assertThat(api.get("/api/v1/namespaces/a/pods/b")).isNull();
        assertThatThrownBy(() -> api.post("/api/v1/namespaces/a/events", Json.object())).isInstanceOf(KubeApiException.class)
                .hasMessage("POST /api/v1/namespaces/a/events: metadata.name: Invalid value (422)").extracting(e -> ((KubeApiException) e).code())
                .isEqualTo(422);
        assertThatThrownBy(() -> api.put("/x", Json.object())).hasMessage("PUT /x: HTTP 409");
    }

    @Test
    void aKeptConnectionTheServerClosedIsReplacedOnceExceptForAPost() throws Exception {
        // every connection answers one request and closes without saying so, as an API server dropping an idle connection
        URI u = serve((n, in, out) -> {
            String r = request(in);
            answer(out, 200, "{\"connection\":" + n + "}");
        });
        KubeApi api = client(u);
        assertThat(api.get("/a").path("connection").asInt()).isEqualTo(1);
        Thread.sleep(100); // the server has closed its end
        assertThat(api.get("/b").path("connection").asInt()).as("sent again on a new connection").isEqualTo(2);
        Thread.sleep(100);
        assertThatThrownBy(() -> api.post("/events", Json.object())).as("a POST may have been served: not sent twice")
                .isInstanceOf(KubeApiException.class).hasMessageContaining("POST /events");
        assertThat(requests.stream().filter(r -> r.startsWith("POST")).count()).isZero();
        assertThat(api.post("/events", Json.object()).path("connection").asInt()).as("the next one gets a new connection").isEqualTo(3);
    }

    @Test
    void noServerIsAClearError() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        KubeApi api = client(URI.create("http://127.0.0.1:" + port));
        assertThatThrownBy(() -> api.get("/x")).isInstanceOf(KubeApiException.class).hasMessageStartingWith("GET /x: java.net.ConnectException");
        assertThatThrownBy(() -> KubeApi.connect(Optional.of("ftp://127.0.0.1"), Optional.empty())).hasMessageContaining("neither http nor https");
    }

    /** A key pair and a certificate for these subject alternative names (keytool's -ext san=…), and the certificate as PEM. */
    static SSLContext serverTls(Path dir, String san, Path pem) throws Exception {
        Path ks = dir.resolve(san.replaceAll("\\W", "_") + ".p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(keytool, "-genkeypair", "-alias", "api", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=kube-apiserver", "-ext", "san=" + san,
                "-validity", "2", "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", "changeit");
        run(keytool, "-exportcert", "-rfc", "-alias", "api", "-keystore", ks.toString(), "-storepass", "changeit", "-file", pem.toString());
        KeyStore k = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            k.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(k, "changeit".toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
    }

    @Test
    void tlsTrustsTheGivenCaForTheServersAddress(@TempDir Path dir) throws Exception {
        Path ca = dir.resolve("ca.crt");
        SSLContext tls = serverTls(dir, "ip:127.0.0.1", ca);
        URI u = serve(tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress()), (n, in, out) -> {
            for (String r = request(in); r != null; r = request(in)) {
                answer(out, 200, "{\"tls\":true}");
            }
        });
        KubeApi api = KubeApi.connect(Optional.of(u.toString()), Optional.of(ca));
        assertThat(api.get("/version").path("tls").asBoolean()).isTrue();
        assertThat(api.get("/version").path("tls").asBoolean()).isTrue();
        assertThat(connections.get()).as("one handshake for both").isEqualTo(1);
        assertThatThrownBy(() -> client(u).get("/version")).as("the JDK's CAs do not know this one").isInstanceOf(KubeApiException.class)
                .hasMessageContaining("SSLHandshakeException");
        assertThatThrownBy(() -> KubeApi.connect(Optional.of(u.toString()), Optional.of(dir.resolve("missing.crt"))))
                .hasMessageContaining("missing.crt");
    }

    @Test
    void tlsRefusesACertificateForAnotherName(@TempDir Path dir) throws Exception {
        Path ca = dir.resolve("ca.crt");
        SSLContext tls = serverTls(dir, "dns:elsewhere.example", ca);
        URI u = serve(tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress()), (n, in, out) -> {
            request(in);
            answer(out, 200, "{}");
        });
        assertThatThrownBy(() -> KubeApi.connect(Optional.of(u.toString()), Optional.of(ca)).get("/version")).isInstanceOf(KubeApiException.class)
                .hasMessageContaining("127.0.0.1");
    }

    /** The server's side of a WebSocket frame: unmasked. */
    static void frame(OutputStream out, boolean fin, int opcode, byte[] payload) throws IOException {
        out.write((fin ? 0x80 : 0) | opcode);
        if (payload.length < 126) {
            out.write(payload.length);
        } else {
            out.write(126);
            out.write(payload.length >> 8);
            out.write(payload.length & 0xFF);
        }
        out.write(payload);
        out.flush();
    }

    /** A client frame (masked, as the RFC requires): opcode and unmasked payload. */
    static byte[][] clientFrame(InputStream in) throws IOException {
        int b0 = in.read();
        int b1 = in.read();
        assertThat(b1 & 0x80).as("client frames are masked").isEqualTo(0x80);
        byte[] mask = in.readNBytes(4);
        byte[] p = in.readNBytes(b1 & 0x7F);
        for (int i = 0; i < p.length; i++) {
            p[i] ^= mask[i & 3];
        }
        return new byte[][] { { (byte) (b0 & 0x0F) }, p };
    }

    @Test
    void aWatchReadsEventsAcrossFramesAnswersPingsAndEndsOnClose() throws Exception {
        List<byte[][]> fromClient = new CopyOnWriteArrayList<>();
        String big = "{\"type\":\"ADDED\",\"object\":{\"pad\":\"" + "x".repeat(300) + "\"}}";
        URI u = serve((n, in, out) -> {
            String r = request(in);
            String key = r.lines().filter(l -> l.startsWith("Sec-WebSocket-Key: ")).findFirst().orElseThrow().substring(19);
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                    + WebSocketWatch.accept(key) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            frame(out, true, 0x1, "{\"type\":\"ADDED\"}".getBytes(StandardCharsets.UTF_8));
            frame(out, false, 0x1, "{\"type\":".getBytes(StandardCharsets.UTF_8));
            frame(out, true, 0x9, "are you there".getBytes(StandardCharsets.UTF_8)); // a ping between the fragments
            frame(out, true, 0x0, "\"MODIFIED\"}".getBytes(StandardCharsets.UTF_8));
            frame(out, true, 0x2, big.getBytes(StandardCharsets.UTF_8));
            fromClient.add(clientFrame(in)); // the pong
            frame(out, true, 0x8, new byte[] { 0x03, (byte) 0xE8 }); // close, 1000
            fromClient.add(clientFrame(in)); // the close answered
        });
        KubeApi api = client(u);
        try (WebSocketWatch w = api.watch("/api/v1/pods?watch=true")) {
            assertThat(w.next(Duration.ofSeconds(10))).isEqualTo("{\"type\":\"ADDED\"}");
            assertThat(w.next(Duration.ofSeconds(10))).isEqualTo("{\"type\":\"MODIFIED\"}");
            assertThat(w.next(Duration.ofSeconds(10))).isEqualTo(big);
            assertThat(w.next(Duration.ofSeconds(10))).as("the server closed the watch").isNull();
            assertThat(w.next(Duration.ofSeconds(10))).as("and it stays ended").isNull();
        }
        assertThat(requests.get(0)).startsWith("GET /api/v1/pods?watch=true HTTP/1.1\r\n").contains("\r\nUpgrade: websocket\r\n")
                .contains("\r\nSec-WebSocket-Version: 13\r\n").contains("\r\nOrigin: " + u + "\r\n");
        for (int i = 0; i < 100 && fromClient.size() < 2; i++) {
            Thread.sleep(50); // the server reads the client's close after next() has returned
        }
        assertThat(fromClient).hasSize(2);
        assertThat(fromClient.get(0)[0][0]).as("pong").isEqualTo((byte) 0xA);
        assertThat(new String(fromClient.get(0)[1], StandardCharsets.UTF_8)).isEqualTo("are you there");
        assertThat(fromClient.get(1)[0][0]).as("close").isEqualTo((byte) 0x8);
        assertThat(fromClient.get(1)[1]).containsExactly(0x03, 0xE8);
    }

    @Test
    void aRefusedWatchIsTheServersAnswerAndASilentOneEndsAfterIdle() throws Exception {
        URI u = serve((n, in, out) -> {
            String r = request(in);
            if (r.startsWith("GET /forbidden")) {
                answer(out, 403, "{\"kind\":\"Status\",\"message\":\"pods is forbidden: User cannot watch\",\"code\":403}");
                return;
            }
            String key = r.lines().filter(l -> l.startsWith("Sec-WebSocket-Key: ")).findFirst().orElseThrow().substring(19);
            out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                    + (r.startsWith("GET /wrong") ? "bm90IHRoZSBhbnN3ZXI=" : WebSocketWatch.accept(key)) + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            Thread.sleep(5_000); // says nothing more
        });
        KubeApi api = client(u);
        assertThatThrownBy(() -> api.watch("/forbidden?watch=true")).isInstanceOf(KubeApiException.class)
                .hasMessage("GET /forbidden?watch=true: pods is forbidden: User cannot watch (403)");
        assertThatThrownBy(() -> api.watch("/wrong?watch=true")).isInstanceOf(IOException.class).hasMessageContaining("does not answer ours");
        try (WebSocketWatch w = api.watch("/silent?watch=true")) {
            assertThat(w.next(Duration.ofMillis(300))).as("nothing within the idle time: ended, for the caller to resume").isNull();
        }
        // close() from another thread ends a blocked next()
        WebSocketWatch w = api.watch("/silent?watch=true");
        List<Object> got = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try {
                got.add(String.valueOf(w.next(Duration.ofSeconds(30))));
            } catch (IOException e) {
                got.add(e);
            }
        });
        reader.start();
        Thread.sleep(200);
        w.close();
        reader.join(5_000);
        assertThat(got).containsExactly("null");
    }
}
