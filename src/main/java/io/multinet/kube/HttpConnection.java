package io.multinet.kube;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * One HTTP/1.1 connection to the API server, plain or TLS: a request, its whole response, and the
 * connection kept for the next one unless the server closes it. What the node daemon asks of the
 * API server is a handful of small JSON requests and a few long watches, one at a time per
 * connection; the JDK's HTTP client (an asynchronous stack with a selector thread, its own pools
 * and about 200 classes) was more machinery than that needs on every node (issue 20).
 *
 * <p>Not thread-safe: one caller at a time ({@link KubeApi} pools them).
 */
final class HttpConnection implements AutoCloseable {

    /** Larger answers are refused: the daemon reads small objects and pages of at most 500. */
    static final int MAX_BODY = 64 << 20;
    private static final int MAX_LINE = 64 << 10;

    /** A response: its status, headers (names in lower case) and body. */
    record Response(int status, Map<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** The connection failed before any byte of a response was read: a request on a reused connection may be sent again. */
    static final class NoResponse extends IOException {
        NoResponse(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Socket socket;
    private final String hostHeader;
    final InputStream in;
    final OutputStream out;
    private boolean reusable = true;
    /** When the connection last finished an exchange (System.nanoTime). */
    long idleSince = System.nanoTime();

    private HttpConnection(Socket socket, String hostHeader) throws IOException {
        this.socket = socket;
        this.hostHeader = hostHeader;
        this.in = new BufferedInputStream(socket.getInputStream(), 16 << 10);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 8 << 10);
    }

    /**
     * Connects to the server of this URI (http or https), verifying for TLS that its certificate is
     * for that host name or address, as every HTTPS client does.
     */
    static HttpConnection open(URI server, SSLSocketFactory tls, int connectTimeoutMs) throws IOException {
        String host = server.getHost();
        String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        boolean https = server.getScheme().equals("https");
        int port = server.getPort() != -1 ? server.getPort() : https ? 443 : 80;
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(bare, port), connectTimeoutMs);
            s.setTcpNoDelay(true);
            if (https) {
                if (tls == null) {
                    throw new IOException("https without a TLS configuration");
                }
                SSLSocket ssl = (SSLSocket) tls.createSocket(s, bare, port, true);
                SSLParameters p = ssl.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                ssl.setSSLParameters(p);
                ssl.setSoTimeout(connectTimeoutMs);
                ssl.startHandshake();
                s = ssl;
            }
            return new HttpConnection(s, host + ":" + port);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    boolean reusable() {
        return reusable && !socket.isClosed();
    }

    /** Sends the request head (and body) without reading anything. headers: name, value, name, value, … */
    void send(String method, String target, List<String> headers, byte[] body) throws IOException {
        StringBuilder head = new StringBuilder(256).append(method).append(' ').append(target).append(" HTTP/1.1\r\nHost: ").append(hostHeader)
                .append("\r\n");
        for (int i = 0; i + 1 < headers.size(); i += 2) {
            head.append(headers.get(i)).append(": ").append(headers.get(i + 1)).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Length: ").append(body.length).append("\r\n");
        }
        out.write(head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            out.write(body);
        }
        out.flush();
    }

    /** One exchange: the request, then its whole response, within timeoutMs of silence. */
    Response exchange(String method, String target, List<String> headers, byte[] body, int timeoutMs) throws IOException {
        try {
            socket.setSoTimeout(timeoutMs);
            send(method, target, headers, body);
        } catch (IOException e) {
            // nothing was answered: a kept connection the server closed fails here (a broken pipe) or on the first read
            reusable = false;
            throw new NoResponse("the request could not be sent: " + e.getMessage(), e);
        }
        Response r = readResponse(!method.equals("HEAD"));
        idleSince = System.nanoTime();
        return r;
    }

    /** The status line and headers, then the body (when readBody and the status has one). */
    Response readResponse(boolean readBody) throws IOException {
        String status;
        try {
            status = line();
        } catch (IOException e) {
            reusable = false;
            throw new NoResponse("the connection ended before an answer: " + e.getMessage(), e);
        }
        if (status == null) {
            reusable = false;
            throw new NoResponse("the connection ended before an answer", null);
        }
        int code = statusCode(status);
        Map<String, String> headers = new HashMap<>();
        for (String h = line(); h != null && !h.isEmpty(); h = line()) {
            int colon = h.indexOf(':');
            if (colon > 0) {
                headers.merge(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim(), (a, b) -> a + ", " + b);
            }
        }
        if ("close".equalsIgnoreCase(headers.get("connection")) || status.startsWith("HTTP/1.0")) {
            reusable = false;
        }
        if (!readBody || code / 100 == 1 || code == 204 || code == 304) {
            return new Response(code, headers, new byte[0]);
        }
        return new Response(code, headers, body(headers));
    }

    /** The body of an answer whose head (headers, names in lower case) was read: by its chunks, its length, or to the end. */
    byte[] body(Map<String, String> headers) throws IOException {
        String te = headers.get("transfer-encoding");
        if (te != null && te.toLowerCase(Locale.ROOT).contains("chunked")) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            while (true) {
                String size = line();
                if (size == null) {
                    throw new EOFException("the connection ended within a chunked answer");
                }
                int semi = size.indexOf(';');
                long n = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (n == 0) {
                    for (String trailer = line(); trailer != null && !trailer.isEmpty(); trailer = line()) {
                        // trailers: none that matter here
                    }
                    return b.toByteArray();
                }
                if (b.size() + n > MAX_BODY) {
                    throw new IOException("an answer over " + (MAX_BODY >> 20) + " MiB");
                }
                b.write(exactly((int) n));
                line(); // the CRLF after the chunk
            }
        }
        String length = headers.get("content-length");
        if (length != null) {
            long n = Long.parseLong(length.trim());
            if (n > MAX_BODY) {
                throw new IOException("an answer of " + n + " bytes");
            }
            return exactly((int) n);
        }
        // neither: the body ends with the connection
        reusable = false;
        byte[] all = in.readNBytes(MAX_BODY + 1);
        if (all.length > MAX_BODY) {
            throw new IOException("an answer over " + (MAX_BODY >> 20) + " MiB");
        }
        return all;
    }

    byte[] exactly(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            reusable = false;
            throw new EOFException("the connection ended " + (n - b.length) + " bytes before the end of the answer");
        }
        return b;
    }

