package io.multinet.delegator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.jboss.logging.Logger;


import io.multinet.Json;
import io.multinet.cni.CniException;
import io.multinet.cni.CniVersions;

/**
 * The routes of the delegator's unix socket: POST /cni (the shim's requests: CNI variables as
 * headers, the config as body), GET /healthz and /readyz. Every failure is a CNI error document in
 * the request's cniVersion, so the shim can print it as it is.
 */
final class CniEndpoint {

    private static final Logger LOG = Logger.getLogger(CniEndpoint.class);
    private static final Map<String, String> JSON_TYPE = Map.of("Content-Type", "application/json");

    private final Delegator delegator;
    private final NodeReadiness readiness;

    CniEndpoint(Delegator delegator, NodeReadiness readiness) {
        this.delegator = delegator;
        this.readiness = readiness;
    }

    SocketServer.Response serve(SocketServer.Request r) {
        if (r.method().equals("GET") && r.path().equals("/healthz")) {
            return SocketServer.Response.text(200, "ok");
        }
        if (r.method().equals("GET") && r.path().equals("/readyz")) {
            return readiness.ready() ? SocketServer.Response.text(200, "ready") : SocketServer.Response.text(503, readiness.reason());
        }
        if (!(r.method().equals("POST") && r.path().equals("/cni"))) {
            return SocketServer.Response.text(404, "not found");
        }
        Map<String, String> h = r.headers();
        CniRequest req = new CniRequest(h.get("x-cni-command"), h.get("x-cni-containerid"), h.get("x-cni-netns"), h.get("x-cni-ifname"),
                h.get("x-cni-args"), r.body());
        try {
            return new SocketServer.Response(200, JSON_TYPE, delegator.handle(req));
        } catch (CniException e) {
            return error(e, r.body());
        } catch (RuntimeException e) {
            LOG.errorf(e, "CNI %s of %s failed unexpectedly", req.command(), req.containerId());
            return error(new CniException(CniException.IO_FAILURE, "multinet delegator failed: " + e), r.body());
        }
    }

    private static SocketServer.Response error(CniException e, byte[] body) {
        return new SocketServer.Response(400, JSON_TYPE, Json.bytes(e.toJson(requestedVersion(body))));
    }

    private static String requestedVersion(byte[] body) {
        try {
            String v = Json.parse(body).path("cniVersion").asText("");
            return CniVersions.SUPPORTED.contains(v) ? v : CniVersions.LATEST;
        } catch (IOException e) {
            return CniVersions.LATEST;
        }
    }
}
