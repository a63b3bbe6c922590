package io.multinet.delegator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.Pod;
import io.multinet.NetworkNames;
import io.multinet.api.nad.NetworkAttachmentDefinition;
import io.multinet.api.v1alpha1.NetworkPlanner;
import io.multinet.cni.CniException;
import io.multinet.cni.CniVersions;
import io.multinet.cni.PluginRunner;
import io.multinet.flannel.FlannelCni;
import io.multinet.flannel.SubnetEnv;

/**
 * The CNI engine of the node daemon: ADD runs the default network (eth0) and then each selected
 * network, DEL undoes them from the cache, CHECK checks every attachment, GC removes what the
 * runtime no longer has. Multus' behaviour, with its known gaps closed: DEL errors are returned
 * (never swallowed), and a cache entry stays until every delegate is really gone.
 */
public class Delegator {

    /** Behaviour a cluster admin chooses (node settings). */
    public record Options(Path cacheDir, String ipamDataDir, boolean namespaceIsolation, List<String> globalNamespaces) {
    }

    private static final Logger LOG = Logger.getLogger(Delegator.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ClusterView cluster;
    private final PluginRunner runner;
    private final AttachmentCache cache;
    private final Options options;
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    /** Last ADD failure per network (CNI config name): message and time, for the node state. */
    private final Map<String, String[]> lastErrors = new ConcurrentHashMap<>();

    private final DelegatorMetrics metrics;

    public Delegator(ClusterView cluster, PluginRunner runner, Options options, DelegatorMetrics metrics) {
        this.cluster = cluster;
        this.runner = runner;
        this.options = options;
        this.cache = new AttachmentCache(options.cacheDir());
        this.metrics = metrics;
        cache.networks().forEach((id, networks) -> metrics.attached(id, networks.size()));
    }

    public DelegatorMetrics metrics() {
        return metrics;
    }

    public AttachmentCache cache() {
        return cache;
    }

    public Map<String, String[]> lastErrors() {
        return lastErrors;
    }

    /** Attachments currently cached, by the CNI config name of their network. */
    public Map<String, Integer> attachmentsByNetwork() {
        Map<String, Integer> out = new HashMap<>();
        cache.networks().values().forEach(networks -> networks.forEach(n -> out.merge(n, 1, Integer::sum)));
        return out;
    }

    /** Handles one request; returns what goes to the runtime's stdout on success. */
    public byte[] handle(CniRequest req) {
        String command = req.command() == null ? "" : req.command();
        String known = List.of("ADD", "DEL", "CHECK", "STATUS", "GC", "VERSION").contains(command) ? command : "other";
        return metrics.request(known, () -> dispatch(req, command));
    }

    private byte[] dispatch(CniRequest req, String command) {
        switch (command) {
            case "VERSION":
                return json(JSON.createObjectNode().put("cniVersion", CniVersions.LATEST)
                        .set("supportedVersions", JSON.valueToTree(CniVersions.SUPPORTED)));
            case "ADD", "DEL", "CHECK", "STATUS", "GC":
                break;
            default:
                throw new CniException(CniException.INVALID_ENV, "CNI_COMMAND '" + command + "' is not a CNI operation");
        }
        ObjectNode conf = parseConfig(req.config());
        String version = conf.path("cniVersion").asText(null);
        CniVersions.requireSupported(version);
        if (command.equals("STATUS")) {
            if (cluster.defaultNetwork().isEmpty()) {
                throw new CniException(CniException.NOT_AVAILABLE, "the default network is not ready on this node");
            }
            return new byte[0];
        }
        if (command.equals("GC")) {
            gc(conf);
            return new byte[0];
        }
        AttachmentCache.requireSafeId(req.containerId());
        synchronized (locks.computeIfAbsent(req.containerId(), k -> new Object())) {
            try {
                return switch (command) {
                    case "ADD" -> add(req, conf, version);
                    case "DEL" -> {
                        del(req.containerId(), req.netns());
                        yield new byte[0];
                    }
                    default -> {
                        check(req, version);
                        yield new byte[0];
                    }
                };
            } finally {
                locks.remove(req.containerId());
            }
        }
    }

    static ObjectNode parseConfig(byte[] config) {
        try {
            JsonNode n = JSON.readTree(config);
            if (!(n instanceof ObjectNode o)) {
                throw new CniException(CniException.DECODE_FAILURE, "the network configuration on stdin is not a JSON object");
            }
            return o;
        } catch (IOException e) {
            throw new CniException(CniException.DECODE_FAILURE, "the network configuration on stdin is not valid JSON: " + e.getMessage());
        }
    }

    // ---- ADD ---------------------------------------------------------------------------------

    private byte[] add(CniRequest req, ObjectNode conf, String version) {
        String problem = NetworkPlanner.ifnameProblem(req.ifname());
        if (problem != null) {
            throw new CniException(CniException.INVALID_ENV, "CNI_IFNAME " + problem);
        }
        if (req.netns() == null || req.netns().isEmpty() || !Files.exists(Path.of(req.netns()))) {
            throw new CniException(CniException.INVALID_ENV, "CNI_NETNS '" + req.netns() + "' is missing or does not exist");
        }
        if (cache.read(req.containerId()).isPresent()) {
            // a runtime retrying ADD: undo the earlier attempt first so nothing is attached twice
            del(req.containerId(), req.netns());
        }
        Map<String, String> args = req.argsMap();
        String podNs = args.get("K8S_POD_NAMESPACE");
        String podName = args.get("K8S_POD_NAME");
        ClusterView.DefaultNetwork def = cluster.defaultNetwork().orElseThrow(() -> new CniException(CniException.TRY_AGAIN_LATER,
                "the default network is not ready on this node yet"));
        Pod pod = podNs != null && podName != null ? cluster.pod(podNs, podName).orElseThrow(() -> new CniException(
                CniException.TRY_AGAIN_LATER, "pod " + podNs + "/" + podName + " is not known to the API server yet")) : null;

        List<ObjectNode> plan = new ArrayList<>();
        plan.add(attachment(def.name(), req.ifname(), true, def.conf()));
        List<NetworkSelection> selections = List.of();
        if (pod != null) {
            try {
                String annotation = pod.getMetadata().getAnnotations() == null ? null
                        : pod.getMetadata().getAnnotations().get(NetworkNames.NETWORKS_ANNOTATION);
                selections = NetworkSelection.parse(annotation, podNs);
                for (NetworkSelection s : selections) {
                    if (s.ifname().equals(req.ifname())) {
                        throw NetworkSelection.invalid("interface name '" + s.ifname() + "' is the default network's");
                    }
                    plan.add(attachment(s.namespace() + "/" + s.name(), s.ifname(), false, selectedConfig(s, podNs)));
                }
            } catch (CniException e) {
                cluster.reportFailure(podNs, podName, e.getMessage());
                throw e;
            }
        }
        ObjectNode entry = JSON.createObjectNode();
        entry.put("containerId", req.containerId());
        entry.put("netns", req.netns());
        entry.put("cniVersion", version);
        if (pod != null) {
            entry.put("podNamespace", podNs).put("podName", podName);
        }
        ArrayNode attachments = entry.putArray("attachments");
        plan.forEach(attachments::add);
        cache.write(req.containerId(), entry);

        for (int i = 0; i < plan.size(); i++) {
            ObjectNode a = plan.get(i);
            try {
                // the plan is already on disk, so a crash here still lets DEL undo everything; results follow once
                a.set("result", metrics.network("ADD", a.get("conf").path("name").asText(),
                        () -> runAttachment("ADD", req.containerId(), req.netns(), req.args(), a, null)));
            } catch (CniException e) {
                List<String> cleanupErrors = undo(req.containerId(), req.netns(), req.args(), plan.subList(0, i + 1));
                // A delegate whose DEL fails exactly as its ADD did (config it cannot load, binary missing,
                // the same crash) never got far enough to make anything: that is not left-over work.
                String failedAgain = "network " + a.get("network").asText() + " (" + a.get("ifname").asText() + "): " + e.getMessage();
                cleanupErrors.remove(failedAgain);
                if (cleanupErrors.isEmpty()) {
                    cache.delete(req.containerId());
                }
                String message = "network " + a.get("network").asText() + " (" + pluginNames(a.get("conf")) + ", interface "
                        + a.get("ifname").asText() + "): " + e.getMessage()
                        + (cleanupErrors.isEmpty() ? "" : "; cleanup left work for DEL: " + String.join("; ", cleanupErrors));
                if (pod != null) {
                    cluster.reportFailure(podNs, podName, message);
                }
                lastErrors.put(a.get("conf").path("name").asText(), new String[] { message,
                        java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString() });
                throw new CniException(e.code(), message);
            }
        }
        cache.write(req.containerId(), entry);
        metrics.attached(req.containerId(), plan.size());
        applyDefaultRoutes(req, selections);
        if (pod != null) {
            cluster.reportStatus(podNs, podName, networkStatus(plan));
        }
        return json(CniVersions.convert(plan.get(0).get("result"), version));
    }

    private static ObjectNode attachment(String network, String ifname, boolean isDefault, ObjectNode conf) {
        ObjectNode a = JSON.createObjectNode();
        a.put("network", network);
        a.put("ifname", ifname);
        a.put("default", isDefault);
        a.set("conf", conf);
        return a;
    }

    /** The NAD's config with the selection's runtime options, checked before anything runs. */
    private ObjectNode selectedConfig(NetworkSelection s, String podNs) {
        if (options.namespaceIsolation() && !s.namespace().equals(podNs) && !options.globalNamespaces().contains(s.namespace())) {
            throw new CniException(CniException.INVALID_SELECTION, "network " + s.namespace() + "/" + s.name()
                    + " is in another namespace and namespace isolation is on (global namespaces: " + options.globalNamespaces() + ")");
        }
        Optional<NetworkAttachmentDefinition> nad = cluster.nad(s.namespace(), s.name());
        if (nad.isEmpty()) {
            nadConfigs.remove(s.namespace() + "/" + s.name());
            throw new CniException(CniException.INVALID_SELECTION, "NetworkAttachmentDefinition " + s.namespace() + "/" + s.name() + " does not exist");
        }
        ObjectNode conf = nadConfig(nad.get()).deepCopy();
        ObjectNode runtime = JSON.createObjectNode();
        if (!s.ips().isEmpty()) {
            runtime.set("ips", JSON.valueToTree(s.ips()));
        }
        if (s.mac() != null) {
            runtime.put("mac", s.mac());
        }
        if (s.portMappings() != null) {
            runtime.set("portMappings", s.portMappings());
        }
        if (s.bandwidth() != null) {
            runtime.set("bandwidth", s.bandwidth());
        }
        if (!runtime.isEmpty()) {
            conf.set("multinetRuntimeConfig", runtime);
        }
        if (s.cniArgs() != null) {
            conf.set("multinetCniArgs", s.cniArgs());
        }
        return conf;
    }

    /** A NAD's parsed and checked config (or why it is unusable), for the resourceVersion it was read at. */
    private record ParsedNad(String resourceVersion, ObjectNode conf, CniException problem) {
    }

    /** Parsed once per change of a NAD, not on every ADD that selects it. */
    private final Map<String, ParsedNad> nadConfigs = new ConcurrentHashMap<>();

    /** The NAD's config, parsed and checked; shared, so callers copy it before changing it. */
    ObjectNode nadConfig(NetworkAttachmentDefinition nad) {
        String key = nad.getMetadata().getNamespace() + "/" + nad.getMetadata().getName();
        String version = nad.getMetadata().getResourceVersion();
        ParsedNad parsed = nadConfigs.get(key);
        if (parsed == null || version == null || !version.equals(parsed.resourceVersion())) {
            parsed = parseNad(nad, key);
            nadConfigs.put(key, parsed);
        }
        if (parsed.problem() != null) {
            throw new CniException(parsed.problem().code(), parsed.problem().getMessage());
        }
        return parsed.conf();
    }

    private static ParsedNad parseNad(NetworkAttachmentDefinition nad, String key) {
        String version = nad.getMetadata().getResourceVersion();
        String where = "NetworkAttachmentDefinition " + key;
        ObjectNode conf;
        try {
            JsonNode n = JSON.readTree(nad.getSpec() == null || nad.getSpec().config == null ? "" : nad.getSpec().config);
            if (!(n instanceof ObjectNode o)) {
                throw new IOException("not a JSON object");
            }
            conf = o;
        } catch (IOException e) {
            return new ParsedNad(version, null, new CniException(CniException.INVALID_CONFIG, where + " has an invalid spec.config: " + e.getMessage()));
        }
        if (!conf.has("name")) {
            conf.put("name", nad.getMetadata().getName());
        }
        try {
            CniVersions.requireSupported(conf.path("cniVersion").asText(null));
        } catch (CniException e) {
            return new ParsedNad(version, null, new CniException(CniException.INVALID_CONFIG, where + ": " + e.getMessage()));
        }
        String problem = null;
        if (conf.has("plugins")) {
            if (!conf.get("plugins").isArray() || conf.get("plugins").isEmpty()) {
                problem = "plugins must be a non-empty list";
            } else {
                for (JsonNode p : conf.get("plugins")) {
                    if (!p.path("type").isTextual()) {
                        problem = "a plugin has no type";
                    }
                }
            }
        } else if (!conf.path("type").isTextual()) {
            problem = "config has neither type nor plugins";
        }
        return problem != null ? new ParsedNad(version, null, new CniException(CniException.INVALID_CONFIG, where + ": " + problem))
                : new ParsedNad(version, conf, null);
    }

    // ---- running delegates ---------------------------------------------------------------------

    /** Runs one attachment (a conf or a conflist) for a command; returns the last plugin's result (ADD). */
    private JsonNode runAttachment(String command, String containerId, String netns, String cniArgs, ObjectNode a,
            JsonNode prevResult) {
        ObjectNode conf = (ObjectNode) a.get("conf");
        String ifname = a.get("ifname").asText();
        List<ObjectNode> plugins = plugins(conf);
        if (command.equals("DEL")) {
            java.util.Collections.reverse(plugins);
        }
        JsonNode prev = prevResult;
        JsonNode last = null;
        for (ObjectNode p : plugins) {
            if (prev != null && (command.equals("ADD") || plugins.size() > 1 || command.equals("CHECK"))) {
                p.set("prevResult", CniVersions.convert(prev, p.path("cniVersion").asText()));
            }
            byte[] out = runPlugin(command, containerId, netns, ifname, cniArgs, p);
            if (command.equals("ADD")) {
                last = parseResult(out, p.path("type").asText());
                prev = last;
            }
        }
        return last;
    }

    /** The plugin configs of an attachment, each with name, cniVersion and its capabilities' runtime config. */
    static List<ObjectNode> plugins(ObjectNode conf) {
        List<ObjectNode> out = new ArrayList<>();
        JsonNode runtime = conf.get("multinetRuntimeConfig");
        JsonNode args = conf.get("multinetCniArgs");
        List<JsonNode> raw = new ArrayList<>();
        if (conf.has("plugins")) {
            conf.get("plugins").forEach(raw::add);
        } else {
            raw.add(conf);
        }
        for (JsonNode r : raw) {
            ObjectNode p = r.deepCopy();
            p.remove("multinetRuntimeConfig");
            p.remove("multinetCniArgs");
            p.remove("plugins");
            p.put("name", conf.path("name").asText());
            p.put("cniVersion", conf.path("cniVersion").asText());
            if (runtime != null) {
                ObjectNode rc = JSON.createObjectNode();
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
            if (args != null) {
                p.putObject("args").set("cni", args);
            }
            out.add(p);
        }
        return out;
    }

    private byte[] runPlugin(String command, String containerId, String netns, String ifname, String cniArgs, ObjectNode p) {
        String type = p.path("type").asText();
        if (type.equals("flannel")) {
            return runFlannel(command, containerId, netns, ifname, cniArgs, p);
        }
        Map<String, String> env = new HashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", containerId);
        env.put("CNI_NETNS", netns == null ? "" : netns);
        env.put("CNI_IFNAME", ifname);
        env.put("CNI_ARGS", cniArgs == null || cniArgs.isEmpty() ? "IgnoreUnknown=true" : "IgnoreUnknown=true;" + cniArgs);
        return metrics.plugin(type, () -> runner.run(type, env, json(p)));
    }

    /** The flannel plugin's contract: delegate config from the subnet file, kept in dataDir for DEL. */
    private byte[] runFlannel(String command, String containerId, String netns, String ifname, String cniArgs, ObjectNode p) {
        Path saved = Path.of(FlannelCni.dataDir(p), containerId + "-" + ifname);
        ObjectNode delegate;
        if (command.equals("ADD")) {
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
                delegate = FlannelCni.delegate(p, env, options.ipamDataDir());
            } catch (IllegalArgumentException e) {
                throw new CniException(CniException.INVALID_CONFIG, "flannel config of " + p.path("name").asText() + ": " + e.getMessage());
            }
            AttachmentCache.writeAtomically(saved, json(delegate));
        } else {
            if (!Files.exists(saved)) {
                // DEL of something never added, or already removed: nothing to do
                return new byte[0];
            }
            try {
                delegate = (ObjectNode) JSON.readTree(saved.toFile());
            } catch (IOException e) {
                throw new CniException(CniException.IO_FAILURE, "cannot read " + saved + ": " + e.getMessage());
            }
            if (p.has("prevResult")) {
                delegate.set("prevResult", p.get("prevResult"));
            }
        }
        byte[] out = runPlugin(command, containerId, netns, ifname, cniArgs, delegate);
        if (command.equals("DEL")) {
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
            JsonNode r = JSON.readTree(out);
            if (r == null || !r.isObject()) {
                throw new IOException("empty");
            }
            return r;
        } catch (IOException e) {
            throw new CniException(CniException.DECODE_FAILURE, "plugin '" + type + "' returned no valid result");
        }
    }

    private static String pluginNames(JsonNode conf) {
        List<String> types = new ArrayList<>();
        if (conf.has("plugins")) {
            conf.get("plugins").forEach(p -> types.add(p.path("type").asText()));
        } else {
            types.add(conf.path("type").asText());
        }
        return "plugin " + String.join(" + ", types);
    }

    // ---- DEL, CHECK, GC ------------------------------------------------------------------------

    /** Every attachment in reverse order, past errors; the entry goes only when all are gone. */
    private void del(String containerId, String netns) {
        Optional<ObjectNode> entry = cache.read(containerId);
        if (entry.isEmpty()) {
            return;
        }
        ObjectNode e = entry.get();
        List<ObjectNode> attachments = new ArrayList<>();
        e.get("attachments").forEach(a -> attachments.add((ObjectNode) a));
        String ns = netns != null && !netns.isEmpty() ? netns : e.path("netns").asText("");
        List<String> errors = undo(containerId, ns, podArgs(e), attachments);
        if (!errors.isEmpty()) {
            throw new CniException(CniException.DELEGATE_FAILED, "DEL of " + containerId + " failed: " + String.join("; ", errors)
                    + " (the cache entry is kept so DEL can be retried)");
        }
        cache.delete(containerId);
        metrics.detached(containerId);
    }

    private List<String> undo(String containerId, String netns, String cniArgs, List<ObjectNode> attachments) {
        List<String> errors = new ArrayList<>();
        for (int i = attachments.size() - 1; i >= 0; i--) {
            ObjectNode a = attachments.get(i);
            try {
                metrics.network("DEL", a.path("conf").path("name").asText(), () -> runAttachment("DEL", containerId, netns, cniArgs, a, a.get("result")));
            } catch (CniException ex) {
                errors.add("network " + a.path("network").asText() + " (" + a.path("ifname").asText() + "): " + ex.getMessage());
            }
        }
        return errors;
    }

    private static String podArgs(ObjectNode entry) {
        return entry.has("podNamespace") ? "K8S_POD_NAMESPACE=" + entry.get("podNamespace").asText() + ";K8S_POD_NAME="
                + entry.get("podName").asText() : "";
    }

    private void check(CniRequest req, String version) {
        if (!CniVersions.hasCheck(version)) {
            throw new CniException(CniException.INCOMPATIBLE_VERSION, "CHECK needs cniVersion 0.4.0 or later");
        }
        ObjectNode e = cache.read(req.containerId()).orElseThrow(() -> new CniException(CniException.UNKNOWN_CONTAINER,
                "container " + req.containerId() + " has no attachments on this node"));
        for (JsonNode a : e.get("attachments")) {
            if (!a.has("result")) {
                throw new CniException(CniException.UNKNOWN_CONTAINER, "network " + a.path("network").asText()
                        + " was never completely added to " + req.containerId());
            }
            String v = a.get("conf").path("cniVersion").asText();
            if (!CniVersions.hasCheck(v)) {
                continue;
            }
            try {
                runAttachment("CHECK", req.containerId(), req.netns(), req.args(), (ObjectNode) a, a.get("result"));
            } catch (CniException ex) {
                throw new CniException(ex.code(), "CHECK of network " + a.path("network").asText() + " (interface "
                        + a.path("ifname").asText() + "): " + ex.getMessage());
            }
        }
    }

    /** CNI 1.1 GC: every cached container the runtime no longer lists is deleted. */
    private void gc(ObjectNode conf) {
        Set<String> valid = new HashSet<>();
        conf.path("cni.dev/valid-attachments").forEach(v -> valid.add(v.path("containerID").asText()));
        List<String> errors = new ArrayList<>();
        for (String id : cache.containers()) {
            if (!valid.contains(id)) {
                synchronized (locks.computeIfAbsent(id, k -> new Object())) {
                    try {
                        del(id, null);
                        LOG.infof("GC removed the attachments of %s", id);
                    } catch (CniException e) {
                        errors.add(e.getMessage());
                    } finally {
                        locks.remove(id);
                    }
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new CniException(CniException.DELEGATE_FAILED, "GC: " + String.join("; ", errors));
        }
    }

    // ---- after ADD -------------------------------------------------------------------------------

    private void applyDefaultRoutes(CniRequest req, List<NetworkSelection> selections) {
        for (NetworkSelection s : selections) {
            for (String gw : s.defaultRoute()) {
                runner.replaceDefaultRoute(req.netns(), gw, s.ifname());
            }
        }
    }

    /** k8s.v1.cni.cncf.io/network-status: one entry per interface, eth0 marked default. */
    static ArrayNode networkStatus(List<ObjectNode> plan) {
        ArrayNode out = JSON.createArrayNode();
        for (ObjectNode a : plan) {
            JsonNode r = a.get("result");
            String ifname = a.get("ifname").asText();
            ObjectNode s = out.addObject();
            s.put("name", a.get("network").asText());
            s.put("interface", ifname);
            int index = -1;
            JsonNode ifaces = r.path("interfaces");
            for (int i = 0; i < ifaces.size(); i++) {
                if (ifname.equals(ifaces.get(i).path("name").asText()) && !ifaces.get(i).path("sandbox").asText().isEmpty()) {
                    index = i;
                    if (ifaces.get(i).has("mac")) {
                        s.put("mac", ifaces.get(i).get("mac").asText());
                    }
                    if (ifaces.get(i).has("mtu")) {
                        s.put("mtu", ifaces.get(i).get("mtu").asInt());
                    }
                }
            }
            ArrayNode ips = s.putArray("ips");
            ArrayNode gws = JSON.createArrayNode();
            for (JsonNode ip : r.path("ips")) {
                if (index < 0 || !ip.has("interface") || ip.get("interface").asInt() == index) {
                    String addr = ip.path("address").asText();
                    ips.add(addr.contains("/") ? addr.substring(0, addr.indexOf('/')) : addr);
                    if (ip.has("gateway")) {
                        gws.add(ip.get("gateway").asText());
                    }
                }
            }
            s.put("default", a.get("default").asBoolean());
            if (r.has("dns") && !r.get("dns").isEmpty()) {
                s.set("dns", r.get("dns"));
            } else {
                s.putObject("dns");
            }
            if (!gws.isEmpty()) {
                s.set("gateway", gws);
            }
        }
        return out;
    }

    static byte[] json(JsonNode n) {
        return n.toString().getBytes(StandardCharsets.UTF_8);
    }
}