    /** A CRLF- (or LF-) ended line in ISO-8859-1, without its end; null at the end of the stream before any byte. */
    private String line() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        while (true) {
            int c = in.read();
            if (c < 0) {
                reusable = false;
                if (sb.length() == 0) {
                    return null;
                }
                throw new EOFException("the connection ended within a line");
            }
            if (c == '\n') {
                int end = sb.length();
                return end > 0 && sb.charAt(end - 1) == '\r' ? sb.substring(0, end - 1) : sb.toString();
            }
            if (sb.length() >= MAX_LINE) {
                throw new IOException("a header line over " + MAX_LINE + " bytes");
            }
            sb.append((char) c);
        }
    }

    static int statusCode(String statusLine) throws IOException {
        // HTTP/1.1 200 OK
        int sp = statusLine.indexOf(' ');
        if (!statusLine.startsWith("HTTP/") || sp < 0 || statusLine.length() < sp + 4) {
            throw new IOException("not an HTTP answer: " + (statusLine.length() > 80 ? statusLine.substring(0, 80) : statusLine));
        }
        try {
            return Integer.parseInt(statusLine.substring(sp + 1, sp + 4));
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP status: " + statusLine);
        }
    }

    void setTimeout(int ms) throws IOException {
        socket.setSoTimeout(ms);
    }

    @Override
    public void close() {
        reusable = false;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing: nothing left to do with it
        }
    }
}
