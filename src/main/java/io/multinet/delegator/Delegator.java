package io.multinet.delegator;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.multinet.Json;
import io.multinet.NetworkNames;
import io.multinet.cni.CniException;
import io.multinet.cni.CniVersions;
import io.multinet.cni.InterfaceNames;
import io.multinet.cni.PluginRunner;

/**
 * The CNI engine of the node daemon: ADD runs the default network (eth0) and then each selected
 * network, DEL undoes them from the cache, CHECK checks every attachment, GC removes what the
 * runtime no longer has. Multus' behaviour, with its known gaps closed: DEL errors are returned
 * (never swallowed), a cache entry stays until every delegate is really gone, a request is checked
 * whole before anything is touched, and DEL never enters a namespace it cannot prove it attached.
 */
public class Delegator {

    /**
     * Behaviour a cluster admin chooses (node settings).
     *
     * @param requestDeadline how long the shim waits for an answer: an ADD still waiting after that
     *        is abandoned, since the runtime has given up on it and will send DEL
     */
    public record Options(Path cacheDir, String ipamDataDir, boolean namespaceIsolation, List<String> globalNamespaces,
            Duration requestDeadline) {
    }

    /** The last ADD failure of a network, for the node state. */
    public record NetworkError(String message, String time) {
    }

    private static final Logger LOG = Logger.getLogger(Delegator.class);

    private final ClusterView cluster;
    private final PluginRunner runner;
    private final DelegateRunner delegates;
    private final NadConfigs nads;
    private final AttachmentCache cache;
    private final Options options;
    private final ContainerLocks locks = new ContainerLocks();
    private final Garbage garbage = new Garbage(this);
    private final LateAdds late;
    /** Last ADD failure per network (CNI config name). */
    private final Map<String, NetworkError> lastErrors = new ConcurrentHashMap<>();
    private final DelegatorMetrics metrics;

    public Delegator(ClusterView cluster, PluginRunner runner, Options options, DelegatorMetrics metrics) {
        this.cluster = cluster;
        this.runner = runner;
        this.options = options;
        this.cache = new AttachmentCache(options.cacheDir());
        this.metrics = metrics;
        this.delegates = new DelegateRunner(runner, metrics, options.ipamDataDir());
        this.nads = new NadConfigs(cluster, options.namespaceIsolation(), options.globalNamespaces());
        this.late = new LateAdds(options.requestDeadline());
        cache.networks().forEach((id, networks) -> metrics.attached(id, networks.size()));
    }

    public DelegatorMetrics metrics() {
        return metrics;
    }

    public AttachmentCache cache() {
        return cache;
    }

    public Map<String, NetworkError> lastErrors() {
        return lastErrors;
    }

    NadConfigs nads() {
        return nads;
    }

    /** Containers with a call in progress or waiting (0 when idle). */
    int lockedContainers() {
        return locks.size();
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
        return metrics.request(DelegatorMetrics.COMMAND_LABELS.contains(command) ? command : "other", () -> dispatch(req, command));
    }

    private byte[] dispatch(CniRequest req, String command) {
        switch (command) {
            case "VERSION":
                return CniDocuments.version();
            case "ADD", "DEL", "CHECK", "STATUS", "GC":
                break;
            default:
                throw new CniException(CniException.INVALID_ENV, "CNI_COMMAND '" + command + "' is not a CNI operation");
        }
        ObjectNode conf = CniDocuments.config(req.config());
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
        return locks.with(req.containerId(), () -> switch (command) {
            case "ADD" -> add(req, version);
            case "DEL" -> {
                late.deleting(req);
                cache.read(req.containerId()).ifPresent(e -> del(e, req.netns()));
                yield new byte[0];
            }
            default -> {
                check(req, version);
                yield new byte[0];
            }
        });
    }

    // ---- ADD ---------------------------------------------------------------------------------

