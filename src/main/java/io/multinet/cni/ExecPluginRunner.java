package io.multinet.cni;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Execs plugin binaries from the CNI bin dirs, as a container runtime does. */
public class ExecPluginRunner implements PluginRunner {

    private static final ObjectMapper JSON = io.multinet.Json.MAPPER;
    /**
     * Drains plugins' stdout and stderr. Reused threads: with fewer than three CPUs the common pool
     * falls back to a new thread per task, two per plugin exec on the ADD path.
     */
    private static final java.util.concurrent.ExecutorService READERS = java.util.concurrent.Executors.newCachedThreadPool(
            io.multinet.Threads.daemon("plugin-output"));
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
        try {
            Process p = pb.start();
            CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()), READERS);
            CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()), READERS);
            try (var in = p.getOutputStream()) {
                in.write(stdin);
            } catch (IOException ignored) {
                // a plugin may exit without reading its config; its exit status tells
            }
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new CniException(CniException.TRY_AGAIN_LATER, "plugin '" + type + "' did not finish within " + timeout.toSeconds() + "s");
            }
            byte[] stdout = out.join();
            if (p.exitValue() == 0) {
                return stdout;
            }
            throw failure(type, p.exitValue(), stdout, err.join());
        } catch (IOException e) {
            throw new CniException(CniException.IO_FAILURE, "cannot run plugin '" + type + "': " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CniException(CniException.TRY_AGAIN_LATER, "interrupted while running plugin '" + type + "'");
        }
    }

    /** The plugin's own CNI error when it printed one; otherwise what it wrote, for a crash. */
    static CniException failure(String type, int exit, byte[] stdout, byte[] stderr) {
        try {
            JsonNode e = JSON.readTree(stdout);
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
