package io.multinet.delegator;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.multinet.Json;
import io.multinet.NetworkNames;
import io.multinet.cni.CniException;
import io.multinet.cni.CniVersions;

/**
 * From a pod's annotation to the attachments an ADD will make: the selections parsed, each NAD looked
 * up in the informer cache, its spec.config parsed and checked once per change of the NAD (not on
 * every ADD that selects it), and the selection's runtime options added.
 */
final class NadConfigs {

    /** Keys the delegator adds to a NAD's config; DelegateRunner turns them into runtimeConfig and args. */
    static final String RUNTIME_CONFIG = "multinetRuntimeConfig";
    static final String CNI_ARGS = "multinetCniArgs";

    /** A NAD's parsed and checked config (or why it is unusable), for the resourceVersion it was read at. */
    private record ParsedNad(String resourceVersion, ObjectNode conf, CniException problem) {
    }

    private final ClusterView cluster;
    private final boolean namespaceIsolation;
    private final List<String> globalNamespaces;
    private final Map<String, ParsedNad> parsed = new ConcurrentHashMap<>();

    NadConfigs(ClusterView cluster, boolean namespaceIsolation, List<String> globalNamespaces) {
        this.cluster = cluster;
        this.namespaceIsolation = namespaceIsolation;
        this.globalNamespaces = List.copyOf(globalNamespaces);
    }

    /** What an ADD will attach, and the selections it came from (for their default routes). */
    record Plan(List<Attachment> attachments, List<NetworkSelection> selections) {
    }

    /** The default network as eth0, then every network the pod's annotation selects, checked. */
    Plan plan(String ifname, ClusterView.DefaultNetwork def, ClusterView.Pod pod, String podNs, String podName) {
        List<Attachment> attachments = new ArrayList<>();
        attachments.add(new Attachment(def.name(), ifname, true, def.conf(), null));
        if (pod == null) {
            return new Plan(attachments, List.of());
        }
        try {
            String annotation = pod.annotations().get(NetworkNames.NETWORKS_ANNOTATION);
            List<NetworkSelection> selections = NetworkSelection.parse(annotation, podNs);
            for (NetworkSelection s : selections) {
                if (s.ifname().equals(ifname)) {
                    throw NetworkSelection.invalid("interface name '" + s.ifname() + "' is the default network's");
                }
                attachments.add(new Attachment(s.namespace() + "/" + s.name(), s.ifname(), false, forSelection(s, podNs), null));
            }
            return new Plan(attachments, selections);
        } catch (CniException e) {
            cluster.reportFailure(podNs, podName, e.getMessage());
            throw e;
        }
    }

    /** The NAD's config with the selection's runtime options, checked before anything runs. */
    ObjectNode forSelection(NetworkSelection s, String podNs) {
        if (namespaceIsolation && !s.namespace().equals(podNs) && !globalNamespaces.contains(s.namespace())) {
            throw new CniException(CniException.INVALID_SELECTION, "network " + s.namespace() + "/" + s.name()
                    + " is in another namespace and namespace isolation is on (global namespaces: " + globalNamespaces + ")");
        }
        Optional<ClusterView.Nad> nad = cluster.nad(s.namespace(), s.name());
        if (nad.isEmpty()) {
            parsed.remove(s.namespace() + "/" + s.name());
            throw new CniException(CniException.INVALID_SELECTION, "NetworkAttachmentDefinition " + s.namespace() + "/" + s.name() + " does not exist");
        }
        ObjectNode conf = config(nad.get()).deepCopy();
        ObjectNode runtime = Json.object();
        if (!s.ips().isEmpty()) {
            runtime.set("ips", Json.array(s.ips()));
        }
        if (s.mac() != null) {
            runtime.put("mac", s.mac());
        }
        if (s.infinibandGuid() != null) {
            runtime.put("infinibandGUID", s.infinibandGuid());
        }
        if (s.portMappings() != null) {
            runtime.set("portMappings", s.portMappings());
        }
        if (s.bandwidth() != null) {
            runtime.set("bandwidth", s.bandwidth());
        }
        if (!runtime.isEmpty()) {
            conf.set(RUNTIME_CONFIG, runtime);
        }
        if (s.cniArgs() != null) {
            conf.set(CNI_ARGS, s.cniArgs());
        }
        return conf;
    }

    /** The NAD's config, parsed and checked; shared, so callers copy it before changing it. */
    ObjectNode config(ClusterView.Nad nad) {
        String key = nad.namespace() + "/" + nad.name();
        String version = nad.resourceVersion();
        ParsedNad p = parsed.get(key);
        if (p == null || version == null || !version.equals(p.resourceVersion())) {
            p = parse(nad, key);
            parsed.put(key, p);
        }
        if (p.problem() != null) {
            throw new CniException(p.problem().code(), p.problem().getMessage());
        }
        return p.conf();
    }

    private static ParsedNad parse(ClusterView.Nad nad, String key) {
        String version = nad.resourceVersion();
        String where = "NetworkAttachmentDefinition " + key;
        ObjectNode conf;
        try {
            JsonNode n = Json.parse(nad.config() == null ? "" : nad.config());
            if (!(n instanceof ObjectNode o)) {
                throw new IOException("not a JSON object");
            }
            conf = o;
        } catch (IOException e) {
            return new ParsedNad(version, null, new CniException(CniException.INVALID_CONFIG, where + " has an invalid spec.config: " + e.getMessage()));
        }
        if (!conf.has("name")) {
            conf.put("name", nad.name());
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
}