    /**
     * Everything is checked before anything is touched, an earlier attachment of the same container
     * included: a repeat ADD with bad CNI_ARGS or for an unknown pod must leave a working pod alone.
     */
    private byte[] add(CniRequest req, String version) {
        String problem = InterfaceNames.problem(req.ifname());
        if (problem != null) {
            throw new CniException(CniException.INVALID_ENV, "CNI_IFNAME " + problem);
        }
        String netnsProblem = NetnsIdentity.problem(req.netns());
        if (netnsProblem != null) {
            throw new CniException(CniException.INVALID_ENV, "CNI_NETNS '" + (req.netns() == null ? "" : req.netns()) + "' " + netnsProblem);
        }
        late.requireStillWanted(req);
        Map<String, String> args = req.argsMap();
        String podNs = args.get("K8S_POD_NAMESPACE");
        String podName = args.get("K8S_POD_NAME");
        ClusterView.DefaultNetwork def = cluster.defaultNetwork().orElseThrow(() -> new CniException(CniException.TRY_AGAIN_LATER,
                "the default network is not ready on this node yet"));
        // no pod identity (a runtime outside Kubernetes): the default network only, as Multus does
        ClusterView.Pod pod = podNs != null && podName != null ? cluster.pod(podNs, podName).orElseThrow(() -> new CniException(
                CniException.TRY_AGAIN_LATER, "pod " + podNs + "/" + podName + " is not known to the API server yet")) : null;
        NadConfigs.Plan plan = nads.plan(req.ifname(), def, pod, podNs, podName);

        Optional<CacheEntry> earlier = cache.read(req.containerId());
        if (earlier.isPresent()) {
            // a runtime retrying ADD: undo the earlier attempt first so nothing is attached twice
            del(earlier.get(), req.netns());
        }
        CacheEntry entry = new CacheEntry(req.containerId(), req.netns(), NetnsIdentity.of(req.netns()).orElse(null), version,
                pod == null ? null : podNs, pod == null ? null : podName, plan.attachments());
        // the plan is on disk before anything runs, so a crash half-way still lets DEL undo everything
        cache.write(entry);
        DelegateRunner.Call call = new DelegateRunner.Call("ADD", req.containerId(), req.netns(), req.args());
        List<Attachment> done = new ArrayList<>();
        for (Attachment a : plan.attachments()) {
            try {
                done.add(a.withResult(metrics.network("ADD", a.configName(), () -> delegates.run(call, a, null))));
            } catch (CniException e) {
                done.add(a);
                throw failed(entry, done, a.describeWithPlugins(), e);
            }
        }
        try {
            applyDefaultRoutes(req, plan.selections());
        } catch (CniException e) {
            throw failed(entry, done, "default-route of " + NetworkNames.NETWORKS_ANNOTATION, e);
        }
        cache.write(entry.withAttachments(done));
        metrics.attached(req.containerId(), done.size());
        if (pod != null) {
            cluster.reportStatus(podNs, podName, NetworkStatus.of(done));
        }
        return CniDocuments.bytes(CniVersions.convert(done.get(0).result(), version));
    }

    /**
     * A failed ADD leaves nothing: everything it attached is undone, the cache entry goes, the pod
     * gets an Event and the node state the error. Only a cleanup that itself fails keeps the entry,
     * so that the runtime's DEL finishes it.
     */
    private CniException failed(CacheEntry entry, List<Attachment> done, String what, CniException e) {
        Attachment failedOne = done.get(done.size() - 1);
        List<String> cleanupErrors = undo(entry.containerId(), entry.netns(), entry.podArgs(), done);
        // A delegate whose DEL fails exactly as its ADD did (config it cannot load, binary missing,
        // the same crash) never got far enough to make anything: that is not left-over work.
        cleanupErrors.remove(failedOne.describe() + ": " + e.getMessage());
        if (cleanupErrors.isEmpty()) {
            cache.delete(entry.containerId());
        } else {
            cache.write(entry.withAttachments(done));
        }
        String message = what + ": " + e.getMessage()
                + (cleanupErrors.isEmpty() ? "" : "; cleanup left work for DEL: " + String.join("; ", cleanupErrors));
        if (entry.podNamespace() != null) {
            cluster.reportFailure(entry.podNamespace(), entry.podName(), message);
        }
        lastErrors.put(failedOne.configName(), new NetworkError(message, UtcTime.iso(System.currentTimeMillis())));
        return new CniException(e.code(), message);
    }

