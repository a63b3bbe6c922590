package io.multinet.operator;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.stream.Collectors;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.multinet.api.v1alpha1.Allocation;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.api.v1alpha1.MultiNetworkNodeState;
import io.multinet.api.v1alpha1.MultiNetworkNodeStateStatus;
import io.multinet.api.v1alpha1.MultiNetworkStatus;
import io.multinet.api.v1alpha1.Plan;
import io.multinet.api.v1alpha1.SubnetManager;
import io.multinet.flannel.Lease;

/**
 * The one place a MultiNetwork's status is computed: a pure function of what the reconciler
 * observed. Conditions keep their transition time while unchanged, so the same observations give
 * an equal status and nothing is written.
 */
public final class StatusAggregator {

    /** Everything observed about one network in one reconcile. */
    public record Observed(
            Plan plan,
            List<Node> nodes,
            Map<String, Pod> flanneldPods,
            Map<String, Pod> delegatorPods,
            Map<String, MultiNetworkNodeState> nodeStates,
            /** Leases by PublicIP; null when etcd could not be read (or kube mode). */
            Map<String, Lease> leases,
            String etcdError,
            DaemonSet daemonSet,
            List<String> attachments,
            List<String> attachmentConflicts,
            /** API writes that were refused this reconcile, each naming its object. */
            List<String> apiErrors,
            /** What the admin should know though nothing failed; shown in Ready whatever its state. */
            List<String> notices,
            /** A stock kube-flannel found beside this kube-mode network (its namespace/name), or null. */
            String stockFlannel) {
    }

    private StatusAggregator() {
    }

    public static MultiNetworkStatus aggregate(MultiNetwork n, Observed o, int cap, String now) {
        return aggregate(n, n.getStatus(), o, cap, now);
    }

