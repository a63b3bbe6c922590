package io.multinet.delegator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import org.jboss.logging.Logger;

/**
 * HTTP/1.1 over the daemon's unix socket (root only, 0600): the only place CNI requests are
 * served. Kept apart from Quarkus' TCP listener on purpose, so no route can leak onto the network.
 * Plain JDK unix sockets: no native transport, nothing for a native image to miss.
 */
public class SocketServer implements AutoCloseable {

    /** One request: method, path, headers (lower-case names), body. */
    public record Request(String method, String path, Map<String, String> headers, byte[] body) {
    }

    public record Response(int status, Map<String, String> headers, byte[] body) {
        public static Response text(int status, String text) {
            return new Response(status, Map.of("Content-Type", "text/plain"), text.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static final Logger LOG = Logger.getLogger(SocketServer.class);
    private static final int MAX_BODY = 1 << 20;

    private final Path path;
    private final ServerSocketChannel server;
    /**
     * Connections taken in and not yet answered, at most: the workers' and those waiting for one (and
     * the one the acceptor holds until there is room). A herd beyond it (a node rebooted with hundreds of pods) waits in the socket's listen backlog and
     * then in the shims' connect, not in this heap (issue 20: Multus' daemon grows with concurrent
     * requests until it is OOM-killed).
     */
    static final int MAX_ACCEPTED = 512;
    /**
     * A worker idle this long ends: between bursts a node keeps no CNI threads (each costs its stack),
     * and the next burst starts them again in microseconds, next to a plugin exec's milliseconds.
     */
    static final java.time.Duration WORKER_IDLE = java.time.Duration.ofSeconds(30);

    private final java.util.concurrent.ThreadPoolExecutor workers;
    private final int maxAccepted;
    private final java.util.concurrent.Semaphore accepted;
    private final Thread acceptor;
    private volatile boolean running = true;
    /** System.nanoTime() when the last connection was answered, or when the server started. */
    private volatile long lastAnswered = System.nanoTime();

    /** @param threads requests served at once (the rest wait, see {@link #MAX_ACCEPTED}) */
    public SocketServer(Path path, int threads, Function<Request, Response> handler) throws IOException {
        this(path, threads, MAX_ACCEPTED, WORKER_IDLE, handler);
    }

    SocketServer(Path path, int threads, int maxAccepted, java.time.Duration workerIdle, Function<Request, Response> handler) throws IOException {
        this.path = path;
        this.maxAccepted = maxAccepted;
        this.accepted = new java.util.concurrent.Semaphore(maxAccepted);
        Files.createDirectories(path.getParent());
        Files.setPosixFilePermissions(path.getParent(), PosixFilePermissions.fromString("rwx------"));
        Files.deleteIfExists(path);
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        this.workers = new java.util.concurrent.ThreadPoolExecutor(threads, threads, workerIdle.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(), io.multinet.Threads.daemon("cni-worker"));
        workers.allowCoreThreadTimeOut(true);
        this.acceptor = new Thread(() -> accept(handler), "cni-socket");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public Path path() {
        return path;
    }

    /** Connections accepted and not yet answered. */
    int accepted() {
        return maxAccepted - accepted.availablePermits();
    }

    /** Worker threads alive now (they end after {@link #WORKER_IDLE} without work). */
    int workerThreads() {
        return workers.getPoolSize();
    }

    /**
     * How long no connection has been in the daemon (System.nanoTime() units), as of now; 0 while one
     * is being served or waits.
     */
    long quietNanos(long now) {
        return accepted() > 0 ? 0 : Math.max(0, now - lastAnswered);
    }

    private void accept(Function<Request, Response> handler) {
        while (running) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                if (running) {
                    LOG.warnf("accept on %s failed: %s", path, e.getMessage());
                }
                continue;
            }
            try {
                // with the bound reached, this one waits here and the next ones in the listen backlog
                accepted.acquire();
            } catch (InterruptedException e) {
                close(ch);
                return;
            }
            try {
                workers.execute(() -> {
                    try {
                        serve(ch, handler);
                    } finally {
                        lastAnswered = System.nanoTime(); // before the release: quiet is never seen before it is true
                        accepted.release();
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                accepted.release();
                close(ch); // the server is closing: the shim sees the connection end and reports it
            }
        }
    }

    private static void close(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing more to tell the client
        }
    }

    private static void serve(SocketChannel ch, Function<Request, Response> handler) {
        // buffered: the request is parsed byte by byte, and an unbuffered channel stream makes each byte a read(2)
        try (ch; InputStream in = new java.io.BufferedInputStream(Channels.newInputStream(ch), 8192);
                OutputStream out = Channels.newOutputStream(ch)) {
            Response response;
            try {
                response = handler.apply(read(in));
            } catch (IllegalArgumentException e) {
                response = Response.text(400, e.getMessage());
            }
            StringBuilder head = new StringBuilder("HTTP/1.1 ").append(response.status()).append(' ')
                    .append(response.status() == 200 ? "OK" : "Error").append("\r\n");
            response.headers().forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
            head.append("Content-Length: ").append(response.body().length).append("\r\nConnection: close\r\n\r\n");
            out.write(head.toString().getBytes(StandardCharsets.UTF_8));
            out.write(response.body());
            out.flush();
        } catch (IOException e) {
            LOG.debugf("client went away: %s", e.getMessage());
        }
    }

    static Request read(InputStream in) throws IOException {
        String requestLine = line(in);
        String[] parts = requestLine.split(" ");
        if (parts.length < 3) {
            throw new IllegalArgumentException("malformed request line");
        }
        Map<String, String> headers = new HashMap<>();
        for (String l = line(in); !l.isEmpty(); l = line(in)) {
            int colon = l.indexOf(':');
            if (colon > 0) {
                headers.put(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), l.substring(colon + 1).trim());
            }
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        if (length < 0 || length > MAX_BODY) {
            throw new IllegalArgumentException("body too large");
        }
        byte[] body = in.readNBytes(length);
        return new Request(parts[0], parts[1], headers, body);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (b.size() > 16384) {
                throw new IllegalArgumentException("header line too long");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        running = false;
        try {
            server.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warnf("closing %s: %s", path, e.getMessage());
        }
        workers.shutdown();
    }
}
