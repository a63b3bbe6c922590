package io.multinet.delegator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import io.multinet.api.v1alpha1.Allocation;

/**
 * A network that is gone from the cluster leaves nothing on the node once no pod uses it. flanneld
 * removes nothing when it stops, so its datapath goes here too: the bridge, the flannel.<VNI>
 * device, routes into the network's CIDR, its rules in the iptables chains every flanneld shares,
 * and its subnet file (a stale one would be read back as the lease of a later network); then the
 * host-local lease store and the flannel dataDir. Networks still attached to pods are kept and tried
 * again on a later refresh.
 */
final class DeletedNetworks {

    private static final Logger LOG = Logger.getLogger(DeletedNetworks.class);

    private final HostNetwork host;
    private final String ipamDataDir;
    /** Networks seen on the last sweep, with what they hold on the node. */
    private Map<String, Allocation> known = Map.of();

    DeletedNetworks(HostNetwork host, String ipamDataDir) {
        this.host = host;
        this.ipamDataDir = ipamDataDir;
    }

    void sweep(List<NodeNetwork> networks, Map<String, Integer> inUse) {
        Map<String, Allocation> now = new HashMap<>();
        for (NodeNetwork n : networks) {
            if (n.allocated() != null) {
                now.put(n.name(), n.allocated());
            }
        }
        Map<String, Allocation> keep = new HashMap<>(now);
        for (var e : known.entrySet()) {
            if (now.containsKey(e.getKey())) {
                continue;
            }
            if (inUse.getOrDefault(e.getKey(), 0) > 0) {
                keep.put(e.getKey(), e.getValue()); // pods still hold it: try again once they are gone
                continue;
            }
            Allocation a = e.getValue();
            for (String link : a.vni == null ? List.of(a.bridge) : List.of(a.bridge, "flannel." + a.vni)) {
                if (host.linkExists(link)) {
                    host.deleteLink(link);
                }
            }
            host.deleteRoutesWithin(a.network);
            host.deleteFlannelRules(a.network);
            deleteTree(Path.of(a.subnetFile));
            deleteTree(Path.of(ipamDataDir, e.getKey()));
            deleteTree(Path.of(a.dataDir));
            LOG.infof("network %s was deleted: removed bridge %s%s, routes and iptables rules for %s, the subnet file and the IPAM and"
                    + " data directories", e.getKey(), a.bridge, a.vni == null ? "" : ", flannel." + a.vni, a.network);
        }
        known = keep;
    }

    private static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            LOG.warnf("cannot remove %s: %s", p, e.getMessage());
        }
    }
}