    /**
     * @param current the status the network has now, which transition times and "since" are kept
     *        from; the object's own unless the caller knows of a write its copy does not show yet
     */
    public static MultiNetworkStatus aggregate(MultiNetwork n, MultiNetworkStatus current, Observed o, int cap, String now) {
        MultiNetworkStatus previous = current == null ? new MultiNetworkStatus() : current;
        Long generation = n.getMetadata().getGeneration();
        Plan plan = o.plan();
        Allocation a = plan.allocation();

        MultiNetworkStatus st = new MultiNetworkStatus();
        st.observedGeneration = generation;
        st.allocated = a;
        st.attachments = o.attachments().isEmpty() ? null : o.attachments().stream().sorted().toList();

        List<MultiNetworkStatus.NodeHealth> health = new ArrayList<>();
        Map<String, MultiNetworkStatus.NodeHealth> before = previous.nodeHealth == null ? Map.of()
                : previous.nodeHealth.stream().collect(Collectors.toMap(h -> h.node, h -> h, (x, y) -> x));
        if (a != null) {
            for (Node node : o.nodes()) {
                health.add(nodeHealth(n, a, node, o, before.get(node.getMetadata().getName())));
            }
        }
        health.sort(Comparator.comparing(h -> h.node));
        int ready = (int) health.stream().filter(h -> h.ready).count();
        MultiNetworkStatus.NodeCounts counts = new MultiNetworkStatus.NodeCounts();
        counts.desired = health.size();
        counts.ready = ready;
        counts.summary = ready + "/" + health.size();
        Map<String, Integer> byReason = new TreeMap<>();
        health.stream().filter(h -> !h.ready).forEach(h -> byReason.merge(h.reason, 1, Integer::sum));
        counts.notReadyByReason = byReason.isEmpty() ? null : byReason;
        st.nodes = a == null ? null : counts;
        // Bounded: every node up to the cap; beyond it only nodes that are not ready, still at most cap.
        List<MultiNetworkStatus.NodeHealth> listed = health.size() <= cap ? health
                : health.stream().filter(h -> !h.ready).limit(cap).toList();
        st.nodeHealth = listed.isEmpty() ? null : listed;
        st.nodeHealthOmitted = health.size() > listed.size() ? health.size() - listed.size() : null;

        List<Condition> prev = previous.conditions;
        List<Condition> conds = new ArrayList<>();
        List<String> allWarnings = new ArrayList<>(plan.warnings());
        allWarnings.addAll(o.notices());
        // whatever Ready says: a warning matters most on a network that does not come up
        String warning = allWarnings.isEmpty() ? "" : "; warning: " + String.join("; ", allWarnings);

        // Degraded: what needs an admin.
        List<String> problems = new ArrayList<>();
        String degradedReason = null;
        if (!plan.valid()) {
            // a full port range is a capacity limit of the operator's settings, not a fault of this spec
            degradedReason = plan.errors().stream().allMatch(e -> e.startsWith(Plan.CAPACITY)) ? "CapacityExhausted" : "InvalidSpec";
            problems.add(plan.errorMessage() + (a != null ? " (the network keeps running as last accepted)" : ""));
        }
        if (o.etcdError() != null) {
            degradedReason = degradedReason == null ? "EtcdUnavailable" : degradedReason;
            problems.add(o.etcdError());
        }
        if (!o.attachmentConflicts().isEmpty()) {
            degradedReason = degradedReason == null ? "AttachmentConflict" : degradedReason;
            problems.addAll(o.attachmentConflicts());
        }
        if (!o.apiErrors().isEmpty()) {
            degradedReason = degradedReason == null ? "ApiError" : degradedReason;
            problems.addAll(o.apiErrors());
        }
        if (o.stockFlannel() != null) {
            degradedReason = degradedReason == null ? "StockFlannelPresent" : degradedReason;
            problems.add("a stock flannel (DaemonSet " + o.stockFlannel() + ") runs beside this kube-mode network: both manage the nodes'"
                    + " podCIDR routes and write the flannel.alpha.coreos.com node annotations; a kube-mode network replaces stock flannel,"
                    + " so remove it (docs/operator.md)");
        }
        conds = Conditions.set(prev, conds, Conditions.DEGRADED, degradedReason != null,
                degradedReason != null ? degradedReason : "AsExpected",
                degradedReason != null ? String.join("; ", problems) : "no errors", generation, now);

        // Ready: the network works on every node it selects.
        boolean isReady;
        String readyReason;
        String readyMessage;
        if (a == null) {
            isReady = false;
            readyReason = "InvalidSpec";
            readyMessage = "the spec was never accepted: " + plan.errorMessage();
        } else if (o.etcdError() != null) {
            isReady = false;
            readyReason = "EtcdUnavailable";
            readyMessage = "etcd cannot be read, so the network's config and leases cannot be kept or checked";
        } else if (health.isEmpty()) {
            isReady = false;
            readyReason = "NoNodes";
            readyMessage = "no node matches the network's flanneld.nodeSelector";
        } else if (ready == health.size()) {
            isReady = true;
            readyReason = "AllNodesReady";
            readyMessage = counts.summary + " nodes ready" + warning;
        } else {
            isReady = false;
            readyReason = "NodesNotReady";
            readyMessage = counts.summary + " nodes ready; not ready: " + byReason.entrySet().stream()
                    .map(e -> e.getValue() + " " + e.getKey()).collect(Collectors.joining(", "));
        }
        if (!isReady) {
            readyMessage += warning;
        }
        conds = Conditions.set(prev, conds, Conditions.READY, isReady, readyReason, readyMessage, generation, now);

        // Progressing: the flanneld DaemonSet is rolling out.
        DaemonSet ds = o.daemonSet();
        boolean progressing;
        String progReason;
        String progMessage;
        if (a == null) {
            progressing = false;
            progReason = "InvalidSpec";
            progMessage = "nothing is rolled out for a spec that was never accepted";
        } else if (ds == null) {
            progressing = true;
            progReason = "Creating";
            progMessage = "creating the flanneld DaemonSet";
        } else {
            var s = ds.getStatus();
            int desired = s == null || s.getDesiredNumberScheduled() == null ? 0 : s.getDesiredNumberScheduled();
            int updated = s == null || s.getUpdatedNumberScheduled() == null ? 0 : s.getUpdatedNumberScheduled();
            int dsReady = s == null || s.getNumberReady() == null ? 0 : s.getNumberReady();
            boolean observed = s != null && s.getObservedGeneration() != null
                    && Objects.equals(s.getObservedGeneration(), ds.getMetadata().getGeneration());
            progressing = !observed || updated < desired || dsReady < desired;
            progReason = progressing ? "RollingOut" : "RolledOut";
            progMessage = "flanneld " + ds.getMetadata().getName() + ": " + updated + " updated, " + dsReady + " ready of "
                    + desired + (observed ? "" : " (the DaemonSet controller has not seen the latest spec yet)");
        }
        conds = Conditions.set(prev, conds, Conditions.PROGRESSING, progressing, progReason, progMessage, generation, now);
        st.conditions = conds;
        return st;
    }

