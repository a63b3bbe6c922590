package io.multinet.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The real etcd binary on free loopback ports, data under target/. It can be stopped and started
 * again in the middle of a test with its data kept, for fault tests.
 */
public final class EtcdServer implements AutoCloseable {

    private final Path dataDir;
    private final Path log;
    private final int clientPort;
    private final int peerPort;
    private Process process;
    private Tls tls;

    /** PEM files of a test CA, a server certificate for 127.0.0.1 and a client certificate (PKCS#8 key). */
    public record Tls(Path ca, Path serverCert, Path serverKey, Path clientCert, Path clientKey) {
    }

    /** etcd that serves only TLS with client certificates, as a production etcd does. */
    public static EtcdServer startedWithTls() {
        EtcdServer s = new EtcdServer();
        s.tls = makeCertificates(s.dataDir.getParent().resolve(s.dataDir.getFileName() + "-tls"));
        s.start();
        return s;
    }

    public Tls tls() {
        return tls;
    }

    static Tls makeCertificates(Path dir) {
        try {
            Files.createDirectories(dir);
            String d = dir.toString();
            Path ext = dir.resolve("server.ext");
            Files.writeString(ext, "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
            Path clientExt = dir.resolve("client.ext");
            Files.writeString(clientExt, "extendedKeyUsage=clientAuth\n");
            for (List<String> cmd : List.of(
                    List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=multinet-test-ca",
                            "-keyout", d + "/ca.key", "-out", d + "/ca.crt"),
                    List.of("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", d + "/server.key",
                            "-out", d + "/server.csr"),
                    List.of("openssl", "x509", "-req", "-in", d + "/server.csr", "-CA", d + "/ca.crt", "-CAkey", d + "/ca.key",
                            "-CAcreateserial", "-days", "1", "-extfile", ext.toString(), "-out", d + "/server.crt"),
                    List.of("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=multinet", "-keyout", d + "/client.key",
                            "-out", d + "/client.csr"),
                    List.of("openssl", "x509", "-req", "-in", d + "/client.csr", "-CA", d + "/ca.crt", "-CAkey", d + "/ca.key",
                            "-CAcreateserial", "-days", "1", "-extfile", clientExt.toString(), "-out", d + "/client.crt"),
                    List.of("openssl", "pkcs8", "-topk8", "-nocrypt", "-in", d + "/client.key", "-out", d + "/client.pk8"))) {
                NetnsFixture.run(cmd);
            }
            return new Tls(dir.resolve("ca.crt"), dir.resolve("server.crt"), dir.resolve("server.key"), dir.resolve("client.crt"),
                    dir.resolve("client.pk8"));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public EtcdServer() {
        String id = UUID.randomUUID().toString().substring(0, 8);
        this.dataDir = Path.of("target", "etcd", id).toAbsolutePath();
        this.log = Path.of("target", "etcd", id + ".log").toAbsolutePath();
        this.clientPort = Loopback.freePort();
        this.peerPort = Loopback.freePort();
    }

    /** Starts etcd and returns once it answers /health. */
    public static EtcdServer started() {
        EtcdServer s = new EtcdServer();
        s.start();
        return s;
    }

    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            Files.createDirectories(dataDir.getParent());
            String client = endpoint();
            String peer = "http://127.0.0.1:" + peerPort;
            List<String> cmd = new java.util.ArrayList<>(List.of("etcd", "--name", "test", "--data-dir", dataDir.toString(),
                    "--listen-client-urls", client, "--advertise-client-urls", client,
                    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                    "--initial-cluster", "test=" + peer, "--logger", "zap", "--log-outputs", "stderr"));
            if (tls != null) {
                cmd.addAll(List.of("--cert-file", tls.serverCert().toString(), "--key-file", tls.serverKey().toString(),
                        "--trusted-ca-file", tls.ca().toString(), "--client-cert-auth"));
            }
            process = new ProcessBuilder(cmd)
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start etcd (is the etcd-server package installed?)", e);
        }
        awaitHealthy();
    }

    /** Stops etcd; its data stays for the next start(). */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    public boolean running() {
        return process != null && process.isAlive();
    }

    public String endpoint() {
        return (tls != null ? "https" : "http") + "://127.0.0.1:" + clientPort;
    }

    @Override
    public void close() {
        stop();
        deleteTree(dataDir);
        if (tls != null) {
            deleteTree(tls.ca().getParent());
        }
    }

    private void awaitHealthy() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("etcd exited with " + process.exitValue() + "; see " + log);
            }
            if (tls != null) {
                try {
                    NetnsFixture.run(List.of("curl", "-sf", "--cacert", tls.ca().toString(), "--cert", tls.clientCert().toString(),
                            "--key", tls.clientKey().toString(), endpoint() + "/health"));
                    return;
                } catch (IllegalStateException notYet) {
                    sleep(100);
                    continue;
                }
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(endpoint() + "/health"))
                        .timeout(Duration.ofSeconds(1)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"true\"")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            sleep(100);
        }
        throw new IllegalStateException("etcd did not become healthy in 30 s; see " + log);
    }

    /** Every key in an etcd with its value, ordered by key. */
    public static Map<String, String> keys(io.etcd.jetcd.Client client) {
        Map<String, String> out = new java.util.TreeMap<>();
        try {
            client.getKVClient().get(bytes("\0"), io.etcd.jetcd.options.GetOption.builder().withRange(bytes("\u00ff")).build())
                    .get(10, TimeUnit.SECONDS).getKvs().forEach(kv -> out.put(kv.getKey().toString(java.nio.charset.StandardCharsets.UTF_8),
                            kv.getValue().toString(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException("cannot list etcd keys", e);
        }
        return out;
    }

    private static io.etcd.jetcd.ByteSequence bytes(String s) {
        return io.etcd.jetcd.ByteSequence.from(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
