package io.multinet.api.v1alpha1;

import static io.multinet.api.v1alpha1.NetworkPlanner.*;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import io.multinet.NetworkNames;

/**
 * Judges one network's spec against the settings and every other network's claim: each problem is
 * an error naming the field and the value at fault; a spec without any is allocated (Allocator).
 */
/** Judges one network against the claims made before it. */
final class SpecJudge {
    private final MultiNetwork n;
    private final String name;
    private final MultiNetworkSpec spec;
    private final Allocation previous;
    private final List<Claim> claims;
    private final List<Cidr> reserved;
    private final PlannerSettings settings;
    private final List<String> errors = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();

    SpecJudge(MultiNetwork n, List<Claim> claims, List<Cidr> reserved, PlannerSettings settings, List<String> settingErrors) {
        // a broken setting blocks every network: nothing can be judged safely against it
        this.errors.addAll(settingErrors);
        this.n = n;
        this.name = n.getMetadata().getName();
        this.spec = n.getSpec();
        this.previous = n.getStatus() == null ? null : n.getStatus().allocated;
        this.claims = claims;
        this.reserved = reserved;
        this.settings = settings;
    }

    Plan judge() {
        if (spec == null) {
            errors.add("spec is required");
            return done(null);
        }
        checkName();
        Cidr cidr = checkNetwork();
        checkBackend();
        checkSubnetManager();
        checkFlanneld();
        checkAttachment();
        checkImmutable();
        if (cidr != null) {
            Conflicts.check(n, cidr, claims, errors);
        }
        if (!errors.isEmpty()) {
            return done(null);
        }
        return done(new Allocator(n, previous, claims, settings).allocate(errors));
    }

    /** A rejected network keeps what it had: the nodes still run it that way. */
    private Plan done(Allocation allocation) {
        return new Plan(name, errors.isEmpty() ? allocation : previous, List.copyOf(errors), List.copyOf(warnings));
    }

    private void checkName() {
        if (name.length() > MAX_NAME || !DNS_LABEL.matcher(name).matches()) {
            errors.add("metadata.name: '" + Quote.cut(name) + "' must be a DNS-1123 label of at most " + MAX_NAME
                    + " characters (it names the DaemonSet flanneld-<name> and the network's files)");
        }
    }

    private Cidr checkNetwork() {
        if (spec.network == null || spec.network.isBlank()) {
            errors.add("spec.network: is required (the network's IPv4 CIDR, e.g. 172.112.0.0/16)");
            return null;
        }
        Cidr cidr;
        try {
            cidr = Cidr.parse(spec.network);
        } catch (IllegalArgumentException e) {
            errors.add("spec.network: " + withoutTakenHint(Quote.cut(e.getMessage())));
            return null;
        }
        for (String[] r : UNUSABLE) {
            if (cidr.overlaps(Cidr.parse(r[0]))) {
                errors.add("spec.network: " + cidr + " lies in " + r[1] + " (" + r[0] + "), which pods cannot use");
                return null;
            }
        }
        int len = spec.subnetLenOrDefault();
        if (len < 1 || len > 30) {
            errors.add("spec.subnetLen: " + len + " is out of range (1-30)");
        } else if (len - cidr.prefix() < 2) {
            errors.add("spec.subnetLen: " + len + " leaves room for fewer than 4 subnets in " + cidr
                    + " (use a network of at most /" + (len - 2) + " or a longer subnetLen)");
        }
        if (!cidr.isPrivate()) {
            warnings.add("spec.network: " + cidr + " is outside private address space (RFC 1918, RFC 6598);"
                    + " pods on it may shadow public addresses");
        }
        for (Cidr r : reserved) {
            if (!cidr.overlaps(r)) {
                continue;
            }
            if (spec.subnetManager() == SubnetManager.KUBE) {
                // a kube-mode network hands out the nodes' podCIDRs, so it must hold the cluster pod CIDR
                // (which admins list in reserved-cidrs) whole: flanneld exits when a podCIDR lies outside
                if (!(cidr.contains(r.base()) && cidr.contains(r.last()))) {
                    errors.add("spec.network: " + cidr + " cuts through reserved CIDR " + r + " (multinet.operator.reserved-cidrs); a kube-mode"
                            + " network must contain the cluster's pod CIDR whole, or not touch it");
                }
                continue;
            }
            errors.add("spec.network: " + cidr + " overlaps reserved CIDR " + r + " (multinet.operator.reserved-cidrs)");
        }
        if (len >= 1 && len <= 30 && len > cidr.prefix()) {
            Long min = checkBound("spec.subnetMin", spec.subnetMin, cidr, len);
            Long max = checkBound("spec.subnetMax", spec.subnetMax, cidr, len);
            if (min != null && max != null && min > max) {
                errors.add("spec.subnetMin: " + spec.subnetMin + " is after spec.subnetMax " + spec.subnetMax);
            }
        }
        return cidr;
    }

