package io.multinet.delegator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.multinet.Json;
import io.multinet.NetworkNames;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.api.v1alpha1.MultiNetworkNodeStateStatus;
import io.multinet.flannel.SubnetEnv;
import io.multinet.kube.KubeApi;
import io.multinet.kube.KubeApiException;

/**
 * This node's MultiNetworkNodeState: the delegator's health and, per network, its subnet file,
 * bridge, attachment count and last error, which the operator aggregates into each network's status.
 * Written only when something changed, counts alone at most once per report interval.
 */
final class NodeStateReporter {

    private static final Logger LOG = Logger.getLogger(NodeStateReporter.class);

    /** The delegator's side of the report, as the refresh found it. */
    record Delegator(String version, boolean ready, String reason, String cniConfigFile, ClusterView.DefaultNetwork defaultNetwork) {
    }

    static final String NODE_STATES = KubeClusterView.MULTINET_API + "/multinetworknodestates";

    private final KubeApi api;
    private final String nodeName;
    private final HostNetwork host;
    private final Duration countsInterval;
    /** The status last written (as {@link #tree}), or null before the first write. */
    private JsonNode last;
    /** When the node state was last written (System.nanoTime). */
    private long lastWrite;

    NodeStateReporter(KubeApi api, String nodeName, HostNetwork host, Duration countsInterval) {
        this.api = api;
        this.nodeName = nodeName;
        this.host = host;
        this.countsInterval = countsInterval;
    }

    /** subnets: each network's subnet file as this refresh read it (absent: no file, or not readable yet). */
    void report(Delegator d, List<NodeNetwork> networks, Map<String, SubnetEnv> subnets, Map<String, Integer> attachments,
            Map<String, io.multinet.delegator.Delegator.NetworkError> lastErrors) {
        MultiNetworkNodeStateStatus st = new MultiNetworkNodeStateStatus();
        st.delegator.version = d.version();
        st.delegator.ready = d.ready();
        st.delegator.reason = d.reason();
        st.delegator.cniConfigFile = d.cniConfigFile();
        st.delegator.defaultNetwork = d.defaultNetwork() == null ? null : d.defaultNetwork().name();
        st.delegator.defaultNetworkSource = d.defaultNetwork() == null ? null : d.defaultNetwork().source();
        List<MultiNetworkNodeStateStatus.Network> nets = new ArrayList<>();
        for (NodeNetwork n : networks) {
            if (n.allocated() == null) {
                continue;
            }
            nets.add(network(n, subnets.get(n.name()), attachments, lastErrors));
        }
        nets.sort(Comparator.comparing(x -> x.name));
        st.addresses = host.addresses();
        st.networks = nets;
        st.networkCount = nets.size();
        long now = System.nanoTime();
        JsonNode wanted = tree(st);
        if (last != null && !worthWriting(last, wanted, now - lastWrite >= countsInterval.toNanos())) {
            return;
        }
        write(wanted, now);
    }

    private MultiNetworkNodeStateStatus.Network network(NodeNetwork n, SubnetEnv env, Map<String, Integer> attachments,
            Map<String, io.multinet.delegator.Delegator.NetworkError> lastErrors) {
        var a = n.allocated();
        String name = n.name();
        MultiNetworkNodeStateStatus.Network x = new MultiNetworkNodeStateStatus.Network();
        x.name = name;
        x.subnetFile = a.subnetFile;
        x.bridge = a.bridge;
        x.subnetFilePresent = env != null;
        if (env != null) {
            x.network = env.network();
            x.subnet = env.subnet();
            x.mtu = env.mtu();
            x.ipMasq = env.ipMasq();
        }
        x.bridgePresent = host.linkExists(a.bridge);
        x.attachments = attachments.getOrDefault(name, 0);
        var err = lastErrors.get(name);
        if (err != null) {
            x.lastError = err.message();
            x.lastErrorTime = err.time();
        }
        return x;
    }

    private void write(JsonNode wanted, long now) {
        String path = NODE_STATES + "/" + nodeName;
        try {
            JsonNode current = api.get(path);
            if (current == null) {
                ObjectNode fresh = Json.object();
                fresh.put("apiVersion", MultiNetwork.GROUP + "/" + MultiNetwork.VERSION).put("kind", "MultiNetworkNodeState");
                fresh.putObject("metadata").put("name", nodeName).set("labels", Json.object(NetworkNames.delegatorLabels()));
                current = api.post(NODE_STATES, fresh);
            }
            lastWrite = now;
            if (wanted.equals(current.get("status"))) {
                last = wanted;
                return;
            }
            // an update of the status subresource, carrying the resourceVersion read: a concurrent writer makes it fail, not vanish
            ((ObjectNode) current).set("status", wanted);
            api.put(path + "/status", current);
            last = wanted;
        } catch (KubeApiException e) {
            LOG.warnf("cannot write MultiNetworkNodeState %s: %s", nodeName, e.getMessage());
        }
    }

    /**
     * The status as the API stores it: the typed model's fields and names, nulls left out (its
     * JsonInclude), written field by field rather than through data binding, which the node daemon
     * does not load (issue 20). `NodeStateWriteTest` checks it against the binding of the same status.
     */
    static ObjectNode tree(MultiNetworkNodeStateStatus st) {
        ObjectNode o = Json.object();
        var d = st.delegator;
        if (d != null) {
            ObjectNode t = o.putObject("delegator");
            putText(t, "version", d.version);
            t.put("ready", d.ready);
            putText(t, "reason", d.reason);
            putText(t, "cniConfigFile", d.cniConfigFile);
            putText(t, "defaultNetwork", d.defaultNetwork);
            putText(t, "defaultNetworkSource", d.defaultNetworkSource);
            putText(t, "message", d.message);
        }
        if (st.addresses != null) {
            o.set("addresses", Json.array(st.addresses));
        }
        if (st.networkCount != null) {
            o.put("networkCount", st.networkCount);
        }
        if (st.networks != null) {
            var list = o.putArray("networks");
            for (var n : st.networks) {
                ObjectNode t = list.addObject();
                putText(t, "name", n.name);
                putText(t, "subnetFile", n.subnetFile);
                t.put("subnetFilePresent", n.subnetFilePresent);
                putText(t, "network", n.network);
                putText(t, "subnet", n.subnet);
                if (n.mtu != null) {
                    t.put("mtu", n.mtu);
                }
                if (n.ipMasq != null) {
                    t.put("ipMasq", n.ipMasq);
                }
                putText(t, "bridge", n.bridge);
                t.put("bridgePresent", n.bridgePresent);
                t.put("attachments", n.attachments);
                putText(t, "lastError", n.lastError);
                putText(t, "lastErrorTime", n.lastErrorTime);
            }
        }
        return o;
    }

    private static void putText(ObjectNode o, String field, String value) {
        if (value != null) {
            o.put(field, value);
        }
    }

    /**
     * Whether a new node state is worth an API write: any change but the attachment counts at once,
     * a change in counts alone only once the report interval has passed.
     */
    static boolean worthWriting(JsonNode last, JsonNode next, boolean intervalPassed) {
        if (last.equals(next)) {
            return false;
        }
        return intervalPassed || !withoutCounts(last).equals(withoutCounts(next));
    }

    private static JsonNode withoutCounts(JsonNode state) {
        JsonNode copy = state.deepCopy();
        copy.path("networks").forEach(n -> ((ObjectNode) n).remove("attachments"));
        return copy;
    }
}
