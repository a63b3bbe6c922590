package io.multinet.delegator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

/**
 * Every look at and change of the node's own network namespace, in one place: the node role runs
 * `ip` here and nowhere else. On a real node that namespace is the daemon's own (hostNetwork); in
 * tests and the demo a node is played by a named namespace (multinet.node.plugin-netns), and this is
 * the one class that knows it.
 */
public final class HostNetwork {

    private static final Logger LOG = Logger.getLogger(HostNetwork.class);
    private static final Pattern INET = Pattern.compile(" inet ([0-9.]+)/");

    private final Optional<String> netns;

    public HostNetwork(Optional<String> netns) {
        this.netns = netns;
    }

    /** What a command for the node's namespace is prefixed with (delegate plugins run under it). */
    public List<String> commandPrefix() {
        return netns.map(ns -> List.of("ip", "netns", "exec", ns)).orElse(List.of());
    }

    public boolean linkExists(String link) {
        if (netns.isEmpty()) {
            return Files.exists(Path.of("/sys/class/net", link));
        }
        return ip("link", "show", "dev", link).exit() == 0;
    }

    public void deleteLink(String link) {
        Result r = ip("link", "del", link);
        if (r.exit() != 0) {
            LOG.warnf("ip link del %s failed: %s", link, r.output());
        }
    }

    /** IPv4 addresses of the node's interfaces (not loopback), sorted. */
    public List<String> addresses() {
        List<String> out = new ArrayList<>();
        for (String line : ip("-o", "-4", "addr", "show", "scope", "global").output().split("\n")) {
            Matcher m = INET.matcher(line);
            if (m.find()) {
                out.add(m.group(1));
            }
        }
        return out.stream().sorted().toList();
    }

    /**
     * Removes every route whose destination lies within the CIDR (host-gw routes to other nodes'
     * subnets outlive flanneld: it removes nothing when it stops).
     */
    public void deleteRoutesWithin(String cidr) {
        for (String line : ip("-4", "route", "show", "root", cidr).output().split("\n")) {
            String[] words = line.strip().split(" ");
            if (words[0].isEmpty()) {
                continue;
            }
            // "blackhole 10.9.50.0/24", "unreachable …": the type comes first and must be named to delete it
            List<String> route = ROUTE_TYPES.contains(words[0]) && words.length > 1 ? List.of(words[0], words[1]) : List.of(words[0]);
            List<String> del = new ArrayList<>(List.of("-4", "route", "del"));
            del.addAll(route);
            Result r = ip(del.toArray(String[]::new));
            if (r.exit() != 0) {
                LOG.warnf("ip route del %s failed: %s", String.join(" ", route), r.output());
            }
        }
    }

    private static final java.util.Set<String> ROUTE_TYPES = java.util.Set.of("blackhole", "unreachable", "prohibit", "throw", "local",
            "broadcast", "multicast", "unicast");

    /** The chains every flanneld shares: its masquerade and forward-accept rules name the network's CIDR. */
    static final String[][] FLANNEL_CHAINS = { { "nat", "FLANNEL-POSTRTG" }, { "filter", "FLANNEL-FWD" } };

    /** Removes the rules of the shared flannel chains that name the CIDR, leaving the other networks' rules. */
    public void deleteFlannelRules(String cidr) {
        for (String[] chain : FLANNEL_CHAINS) {
            Result list = run(iptables("-t", chain[0], "-S", chain[1]));
            if (list.exit() != 0) {
                continue; // the chain does not exist: no flanneld ever ran in iptables mode here
            }
            for (String rule : list.output().split("\n")) {
                if (rule.startsWith("-A ") && rule.contains(" " + cidr + " ")) {
                    List<String> del = new ArrayList<>(iptables("-t", chain[0], "-D"));
                    del.addAll(words(rule.substring(3)));
                    Result r = run(del);
                    if (r.exit() != 0) {
                        LOG.warnf("%s failed: %s", String.join(" ", del), r.output());
                    }
                }
            }
        }
    }

    /** The number of rules in a chain, or -1 when the chain does not exist. */
    public int ruleCount(String table, String chain) {
        Result r = run(iptables("-t", table, "-S", chain));
        return r.exit() != 0 ? -1 : (int) r.output().lines().filter(l -> l.startsWith("-A ")).count();
    }

    /** Runs iptables with these arguments; whether it succeeded (-C: whether the rule exists). */
    public boolean iptablesSucceeds(String... args) {
        return run(iptables(args)).exit() == 0;
    }

    /** iptables-restore --noflush: the chains the input declares are replaced whole, each table in one commit. */
    public void iptablesRestore(String input) {
        List<String> cmd = new ArrayList<>(commandPrefix());
        cmd.addAll(List.of("iptables-restore", "--noflush"));
        Result r = run(cmd, input);
        if (r.exit() != 0) {
            throw new IllegalStateException("iptables-restore failed: " + r.output());
        }
    }

    private List<String> iptables(String... args) {
        List<String> cmd = new ArrayList<>(commandPrefix());
        cmd.add("iptables");
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** iptables -S output as arguments again: words, with "quoted comments" kept whole. */
    static List<String> words(String rule) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"|(\\S+)").matcher(rule);
        while (m.find()) {
            out.add(m.group(1) != null ? m.group(1) : m.group(2));
        }
        return out;
    }

    private record Result(int exit, String output) {
    }

    private Result ip(String... args) {
        List<String> cmd = new ArrayList<>(netns.map(ns -> List.of("ip", "-n", ns)).orElse(List.of("ip")));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    private static Result run(List<String> cmd) {
        return run(cmd, null);
    }

    private static Result run(List<String> cmd, String stdin) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return new Result(p.waitFor(), out);
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }
}
