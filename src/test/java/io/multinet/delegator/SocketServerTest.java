package io.multinet.delegator;

import static io.multinet.testing.OperatorHarness.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The CNI socket: its answers, and how much of a herd it takes in at once (issue 20). */
class SocketServerTest {

    Path dir;
    SocketServer server;

    @AfterEach
    void close() throws IOException {
        if (server != null) {
            server.close();
        }
        if (dir != null) {
            io.multinet.testing.EtcdServer.deleteTree(dir);
        }
    }

    @Test
    void aHerdWaitsOutsideTheDaemonBeyondItsBound() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger inHandler = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        dir = Files.createTempDirectory("multinet-socket");
        server = new SocketServer(dir.resolve("s/cni.sock"), 2, 3, SocketServer.WORKER_IDLE, req -> {
            mostAtOnce.accumulateAndGet(inHandler.incrementAndGet(), Math::max);
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inHandler.decrementAndGet();
            return SocketServer.Response.text(200, "served " + new String(req.body(), StandardCharsets.UTF_8));
        });
        List<CompletableFuture<String>> clients = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String body = "pod-" + i;
            clients.add(CompletableFuture.supplyAsync(() -> call(server.path(), "POST /cni HTTP/1.1\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)));
        }
        eventually("two requests in the handlers, a third accepted and waiting", () -> inHandler.get() == 2 && server.accepted() == 3);
        // the other five are connected (the listen backlog holds them) but not taken in
        assertThat(server.accepted()).isEqualTo(3);
        assertThat(clients).noneMatch(CompletableFuture::isDone);
        release.countDown();
        List<String> answers = clients.stream().map(c -> c.orTimeout(60, TimeUnit.SECONDS).join()).toList();
        for (int i = 0; i < 8; i++) {
            assertThat(answers.get(i)).startsWith("HTTP/1.1 200 OK").endsWith("served pod-" + i);
        }
        assertThat(mostAtOnce.get()).as("requests served at once").isEqualTo(2);
        eventually("nothing left accepted", () -> server.accepted() == 0);
    }

    @Test
    void aMalformedRequestIsRefusedAndCountsNoLonger() throws Exception {
        dir = Files.createTempDirectory("multinet-socket");
        server = new SocketServer(dir.resolve("s/cni.sock"), 1, req -> SocketServer.Response.text(200, "never"));
        assertThat(call(server.path(), "GARBAGE\r\n\r\n")).startsWith("HTTP/1.1 400 Error").endsWith("malformed request line");
        assertThat(call(server.path(), "POST /cni HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n")).startsWith("HTTP/1.1 400").endsWith("body too large");
        eventually("nothing left accepted", () -> server.accepted() == 0);
        assertThat(Files.getPosixFilePermissions(server.path())).as("root only")
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void idleWorkersEndAndTheQuietSpellIsSeen() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch inHandler = new CountDownLatch(1);
        dir = Files.createTempDirectory("multinet-socket");
        server = new SocketServer(dir.resolve("s/cni.sock"), 4, 8, java.time.Duration.ofMillis(200), req -> {
            if (new String(req.body(), StandardCharsets.UTF_8).equals("slow")) {
                inHandler.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return SocketServer.Response.text(200, "ok");
        });
        assertThat(server.workerThreads()).as("no worker before the first request").isZero();
        for (int i = 0; i < 3; i++) {
            assertThat(call(server.path(), "POST /cni HTTP/1.1\r\nContent-Length: 4\r\n\r\nfast")).startsWith("HTTP/1.1 200");
        }
        assertThat(server.workerThreads()).isPositive();
        eventually("idle workers ended", () -> server.workerThreads() == 0);
        long quiet = server.quietNanos(System.nanoTime());
        assertThat(quiet).as("quiet since the last answer").isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(200));

        CompletableFuture<String> slow = CompletableFuture.supplyAsync(() -> call(server.path(), "POST /cni HTTP/1.1\r\nContent-Length: 4\r\n\r\nslow"));
        assertThat(inHandler.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(server.quietNanos(System.nanoTime())).as("not quiet while a request is served").isZero();
        release.countDown();
        assertThat(slow.get(30, TimeUnit.SECONDS)).startsWith("HTTP/1.1 200");
        eventually("quiet again after the answer", () -> server.quietNanos(System.nanoTime()) > 0);
        assertThat(server.quietNanos(System.nanoTime())).as("the quiet spell starts at the last answer").isLessThan(quiet + TimeUnit.SECONDS.toNanos(30));
    }

    static String call(Path socket, String request) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
            return new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
