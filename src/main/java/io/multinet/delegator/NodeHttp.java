package io.multinet.delegator;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.multinet.Json;

/**
 * The node daemon's TCP port: health for kubelet's probes and metrics for Prometheus, at the paths
 * the operator role serves them (/q/health/ready, /q/health/live, /q/metrics), and nothing else.
 * CNI is served on the unix socket only (SocketServer); hostNetwork makes this port the node's.
 * The JDK's own server, on one thread: probes and scrapes are a few requests a minute.
 */
final class NodeHttp implements AutoCloseable {

    private final HttpServer server;
    private final NodeReadiness readiness;
    private final Prometheus metrics;

    NodeHttp(String host, int port, NodeReadiness readiness, Prometheus metrics) throws IOException {
        this.readiness = readiness;
        this.metrics = metrics;
        this.server = HttpServer.create(new InetSocketAddress(host, port), 16);
        server.createContext("/", this::handle);
        server.setExecutor(null);
        server.start();
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String path = x.getRequestURI().getPath();
            if (!x.getRequestMethod().equals("GET")) {
                respond(x, 404, "text/plain", "not found");
            } else if (path.equals("/q/metrics")) {
                respond(x, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
            } else if (path.equals("/q/health/ready") || path.equals("/q/health")) {
                boolean ready = readiness.ready();
                respond(x, ready ? 200 : 503, "application/json", health(ready, "multinet-node", readiness.reason()));
            } else if (path.equals("/q/health/live")) {
                // alive while it serves: the socket, the refresh and this port run in this process
                respond(x, 200, "application/json", health(true, "multinet-node-informers", null));
            } else {
                respond(x, 404, "text/plain", "not found");
            }
        }
    }

    /** The MicroProfile Health document the operator role serves too. */
    static String health(boolean up, String name, String reason) {
        ObjectNode doc = Json.object();
        doc.put("status", up ? "UP" : "DOWN");
        ObjectNode check = doc.putArray("checks").addObject();
        check.put("name", name).put("status", up ? "UP" : "DOWN");
        ObjectNode data = check.putObject("data").put("role", "node");
        if (reason != null) {
            data.put("reason", reason);
        }
        return Json.write(doc);
    }

    private static void respond(HttpExchange x, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", type);
        x.sendResponseHeaders(status, b.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
