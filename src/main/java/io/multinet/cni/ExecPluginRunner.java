package io.multinet.cni;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;

import io.multinet.Json;

/** Execs plugin binaries from the CNI bin dirs, as a container runtime does. */
public class ExecPluginRunner implements PluginRunner {

    /**
     * Ends plugins that overrun their timeout. The thread that runs a plugin reads its stdout itself and
     * its stderr goes to a file, so an exec costs no thread of ours but this one, shared: two reader
     * threads per exec were a third of the node daemon's threads under load (issue 20).
     */
    private static final java.util.concurrent.ScheduledExecutorService WATCHDOG = java.util.concurrent.Executors
            .newSingleThreadScheduledExecutor(io.multinet.Threads.daemon("plugin-watchdog"));
    /** What a plugin's stderr adds to an error message at most. */
    private static final int STDERR_KEPT = 4096;
    /**
     * A plugin's stderr file: this process' own name and a count, not Files.createTempFile, which seeds
     * a SecureRandom (hundreds of classes) for a name.
     */
    private static final String STDERR_PREFIX = "multinet-plugin-" + ProcessHandle.current().pid() + "-";
    private static final java.util.concurrent.atomic.AtomicLong EXECS = new java.util.concurrent.atomic.AtomicLong();
    private final List<String> dirs;
    private final Duration timeout;
    private final List<String> prefix;

    private static final String LAUNCH_MECHANISM = "jdk.lang.Process.launchMechanism";

    /**
     * vfork+exec where the JDK still offers it (17 to 24). Every CNI request execs plugins, and the
     * default (posix_spawn of a helper process that then execs the plugin) costs about a millisecond
     * more per exec (docs/benchmarks.md). JDK 25 deprecates VFORK and later ones drop it, so there the
     * default stays. The JDK reads the property once, at its first exec: call this before that. An
     * operator-set value (-D on the command line) is left alone.
     */
    public static void preferVfork() {
        if (Runtime.version().feature() < 25 && System.getProperty(LAUNCH_MECHANISM) == null) {
            System.setProperty(LAUNCH_MECHANISM, "VFORK");
        }
    }

    public ExecPluginRunner(List<String> dirs, Duration timeout) {
        this(dirs, timeout, List.of());
    }

    /**
     * @param prefix command that plugins run under, e.g. `ip netns exec node` when a network namespace
     *        plays the node (tests); empty on a real node
     */
    public ExecPluginRunner(List<String> dirs, Duration timeout, List<String> prefix) {
        this.dirs = dirs;
        this.timeout = timeout;
        this.prefix = prefix;
    }

    @Override
    public void replaceDefaultRoute(String netnsPath, String gateway, String device) {
        List<String> cmd = new java.util.ArrayList<>(prefix);
        cmd.addAll(List.of("nsenter", "--net=" + netnsPath, "ip", "route", "replace", "default", "via", gateway, "dev", device));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0) {
                throw new CniException(CniException.DELEGATE_FAILED, "default-route via " + gateway + " dev " + device + " failed: " + out);
            }
        } catch (IOException e) {
            throw new CniException(CniException.IO_FAILURE, "cannot set default-route: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CniException(CniException.TRY_AGAIN_LATER, "interrupted while setting default-route");
        }
    }

    Path find(String type) {
        if (type == null || type.isEmpty() || type.contains("/") || type.startsWith(".")) {
            throw new CniException(CniException.INVALID_CONFIG, "plugin type '" + type + "' is not a plugin name");
        }
        for (String d : dirs) {
            Path p = Path.of(d, type);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new CniException(CniException.INVALID_CONFIG, "plugin '" + type + "' not found in " + String.join(":", dirs));
    }

    @Override
    public byte[] run(String type, Map<String, String> env, byte[] stdin) {
        Path bin = find(type);
        List<String> cmd = new java.util.ArrayList<>(prefix);
        cmd.add(bin.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.environment().put("CNI_PATH", String.join(":", dirs));
        pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        Path stderr = Path.of(System.getProperty("java.io.tmpdir"), STDERR_PREFIX + EXECS.incrementAndGet() + ".stderr");
        pb.redirectError(stderr.toFile());
        try {
            Process p = pb.start();
            java.util.concurrent.atomic.AtomicBoolean overran = new java.util.concurrent.atomic.AtomicBoolean();
            var kill = WATCHDOG.schedule(() -> {
                if (p.isAlive()) {
                    overran.set(true);
                    p.destroyForcibly();
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            byte[] stdout;
            try {
                try (var in = p.getOutputStream()) {
                    in.write(stdin);
                } catch (IOException ignored) {
                    // a plugin may exit without reading its config; its exit status tells
                }
                // until the plugin closes it, at its exit or when the watchdog ends it
                stdout = readAll(p.getInputStream());
                p.waitFor();
            } finally {
                kill.cancel(false);
            }
            if (overran.get()) {
                throw new CniException(CniException.TRY_AGAIN_LATER, "plugin '" + type + "' did not finish within " + seconds(timeout));
            }
            if (p.exitValue() == 0) {
                return stdout;
            }
            throw failure(type, p.exitValue(), stdout, head(stderr));
        } catch (IOException e) {
            throw new CniException(CniException.IO_FAILURE, "cannot run plugin '" + type + "': " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CniException(CniException.TRY_AGAIN_LATER, "interrupted while running plugin '" + type + "'");
        } finally {
            try {
                Files.deleteIfExists(stderr);
            } catch (IOException e) {
                // the next run's tmpdir is the container's own; nothing else to do
            }
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    /** The start of a plugin's stderr, as much as an error message carries. */
    private static byte[] head(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(STDERR_KEPT);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /** The plugin's own CNI error when it printed one; otherwise what it wrote, for a crash. */
    static CniException failure(String type, int exit, byte[] stdout, byte[] stderr) {
        try {
            JsonNode e = Json.parse(stdout);
            if (e != null && e.has("code")) {
                String details = e.path("details").asText("");
                return new CniException(e.get("code").asInt(), "plugin '" + type + "' failed: " + e.path("msg").asText()
                        + (details.isEmpty() ? "" : " (" + details + ")"));
            }
        } catch (IOException notJson) {
            // fall through: not a CNI error
        }
        String text = (new String(stderr, StandardCharsets.UTF_8) + " " + new String(stdout, StandardCharsets.UTF_8)).strip();
        return new CniException(CniException.DELEGATE_FAILED, "plugin '" + type + "' exited with " + exit
                + (text.isEmpty() ? " and no output" : ": " + (text.length() > 300 ? text.substring(0, 300) : text)));
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