    /** Address space no pod network may take: flannel would start, and nothing could reach the pods. */
    private static final String[][] UNUSABLE = { { "0.0.0.0/8", "\"this network\" space" }, { "127.0.0.0/8", "loopback space" },
            { "169.254.0.0/16", "link-local space" }, { "224.0.0.0/4", "multicast space" }, { "240.0.0.0/4", "reserved space" } };

    /**
     * Cidr's host-bits message suggests the network the value lies in: drop the suggestion when another
     * network already holds that one, rather than send the admin from one rejection to the next.
     */
    private String withoutTakenHint(String message) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(" \\(did you mean ([0-9./]+)\\?\\)").matcher(message);
        if (m.find()) {
            Cidr hint = Cidr.parse(m.group(1));
            for (Claim c : claims) {
                if (hint.overlaps(c.cidr())) {
                    return message.replace(m.group(), " (" + hint + " would overlap network '" + c.name() + "')");
                }
            }
        }
        return message;
    }

    private Long checkBound(String field, String value, Cidr cidr, int len) {
        if (value == null) {
            return null;
        }
        long addr;
        try {
            addr = Cidr.parseAddress(value);
        } catch (IllegalArgumentException e) {
            errors.add(field + ": " + e.getMessage());
            return null;
        }
        if (!cidr.contains(addr)) {
            errors.add(field + ": " + value + " is outside spec.network " + cidr);
            return null;
        }
        if ((addr & ~Cidr.mask(len) & 0xFFFFFFFFL) != 0) {
            errors.add(field + ": " + value + " is not aligned to subnetLen " + len);
            return null;
        }
        return addr;
    }

    private void checkBackend() {
        MultiNetworkSpec.Backend b = spec.backend;
        if (b == null) {
            return;
        }
        if (b.unknownType != null) {
            errors.add("spec.backend.type: '" + Quote.cut(b.unknownType) + "' is not a backend this operator knows (vxlan, host-gw, wireguard,"
                    + " udp, ipip); is the CRD newer than the operator?");
            return;
        }
        if (b.type != BackendType.VXLAN && b.type != null) {
            if (b.vni != null) {
                errors.add("spec.backend.vni: only a vxlan backend has a VNI, this one is " + b.type);
            }
            if (b.port != null) {
                errors.add("spec.backend.port: only a vxlan backend has a port, this one is " + b.type);
            }
        }
        if (b.vni != null && (b.vni < 1 || b.vni > MAX_VNI)) {
            errors.add("spec.backend.vni: " + b.vni + " is out of range (1-" + MAX_VNI + ")");
        }
        if (b.port != null && (b.port < 1 || b.port > 65535)) {
            errors.add("spec.backend.port: " + b.port + " is out of range (1-65535)");
        }
        if (b.mtu != null && b.type == BackendType.HOST_GW) {
            errors.add("spec.backend.mtu: host-gw creates no device, so flannel ignores an MTU; remove it (pods take the interface's)");
        }
        if (b.mtu != null && (b.mtu < 576 || b.mtu > 9216)) {
            errors.add("spec.backend.mtu: " + b.mtu + " is out of range (576-9216)");
        }
    }

    private void checkSubnetManager() {
        MultiNetworkSpec.Etcd e = spec.etcd;
        if (spec.subnetManager() == SubnetManager.KUBE) {
            if (e != null) {
                errors.add("spec.etcd: must be unset when subnetManager is kube (flanneld keeps no state in etcd then)");
            }
            return;
        }
        List<String> endpoints = e == null ? null : e.endpoints;
        if (endpoints == null || endpoints.isEmpty()) {
            if (!settings.etcdEndpointsConfigured()) {
                errors.add("spec.etcd.endpoints: none given and the operator has no default (multinet.operator.etcd.endpoints)");
            }
        } else {
            for (String ep : endpoints) {
                String problem = EtcdEndpoints.problem(ep);
                if (problem != null) {
                    errors.add("spec.etcd.endpoints: " + problem);
                }
            }
        }
        String prefix = effectivePrefix(n);
        if (e != null && e.prefix != null) {
            if (!ETCD_PREFIX.matcher(prefix).matches()) {
                errors.add("spec.etcd.prefix: '" + prefix + "' must be an absolute key path of plain characters"
                        + " [A-Za-z0-9._-] separated by single '/', without a trailing '/' (flanneld uses it in a regular expression)");
            } else if (prefix.equals(NetworkNames.FLANNEL_DEFAULT_PREFIX) && !e.allowFlannelDefaultPrefix) {
                errors.add("spec.etcd.prefix: '" + prefix + "' is flannel's default prefix, used by a stock flannel install;"
                        + " set spec.etcd.allowFlannelDefaultPrefix: true to use it deliberately");
            }
        }
    }

    private void checkFlanneld() {
        MultiNetworkSpec.Flanneld f = spec.flanneld;
        if (f == null) {
            return;
        }
        if (f.iface != null) {
            for (String i : f.iface) {
                String problem = io.multinet.cni.InterfaceNames.problem(i);
                if (problem != null) {
                    errors.add("spec.flanneld.iface: " + problem);
                }
            }
        }
        if (f.ifaceRegex != null) {
            for (String r : f.ifaceRegex) {
                try {
                    Pattern.compile(r);
                } catch (PatternSyntaxException | NullPointerException ex) {
                    errors.add("spec.flanneld.ifaceRegex: '" + r + "' is not a valid regular expression");
                }
            }
        }
        if (f.ifaceCanReach != null) {
            try {
                Cidr.parseAddress(f.ifaceCanReach);
            } catch (IllegalArgumentException ex) {
                errors.add("spec.flanneld.ifaceCanReach: " + ex.getMessage());
            }
        }
    }

    private void checkAttachment() {
        MultiNetworkSpec.Attachment a = spec.attachment;
        if (a == null) {
            return;
        }
        String nad = attachmentName(n);
        if (nad.length() > 63 || !DNS_LABEL.matcher(nad).matches()) {
            errors.add("spec.attachment.name: '" + Quote.cut(nad) + "' must be a DNS-1123 label (pods name it in "
                    + NetworkNames.NETWORKS_ANNOTATION + ")");
        }
        if (a.namespaces != null) {
            Set<String> seen = new HashSet<>();
            for (String ns : a.namespaces) {
                if (ns == null || ns.length() > 63 || !DNS_LABEL.matcher(ns).matches()) {
                    errors.add("spec.attachment.namespaces: '" + Quote.cut(ns) + "' is not a valid namespace name");
                } else if (!seen.add(ns)) {
                    errors.add("spec.attachment.namespaces: '" + ns + "' is listed twice");
                }
            }
        }
        if (a.bridge != null) {
            String problem = io.multinet.cni.InterfaceNames.problem(a.bridge);
            if (problem != null) {
                errors.add("spec.attachment.bridge: " + problem);
            }
        }
        if (a.mtu != null && (a.mtu < 576 || a.mtu > 9216)) {
            errors.add("spec.attachment.mtu: " + a.mtu + " is out of range (576-9216)");
        }
        if (a.namespaceSelector != null) {
            errors.addAll(LabelSelectorRules.problems("spec.attachment.namespaceSelector", a.namespaceSelector));
        }
    }

    private void checkImmutable() {
        if (previous == null) {
            return;
        }
        immutable("spec.network", previous.network, spec.network);
        immutable("spec.subnetLen", previous.subnetLen, spec.subnetLenOrDefault());
        immutable("spec.subnetManager", previous.subnetManager, spec.subnetManager());
        immutable("spec.backend.type", previous.backendType, spec.backendType());
        immutable("spec.etcd.prefix", previous.etcdPrefix, effectivePrefix(n));
        if (spec.attachment != null && spec.attachment.bridge != null) {
            immutable("spec.attachment.bridge", previous.bridge, spec.attachment.bridge);
        }
        if (spec.backend != null && spec.backend.vni != null) {
            immutable("spec.backend.vni", previous.vni, spec.backend.vni);
        }
    }

    private void immutable(String field, Object was, Object now) {
        if (!Objects.equals(was, now)) {
            errors.add(field + " is immutable: it was " + was + " and is now " + (now == null ? "unset" : Quote.cut(String.valueOf(now)))
                    + "; create a new MultiNetwork to change it (pods hold addresses on the running one)");
        }
    }
}