    private void applyDefaultRoutes(CniRequest req, List<NetworkSelection> selections) {
        for (NetworkSelection s : selections) {
            for (String gw : s.defaultRoute()) {
                runner.replaceDefaultRoute(req.netns(), gw, s.ifname());
            }
        }
    }

    // ---- DEL, CHECK, GC ------------------------------------------------------------------------

    /** Every attachment in reverse order, past errors; the entry goes only when all are gone. */
    private void del(CacheEntry e, String givenNetns) {
        String ns = NetnsIdentity.forDel(givenNetns, e);
        if (ns.isEmpty() && !e.netns().isEmpty()) {
            LOG.infof("DEL of %s: %s no longer names the namespace ADD attached to; cleaning up on the host and in IPAM only",
                    e.containerId(), givenNetns != null && !givenNetns.isEmpty() ? givenNetns : e.netns());
        }
        List<String> errors = undo(e.containerId(), ns, e.podArgs(), e.attachments());
        if (!errors.isEmpty()) {
            throw new CniException(CniException.DELEGATE_FAILED, "DEL of " + e.containerId() + " failed: " + String.join("; ", errors)
                    + " (the cache entry is kept so DEL can be retried)");
        }
        cache.delete(e.containerId());
        metrics.detached(e.containerId());
    }

    private List<String> undo(String containerId, String netns, String cniArgs, List<Attachment> attachments) {
        DelegateRunner.Call call = new DelegateRunner.Call("DEL", containerId, netns, cniArgs);
        List<String> errors = new ArrayList<>();
        for (int i = attachments.size() - 1; i >= 0; i--) {
            Attachment a = attachments.get(i);
            try {
                metrics.network("DEL", a.configName(), () -> delegates.run(call, a, a.result()));
            } catch (CniException ex) {
                errors.add(a.describe() + ": " + ex.getMessage());
            }
        }
        return errors;
    }

    private void check(CniRequest req, String version) {
        if (!CniVersions.hasCheck(version)) {
            throw new CniException(CniException.INCOMPATIBLE_VERSION, "CHECK needs cniVersion 0.4.0 or later");
        }
        CacheEntry e = cache.read(req.containerId()).orElseThrow(() -> new CniException(CniException.UNKNOWN_CONTAINER,
                "container " + req.containerId() + " has no attachments on this node"));
        DelegateRunner.Call call = new DelegateRunner.Call("CHECK", req.containerId(), req.netns(), req.args());
        for (Attachment a : e.attachments()) {
            if (a.result() == null) {
                throw new CniException(CniException.UNKNOWN_CONTAINER, "network " + a.network() + " was never completely added to " + req.containerId());
            }
            if (!CniVersions.hasCheck(a.conf().path("cniVersion").asText())) {
                continue;
            }
            try {
                delegates.run(call, a, a.result());
            } catch (CniException ex) {
                throw new CniException(ex.code(), "CHECK of network " + a.network() + " (interface " + a.ifname() + "): " + ex.getMessage());
            }
        }
    }

    /** CNI 1.1 GC: every cached container the runtime no longer lists is deleted. */
    private void gc(ObjectNode conf) {
        garbage.gc(conf);
    }

    /** Attachments whose network namespace is gone (missed DELs): see Garbage. Returns the containers removed. */
    public List<String> collectGarbage() {
        return garbage.collect();
    }

    /** DEL of a cached container, under its lock: for the garbage collector. */
    boolean delIf(String id, java.util.function.Predicate<CacheEntry> when, String why, List<String> errors) {
        return locks.with(id, () -> {
            Optional<CacheEntry> e = cache.read(id);
            if (e.isEmpty() || (when != null && !when.test(e.get()))) {
                return false;
            }
            try {
                del(e.get(), "");
                LOG.infof("removed the attachments of container %s (%s)", id, why);
                return true;
            } catch (CniException ex) {
                errors.add(ex.getMessage());
                return false;
            }
        });
    }
}
