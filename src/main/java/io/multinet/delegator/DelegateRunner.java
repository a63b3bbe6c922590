package io.multinet.delegator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.multinet.Json;
import io.multinet.cni.CniException;
import io.multinet.cni.CniVersions;
import io.multinet.cni.PluginRunner;
import io.multinet.flannel.FlannelCni;
import io.multinet.flannel.SubnetEnv;

/**
 * Runs one attachment's plugin chain for a command, as libcni would: each plugin of a conflist in
 * order (in reverse for DEL) with the previous result, its runtimeConfig restricted to the
 * capabilities it declares; the flannel plugin's contract is carried out here (its delegate config
 * from the subnet file, kept in dataDir for DEL).
 */
final class DelegateRunner {


    /** What one run of a plugin chain needs to know about the call it belongs to. */
    record Call(String command, String containerId, String netns, String cniArgs) {
    }

    private final PluginRunner runner;
    private final DelegatorMetrics metrics;
    private final String ipamDataDir;

    DelegateRunner(PluginRunner runner, DelegatorMetrics metrics, String ipamDataDir) {
        this.runner = runner;
        this.metrics = metrics;
        this.ipamDataDir = ipamDataDir;
    }

    /** Runs the attachment's chain; returns the last plugin's result (ADD) or null. */
    JsonNode run(Call call, Attachment a, JsonNode prevResult) {
        List<ObjectNode> plugins = plugins(a.conf());
        if (call.command().equals("DEL")) {
            Collections.reverse(plugins);
        }
        JsonNode prev = prevResult;
        JsonNode last = null;
        for (ObjectNode p : plugins) {
            if (prev != null && (call.command().equals("ADD") || plugins.size() > 1 || call.command().equals("CHECK"))) {
                p.set("prevResult", CniVersions.convert(prev, p.path("cniVersion").asText()));
            }
            byte[] out = runPlugin(call, a.ifname(), p);
            if (call.command().equals("ADD")) {
                last = parseResult(out, p.path("type").asText());
                prev = last;
            }
        }
        return last;
    }

    /**
     * The plugin configs of an attachment, each with name, cniVersion, its capabilities' runtime
     * config and the selection's cni-args merged into args.cni: the annotation wins per key, the
     * NAD's other args stay (multi-net spec 4.1.2.1.6.2).
     */
    static List<ObjectNode> plugins(ObjectNode conf) {
        List<ObjectNode> out = new ArrayList<>();
        JsonNode runtime = conf.get(NadConfigs.RUNTIME_CONFIG);
        JsonNode cniArgs = conf.get(NadConfigs.CNI_ARGS);
        List<JsonNode> raw = new ArrayList<>();
        if (conf.has("plugins")) {
            conf.get("plugins").forEach(raw::add);
        } else {
            raw.add(conf);
        }
        for (JsonNode r : raw) {
            ObjectNode p = r.deepCopy();
            p.remove(NadConfigs.RUNTIME_CONFIG);
            p.remove(NadConfigs.CNI_ARGS);
            p.remove("plugins");
            p.put("name", conf.path("name").asText());
            p.put("cniVersion", conf.path("cniVersion").asText());
            if (runtime != null) {
                ObjectNode rc = Json.object();
                JsonNode caps = p.path("capabilities");
                runtime.fields().forEachRemaining(e -> {
                    // flannel passes runtimeConfig on to its delegate, which declares its own capabilities
                    if (caps.path(e.getKey()).asBoolean(false) || "flannel".equals(p.path("type").asText())) {
                        rc.set(e.getKey(), e.getValue());
                    }
                });
                if (!rc.isEmpty()) {
                    p.set("runtimeConfig", rc);
                }
            }
            if (cniArgs != null) {
                ObjectNode args = p.get("args") instanceof ObjectNode a ? a : p.putObject("args");
                ObjectNode cni = args.get("cni") instanceof ObjectNode c ? c : args.putObject("cni");
                cniArgs.fields().forEachRemaining(e -> cni.set(e.getKey(), e.getValue()));
            }
            out.add(p);
        }
        return out;
    }

    private byte[] runPlugin(Call call, String ifname, ObjectNode p) {
        String type = p.path("type").asText();
        if (type.equals("flannel")) {
            return runFlannel(call, ifname, p);
        }
        Map<String, String> env = new HashMap<>();
        env.put("CNI_COMMAND", call.command());
        env.put("CNI_CONTAINERID", call.containerId());
        env.put("CNI_NETNS", call.netns() == null ? "" : call.netns());
        env.put("CNI_IFNAME", ifname);
        String args = call.cniArgs();
        env.put("CNI_ARGS", args == null || args.isEmpty() ? "IgnoreUnknown=true" : "IgnoreUnknown=true;" + args);
        return metrics.plugin(type, () -> runner.run(type, env, CniDocuments.bytes(p)));
    }

    /** Where the flannel contract keeps an attachment's delegate config between ADD and DEL. */
    static Path flannelSaved(ObjectNode plugin, String containerId, String ifname) {
        return Path.of(FlannelCni.dataDir(plugin), containerId + "-" + ifname);
    }

    private byte[] runFlannel(Call call, String ifname, ObjectNode p) {
        Path saved = flannelSaved(p, call.containerId(), ifname);
        ObjectNode delegate;
        if (call.command().equals("ADD")) {
            SubnetEnv env;
            String subnetFile = FlannelCni.subnetFile(p);
            try {
                env = SubnetEnv.read(Path.of(subnetFile));
            } catch (IOException e) {
                throw new CniException(CniException.TRY_AGAIN_LATER, "subnet file " + subnetFile + " is not there yet (is flanneld running?)");
            } catch (IllegalArgumentException e) {
                throw new CniException(CniException.INVALID_CONFIG, e.getMessage());
            }
            try {
                delegate = FlannelCni.delegate(p, env, ipamDataDir);
            } catch (IllegalArgumentException e) {
                throw new CniException(CniException.INVALID_CONFIG, "flannel config of " + p.path("name").asText() + ": " + e.getMessage());
            }
            AttachmentCache.writeAtomically(saved, CniDocuments.bytes(delegate));
        } else {
            if (!Files.exists(saved)) {
                // DEL of something never added, or already removed: nothing to do
                return new byte[0];
            }
            try {
                delegate = (ObjectNode) Json.parse(saved);
            } catch (IOException e) {
                throw new CniException(CniException.IO_FAILURE, "cannot read " + saved + ": " + e.getMessage());
            }
            if (p.has("prevResult")) {
                delegate.set("prevResult", p.get("prevResult"));
            }
        }
        byte[] out = runPlugin(call, ifname, delegate);
        if (call.command().equals("DEL")) {
            try {
                Files.deleteIfExists(saved);
            } catch (IOException e) {
                throw new CniException(CniException.IO_FAILURE, "cannot remove " + saved + ": " + e.getMessage());
            }
        }
        return out;
    }

    private static JsonNode parseResult(byte[] out, String type) {
        try {
            JsonNode r = Json.parse(out);
            if (r == null || !r.isObject()) {
                throw new IOException("empty");
            }
            return r;
        } catch (IOException e) {
            throw new CniException(CniException.DECODE_FAILURE, "plugin '" + type + "' returned no valid result");
        }
    }
}
