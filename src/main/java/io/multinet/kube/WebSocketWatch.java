package io.multinet.kube;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * A watch over a WebSocket (RFC 6455), as the fabric8 client and kubectl make them: the API server
 * sends one event per message. Read on the caller's thread, frame by frame, from the connection the
 * handshake upgraded; the client's own frames (pong, close) are masked as the RFC requires.
 */
public final class WebSocketWatch implements AutoCloseable {

    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final HttpConnection connection;
    private volatile boolean closed;

    private WebSocketWatch(HttpConnection connection) {
        this.connection = connection;
    }

    /**
     * The handshake on a fresh connection; a refusal is the server's answer as a
     * {@link KubeApiException} (its status and message).
     *
     * @param headers name, value, name, value, … (authorization, origin)
     */
    static WebSocketWatch open(HttpConnection c, String target, List<String> headers, int timeoutMs) throws IOException {
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        String key = Base64.getEncoder().encodeToString(nonce);
        List<String> all = new java.util.ArrayList<>(headers);
        all.addAll(List.of("Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Key", key, "Sec-WebSocket-Version", "13"));
        try {
            c.setTimeout(timeoutMs);
            c.send("GET", target, all, null);
            HttpConnection.Response r = c.readResponse(false);
            if (r.status() != 101) {
                throw new KubeApiException(r.status(), "GET " + target + ": " + KubeApi.message(r.status(), refusal(c, r)));
            }
            if (!accept(key).equals(r.headers().get("sec-websocket-accept"))) {
                throw new IOException("GET " + target + ": the server's WebSocket handshake does not answer ours");
            }
            return new WebSocketWatch(c);
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** The body of a refused handshake (a Status document), or nothing when it cannot be read. */
    private static String refusal(HttpConnection c, HttpConnection.Response head) {
        try {
            return new String(c.body(head.headers()), StandardCharsets.UTF_8);
        } catch (IOException | NumberFormatException e) {
            return "";
        }
    }

    static String accept(String key) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest((key + ACCEPT_GUID).getBytes(StandardCharsets.ISO_8859_1));
            return Base64.getEncoder().encodeToString(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is part of every JDK", e);
        }
    }

    /**
     * The next event's JSON, blocking until there is one; null at the end (the server closed the
     * watch, or close() did), or after idle with nothing at all (a connection that died without a
     * close: the server would have ended the watch by then, so the caller resumes it).
     */
    public String next(Duration idle) throws IOException {
        if (closed) {
            return null;
        }
        try {
            connection.setTimeout((int) Math.min(idle.toMillis(), Integer.MAX_VALUE));
            ByteArrayOutputStream message = null;
            while (true) {
                int b0 = connection.in.read();
                if (b0 < 0) {
                    close();
                    return null;
                }
                boolean fin = (b0 & 0x80) != 0;
                int opcode = b0 & 0x0F;
                byte[] payload = payload();
                switch (opcode) {
                    case 0x1, 0x2 -> {
                        message = new ByteArrayOutputStream(payload.length);
                        message.write(payload);
                    }
                    case 0x0 -> {
                        if (message == null) {
                            throw new IOException("a WebSocket continuation without a message");
                        }
                        message.write(payload);
                    }
                    case 0x8 -> {
                        frame(0x8, payload.length >= 2 ? new byte[] { payload[0], payload[1] } : new byte[0]);
                        close();
                        return null;
                    }
                    case 0x9 -> {
                        frame(0xA, payload);
                        continue;
                    }
                    case 0xA -> {
                        continue;
                    }
                    default -> throw new IOException("an unknown WebSocket frame (opcode " + opcode + ")");
                }
                if (message.size() > HttpConnection.MAX_BODY) {
                    throw new IOException("a watch event over " + (HttpConnection.MAX_BODY >> 20) + " MiB");
                }
                if (fin) {
                    return message.toString(StandardCharsets.UTF_8);
                }
            }
        } catch (SocketTimeoutException e) {
            close();
            return null;
        } catch (IOException e) {
            if (closed) {
                return null;
            }
            close();
            throw e;
        }
    }

    private byte[] payload() throws IOException {
        int b1 = connection.in.read();
        if (b1 < 0) {
            throw new EOFException("the watch's connection ended within a frame");
        }
        long len = b1 & 0x7F;
        if (len == 126) {
            byte[] l = connection.exactly(2);
            len = ((l[0] & 0xFF) << 8) | (l[1] & 0xFF);
        } else if (len == 127) {
            byte[] l = connection.exactly(8);
            len = 0;
            for (byte x : l) {
                len = (len << 8) | (x & 0xFF);
            }
        }
        if (len < 0 || len > HttpConnection.MAX_BODY) {
            throw new IOException("a WebSocket frame of " + len + " bytes");
        }
        byte[] mask = (b1 & 0x80) != 0 ? connection.exactly(4) : null;
        byte[] p = connection.exactly((int) len);
        if (mask != null) {
            for (int i = 0; i < p.length; i++) {
                p[i] ^= mask[i & 3];
            }
        }
        return p;
    }

    /** A client frame: final, masked with a fresh key (small: pong and close only). */
    private synchronized void frame(int opcode, byte[] payload) throws IOException {
        byte[] mask = new byte[4];
        RANDOM.nextBytes(mask);
        byte[] f = new byte[2 + 4 + payload.length];
        f[0] = (byte) (0x80 | opcode);
        f[1] = (byte) (0x80 | payload.length); // control frames carry at most 125 bytes
        System.arraycopy(mask, 0, f, 2, 4);
        for (int i = 0; i < payload.length; i++) {
            f[6 + i] = (byte) (payload[i] ^ mask[i & 3]);
        }
        connection.out.write(f);
        connection.out.flush();
    }

    /** Ends the watch; a next() blocked in another thread returns null. */
    @Override
    public void close() {
        closed = true;
        connection.close();
    }
}
