package io.multinet.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Named network namespaces for one test ("node", "pod-a", ...), with a leak check: at close every
 * namespace must hold only lo and the links its set-up declared, the namespace the tests run in
 * must hold no link it did not have at the start, and every tracked file or directory must be gone
 * or empty. Leaks fail the test; the namespaces are removed either way.
 */
public final class NetnsFixture implements AutoCloseable {

    private static final Pattern LINK = Pattern.compile("^\\d+: ([^:@]+)[:@]", Pattern.MULTILINE);

    private final String run = "mn" + UUID.randomUUID().toString().substring(0, 6);
    private final Map<String, Netns> namespaces = new LinkedHashMap<>();
    private final List<Path> tracked = new ArrayList<>();
    private final List<Path> leaseDirs = new ArrayList<>();
    private final List<String> outerBaseline;
    private final boolean checkOuter = insideTestNamespace();

    public NetnsFixture() {
        outerBaseline = linkNames(run(List.of("ip", "-o", "link", "show")));
    }

    /** True inside the namespace `make test` made for the suite: only there may a test touch the current namespace. */
    public static boolean insideTestNamespace() {
        String ns = System.getenv("MULTINET_TEST_NETNS");
        return ns != null && !ns.isEmpty() && run(List.of("ip", "netns", "identify", String.valueOf(ProcessHandle.current().pid())))
                .trim().equals(ns);
    }

    /** Creates a namespace named after its role in the test, with loopback up. */
    public Netns create(String role) {
        String name = run + "-" + role;
        run(List.of("ip", "netns", "add", name));
        Netns ns = new Netns(name);
        namespaces.put(role, ns);
        ns.ip("link", "set", "lo", "up");
        return ns;
    }

    /**
     * A namespace with a fixed name, created if missing, tracked and removed like the others. For a
     * namespace that must be known before a test's own code runs (a Quarkus test profile is read by
     * more than one class loader, so a random name there would be made twice and leak once).
     */
    public Netns adopt(String name) {
        boolean exists = run(List.of("ip", "netns", "list")).lines().anyMatch(l -> l.split(" ")[0].equals(name));
        if (!exists) {
            run(List.of("ip", "netns", "add", name));
        }
        Netns ns = new Netns(name);
        namespaces.put(name, ns);
        ns.ip("link", "set", "lo", "up");
        return ns;
    }

    public Netns get(String role) {
        return namespaces.get(role);
    }

    /** Removes one namespace before the end, failing if it still holds links the set-up did not declare. */
    public void remove(String role) {
        Netns ns = namespaces.remove(role);
        List<String> left = ns.unexpectedLinks();
        run(List.of("ip", "netns", "del", ns.name()));
        if (!left.isEmpty()) {
            throw new AssertionError("links " + left + " left in namespace " + ns.name());
        }
    }

    /**
     * Removes a namespace the way a runtime tears down a sandbox, with whatever is still in it: the
     * kernel then destroys its interfaces and their veth peers, and nothing else.
     */
    public void vanish(String role) {
        Netns ns = namespaces.remove(role);
        run(List.of("ip", "netns", "del", ns.name()));
    }

    /** A file or directory that must not exist (or, for a directory, must be empty) at the end. */
    public Path track(Path path) {
        tracked.add(path);
        return path;
    }

    /** A host-local IPAM directory: no lease (a file named after an IP address) may remain in it or below. */
    public Path trackLeases(Path ipamDir) {
        leaseDirs.add(ipamDir);
        return ipamDir;
    }

    /** Everything left behind, one line each; empty when clean. */
    public List<String> leaks() {
        List<String> leaks = new ArrayList<>();
        for (Netns ns : namespaces.values()) {
            for (String l : ns.unexpectedLinks()) {
                leaks.add("link " + l + " left in namespace " + ns.name());
            }
        }
        // Outside the suite's own namespace the machine's links come and go by themselves.
        if (checkOuter) {
            for (String l : linkNames(run(List.of("ip", "-o", "link", "show")))) {
                if (!outerBaseline.contains(l)) {
                    leaks.add("link " + l + " left in the test's own namespace");
                }
            }
        }
        for (Path p : tracked) {
            if (Files.isDirectory(p)) {
                try (var list = Files.list(p)) {
                    list.forEach(f -> leaks.add("file " + f + " left behind"));
                } catch (IOException e) {
                    leaks.add("cannot read " + p + ": " + e.getMessage());
                }
            } else if (Files.exists(p)) {
                leaks.add("file " + p + " left behind");
            }
        }
        for (Path d : leaseDirs) {
            if (Files.isDirectory(d)) {
                try (var walk = Files.walk(d)) {
                    walk.filter(Files::isRegularFile).filter(f -> f.getFileName().toString().matches("[0-9.]+|[0-9a-f:]+"))
                            .forEach(f -> leaks.add("IP lease " + f + " left behind"));
                } catch (IOException e) {
                    leaks.add("cannot read " + d + ": " + e.getMessage());
                }
            }
        }
        return leaks;
    }

    /** Removes every namespace, then fails if anything was left behind. */
    @Override
    public void close() {
        List<String> leaks = leaks();
        for (Netns ns : namespaces.values()) {
            runQuietly(List.of("ip", "netns", "del", ns.name()));
        }
        for (String left : run(List.of("ip", "netns", "list")).split("\n")) {
            if (left.startsWith(run + "-")) {
                leaks.add("namespace " + left.split(" ")[0] + " could not be removed");
            }
        }
        namespaces.clear();
        if (!leaks.isEmpty()) {
            throw new AssertionError("left behind:\n  " + String.join("\n  ", leaks));
        }
    }

    static List<String> linkNames(String ipOLinkShow) {
        List<String> names = new ArrayList<>();
        Matcher m = LINK.matcher(ipOLinkShow);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** Runs a command, returns stdout; a non-zero exit throws with stderr in the message. */
    public static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).start();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", command));
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (" + p.exitValue() + "): "
                        + new String(err, StandardCharsets.UTF_8).trim());
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void runQuietly(List<String> command) {
        try {
            run(command);
        } catch (IllegalStateException ignored) {
            // best effort during clean-up; what stays is reported as a leak
        }
    }
}
