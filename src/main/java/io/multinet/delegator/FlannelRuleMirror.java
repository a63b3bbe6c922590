package io.multinet.delegator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.jboss.logging.Logger;

import io.multinet.flannel.SubnetEnv;

/**
 * The iptables decisions of every flanneld on the node, kept a second time in chains of the node
 * daemon's own. All flanneld share nat/FLANNEL-POSTRTG and filter/FLANNEL-FWD, and each one flushes
 * both when it starts (flannel pkg/trafficmngr/iptables); the other networks' rules come back only at
 * their flanneld's next resync. In that gap their new outbound connections leave un-masqueraded and
 * stay broken in conntrack. No flanneld touches MULTINET-POSTRTG or MULTINET-FWD, so a packet that
 * finds flannel's chain emptied meets the same rules in ours, jumped to from POSTROUTING and FORWARD.
 * <p>
 * The rules are flanneld v0.28's own, built from what each running flanneld wrote in its subnet file
 * (FLANNEL_NETWORK, FLANNEL_SUBNET, FLANNEL_IPMASQ), so they say what flanneld says and nothing more:
 * when flannel's chain is intact it decides first and ours repeats the same decision. {@link #rules} is
 * pure; {@link #keep} applies through {@link HostNetwork}.
 */
final class FlannelRuleMirror {

    private static final Logger LOG = Logger.getLogger(FlannelRuleMirror.class);

    static final String NAT_CHAIN = "MULTINET-POSTRTG";
    static final String FILTER_CHAIN = "MULTINET-FWD";
    /** The hooks: table, built-in chain, our chain. */
    static final String[][] JUMPS = { { "nat", "POSTROUTING", NAT_CHAIN }, { "filter", "FORWARD", FILTER_CHAIN } };
    static final String COMMENT = "multinet: flanneld rules kept while a flanneld restarts";
    /** kube-proxy marks what it will masquerade itself; flanneld leaves those packets alone (trafficmngr.KubeProxyMark). */
    static final String KUBE_PROXY_MARK = "0x4000/0x4000";

    /** One flanneld's subnet file, by network name. */
    record Lease(String network, SubnetEnv env) {
    }

    /** What the chains hold for these leases; empty when there are none (then the chains go). */
    record Rules(List<String> nat, List<String> filter) {
        boolean isEmpty() {
            return nat.isEmpty() && filter.isEmpty();
        }

        /** The whole of both chains as iptables-restore --noflush input: declaring a chain empties it, in the same commit that fills it. */
        String restoreInput() {
            StringBuilder b = new StringBuilder("*nat\n:" + NAT_CHAIN + " - [0:0]\n");
            nat.forEach(r -> b.append("-A ").append(NAT_CHAIN).append(' ').append(r).append('\n'));
            b.append("COMMIT\n*filter\n:").append(FILTER_CHAIN).append(" - [0:0]\n");
            filter.forEach(r -> b.append("-A ").append(FILTER_CHAIN).append(' ').append(r).append('\n'));
            return b.append("COMMIT\n").toString();
        }
    }

    /**
     * flanneld's rules for each lease, with every RETURN before every MASQUERADE. In flannel's chain the
     * networks' rules follow in the order their flanneld started, so where two networks disagree about a
     * packet (one returns it, another would masquerade it) the first to start wins, whichever that was.
     * Putting the returns first means ours never overturns flannel's decision: a packet flannel's chain
     * masqueraded never reaches ours, and one it returned meets that same RETURN here before any
     * MASQUERADE. A packet neither matches goes on as before.
     */
    static Rules rules(List<Lease> leases) {
        List<Lease> sorted = leases.stream().sorted(Comparator.comparing(Lease::network)).toList();
        List<String> returns = new ArrayList<>();
        List<String> masquerades = new ArrayList<>();
        List<String> filter = new ArrayList<>();
        String c = "-m comment --comment \"" + COMMENT + "\"";
        for (Lease l : sorted) {
            String net = l.env().network();
            String sub = l.env().subnetCidr();
            if (l.env().ipMasq()) {
                if (returns.isEmpty()) {
                    returns.add("-m mark --mark " + KUBE_PROXY_MARK + " " + c + " -j RETURN");
                }
                returns.add("-s " + sub + " -d " + net + " " + c + " -j RETURN");
                returns.add("-s " + net + " -d " + sub + " " + c + " -j RETURN");
                returns.add("! -s " + net + " -d " + sub + " " + c + " -j RETURN");
                masquerades.add("-s " + net + " ! -d 224.0.0.0/4 " + c + " -j MASQUERADE --random-fully");
                masquerades.add("! -s " + net + " -d " + net + " " + c + " -j MASQUERADE --random-fully");
            }
            // flanneld's --iptables-forward-rules (on by default, and multinet leaves it so)
            filter.add("-s " + net + " " + c + " -j ACCEPT");
            filter.add("-d " + net + " " + c + " -j ACCEPT");
        }
        returns.addAll(masquerades);
        return new Rules(returns, filter);
    }

    private final HostNetwork host;
    /** What was last written; rewritten when the leases change or the chains no longer hold it. */
    private Rules applied;

    FlannelRuleMirror(HostNetwork host) {
        this.host = host;
    }

    /**
     * Brings the chains and their jumps to what these leases need, touching iptables only when
     * something differs (every write of a legacy iptables table rewrites the whole table). With no
     * leases left, the chains and jumps are removed: nothing of multinet stays in the node's tables.
     */
    void keep(List<Lease> leases) {
        Rules want = rules(leases);
        if (want.isEmpty()) {
            if (applied == null || !applied.isEmpty()) {
                remove();
                applied = want;
            }
            return;
        }
        if (!want.equals(applied) || host.ruleCount("nat", NAT_CHAIN) != want.nat().size()
                || host.ruleCount("filter", FILTER_CHAIN) != want.filter().size()) {
            host.iptablesRestore(want.restoreInput());
            applied = want;
        }
        for (String[] j : JUMPS) {
            // appended: flannel's own chain, and kube-proxy's before it, decide first
            if (!jump("-C", j)) {
                jump("-A", j);
            }
        }
    }

    /** The subnet files of the networks' running (or last run) flanneld on this node; a network without one has no rules yet. */
    static List<Lease> leases(List<NodeNetwork> networks) {
        List<Lease> out = new ArrayList<>();
        for (NodeNetwork n : networks) {
            if (n.allocated() == null || n.allocated().subnetFile == null) {
                continue;
            }
            Path file = Path.of(n.allocated().subnetFile);
            if (!Files.exists(file)) {
                continue;
            }
            try {
                out.add(new Lease(n.name(), SubnetEnv.read(file)));
            } catch (IOException | IllegalArgumentException e) {
                LOG.debugf("subnet file %s not readable yet: %s", file, e.getMessage());
            }
        }
        return out;
    }

    /** Checks (-C), appends (-A) or deletes (-D) one of the {@link #JUMPS}; whether iptables succeeded. */
    private boolean jump(String op, String[] j) {
        return host.iptablesSucceeds("-t", j[0], op, j[1], "-m", "comment", "--comment", COMMENT, "-j", j[2]);
    }

    /** Takes the chains and their jumps out of the node's tables (no leases left, or multinet uninstalled). */
    void remove() {
        for (String[] j : JUMPS) {
            while (jump("-D", j)) {
                // a jump added twice (by hand, or by two daemons racing) goes too
            }
            if (host.ruleCount(j[0], j[2]) >= 0) {
                host.iptablesSucceeds("-t", j[0], "-F", j[2]);
                host.iptablesSucceeds("-t", j[0], "-X", j[2]);
            }
        }
    }
}