    /**
     * A node's subnet as the network, as an etcd lease gives it, whichever mode the network is in; a
     * node report that does not parse is shown as it is rather than failing the whole status.
     */
    private static String network(String subnet) {
        try {
            return io.multinet.api.v1alpha1.Cidr.containing(subnet).toString();
        } catch (IllegalArgumentException e) {
            return subnet;
        }
    }

    private static MultiNetworkStatus.NodeHealth nodeHealth(MultiNetwork n, Allocation a, Node node, Observed o,
            MultiNetworkStatus.NodeHealth before) {
        String name = node.getMetadata().getName();
        MultiNetworkStatus.NodeHealth h = new MultiNetworkStatus.NodeHealth();
        h.node = name;
        h.flanneld = isReady(o.flanneldPods().get(name));
        h.delegator = isReady(o.delegatorPods().get(name));
        MultiNetworkNodeStateStatus.Network seen = networkOnNode(o.nodeStates().get(name), n.getMetadata().getName());
        if (seen != null && seen.subnet != null) {
            h.subnet = network(seen.subnet);
        } else if (a.subnetManager == SubnetManager.KUBE && node.getSpec() != null) {
            h.subnet = node.getSpec().getPodCIDR();
        }
        NodeReason reason = null;
        if (!nodeReady(node)) {
            reason = NodeReason.NodeNotReady;
        } else if (!h.flanneld) {
            reason = NodeReason.FlanneldNotReady;
        } else if (!h.delegator) {
            reason = NodeReason.DelegatorNotReady;
        } else if (seen == null || !seen.subnetFilePresent) {
            reason = NodeReason.SubnetFileMissing;
        }
        if (a.subnetManager == SubnetManager.ETCD) {
            if (o.leases() == null) {
                // etcd unreadable: what was last seen stands, the Degraded condition says why
                h.lease = before == null ? null : before.lease;
            } else {
                List<String> ips = new ArrayList<>(addresses(node));
                MultiNetworkNodeState state = o.nodeStates().get(name);
                if (state != null && state.getStatus() != null && state.getStatus().addresses != null) {
                    ips.addAll(state.getStatus().addresses);
                }
                Lease lease = ips.stream().map(o.leases()::get).filter(Objects::nonNull).findFirst().orElse(null);
                if (lease != null) {
                    h.lease = lease.key();
                    h.subnet = lease.subnet();
                } else if (before != null && before.lease != null) {
                    // keep the key that went away, so the node stays LeaseExpired (not LeaseMissing) until a new lease comes
                    h.lease = before.lease;
                    reason = reason == null ? NodeReason.LeaseExpired : reason;
                } else if (reason == null) {
                    reason = NodeReason.LeaseMissing;
                }
            }
        }
        h.ready = reason == null;
        if (reason != null) {
            h.reason = reason.name();
            h.message = reason.meaning;
        }
        return h;
    }

    static MultiNetworkNodeStateStatus.Network networkOnNode(MultiNetworkNodeState state, String network) {
        if (state == null || state.getStatus() == null || state.getStatus().networks == null) {
            return null;
        }
        return state.getStatus().networks.stream().filter(x -> network.equals(x.name)).findFirst().orElse(null);
    }

    static boolean isReady(Pod pod) {
        return pod != null && pod.getStatus() != null && pod.getStatus().getConditions() != null
                && pod.getMetadata().getDeletionTimestamp() == null
                && pod.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    static boolean nodeReady(Node node) {
        return node.getStatus() != null && node.getStatus().getConditions() != null
                && node.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    static List<String> addresses(Node node) {
        if (node.getStatus() == null || node.getStatus().getAddresses() == null) {
            return List.of();
        }
        return node.getStatus().getAddresses().stream().filter(ad -> "InternalIP".equals(ad.getType()) || "ExternalIP".equals(ad.getType()))
                .map(NodeAddress::getAddress).toList();
    }
}
