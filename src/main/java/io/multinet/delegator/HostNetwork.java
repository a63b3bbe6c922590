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

    private record Result(int exit, String output) {
    }

    private Result ip(String... args) {
        List<String> cmd = new ArrayList<>(netns.map(ns -> List.of("ip", "-n", ns)).orElse(List.of("ip")));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
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
