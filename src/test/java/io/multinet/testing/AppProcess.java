package io.multinet.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The built application (target/quarkus-app) started as a process of its own against the stand-in
 * API server, as its pod would run it: for the demo and the benchmarks, where its own memory and its
 * own JVM are part of what is shown or measured.
 */
public final class AppProcess {

    private AppProcess() {
    }

    /**
     * @param env the role's settings (MULTINET_*) and anything else it needs; HTTP on 127.0.0.1:port,
     *        the API server URL and WARN logging are added here
     */
    public static Process start(Path project, List<String> jvmOptions, Map<String, String> env, String apiUrl, int port, Path log)
            throws IOException {
        return launch(jvmOptions, List.of("-jar", project.resolve("target/quarkus-app/quarkus-run.jar").toString()),
                Map.of("QUARKUS_HTTP_PORT", String.valueOf(port), "QUARKUS_HTTP_HOST", "127.0.0.1", "QUARKUS_KUBERNETES_CLIENT_API_SERVER_URL", apiUrl,
                        "QUARKUS_KUBERNETES_CLIENT_TRUST_CERTS", "true", "QUARKUS_LOG_LEVEL", "WARN"),
                env, log);
    }

    /**
     * The node role (io.multinet.delegator.NodeDaemon) from the built application, as the image's
     * run-java.sh starts it for MULTINET_ROLE=node.
     *
     * @param env the node's settings (MULTINET_NODE_*); HTTP on 127.0.0.1:port, the API server URL and
     *        WARN logging are added here
     */
    public static Process startNode(Path project, List<String> jvmOptions, Map<String, String> env, String apiUrl, int port, Path log)
            throws IOException {
        return launch(jvmOptions, nodeMain(project), Map.of("MULTINET_NODE_HTTP_HOST", "127.0.0.1", "MULTINET_NODE_HTTP_PORT", String.valueOf(port),
                "MULTINET_NODE_API_SERVER_URL", apiUrl, "MULTINET_NODE_LOG_LEVEL", "WARN"), env, log);
    }

    /** java with these options and arguments; the role's own defaults for a local run first, then env over them. */
    private static Process launch(List<String> jvmOptions, List<String> args, Map<String, String> defaults, Map<String, String> env, Path log)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of("java"));
        cmd.addAll(jvmOptions);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(defaults);
        pb.environment().putAll(env);
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        return pb.start();
    }

    /**
     * The node's class data archive, as e2e/cluster/images/build.sh dumps it into the image, for the
     * application in target/quarkus-app on this machine's JVM: from the class list NodeDaemonIT wrote
     * (target/node.classlist), to `jsa`; returns the JVM option that maps it.
     */
    public static String nodeArchive(Path project, Path jsa) throws IOException, InterruptedException {
        Path classlist = project.resolve("target/node.classlist");
        if (!Files.isRegularFile(classlist)) {
            throw new IllegalStateException("no " + classlist + ": NodeDaemonIT writes it (bench/run runs it when it is missing)");
        }
        List<String> cmd = new ArrayList<>(List.of("java", "-Xshare:dump", "-XX:SharedClassListFile=" + classlist, "-XX:SharedArchiveFile=" + jsa));
        cmd.addAll(nodeMain(project).subList(0, 2));
        Path log = Files.createTempFile("multinet-cds", ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (p.waitFor() != 0 || !Files.isRegularFile(jsa)) {
                throw new IllegalStateException("dumping the node's class data archive failed: " + Files.readString(log));
            }
        } finally {
            Files.deleteIfExists(log);
        }
        return "-XX:SharedArchiveFile=" + jsa;
    }

    /** The java arguments after the JVM's options that start the node role from target/quarkus-app. */
    public static List<String> nodeMain(Path project) {
        Path app = project.resolve("target/quarkus-app");
        return List.of("-cp", io.multinet.delegator.NodeClasspath.resolve(app, app.toString()), io.multinet.delegator.NodeDaemon.class.getName());
    }

    /**
     * What the operator's Deployment runs with, for a process outside the prod profile: leader election
     * (prod) first asks the API server for a SelfSubjectRulesReview, which the stand-in cannot answer,
     * and one replica needs no election.
     */
    public static Map<String, String> operatorEnv(String namespace) {
        return Map.of("MULTINET_ROLE", "operator", "QUARKUS_PROFILE", "demo", "QUARKUS_KUBERNETES_CLIENT_NAMESPACE", namespace,
                "QUARKUS_OPERATOR_SDK_CRD_APPLY", "false");
    }

    /** JVM flags to try next to the shipped ones, from an environment variable (blank: none). */
    public static List<String> extraFlags(String variable) {
        String extra = System.getenv().getOrDefault(variable, "").strip();
        return extra.isEmpty() ? List.of() : List.of(extra.split("\\s+"));
    }

    /** Native Memory Tracking's summary of a process started with -XX:NativeMemoryTracking; empty otherwise. */
    public static String nativeMemory(Process p, List<String> flags) throws IOException, InterruptedException {
        if (flags.stream().noneMatch(f -> f.startsWith("-XX:NativeMemoryTracking"))) {
            return "";
        }
        Process jcmd = new ProcessBuilder("jcmd", String.valueOf(p.pid()), "VM.native_memory", "summary").redirectErrorStream(true).start();
        String summary = new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        jcmd.waitFor();
        return summary;
    }

    /** Resident set size of a process, in KiB. */
    public static long rssKb(Process p) {
        return statusKb(p.pid(), "VmRSS");
    }

    public static long rssKb(long pid) {
        return statusKb(pid, "VmRSS");
    }

    /** Peak resident set size of a process since it started or since {@link #resetPeakRss}, in KiB. */
    public static long peakRssKb(Process p) {
        return statusKb(p.pid(), "VmHWM");
    }

    public static long peakRssKb(long pid) {
        return statusKb(pid, "VmHWM");
    }

    /** Starts the peak RSS afresh from the current RSS (clear_refs 5). */
    public static void resetPeakRss(Process p) {
        resetPeakRss(p.pid());
    }

    public static void resetPeakRss(long pid) {
        try {
            Files.writeString(Path.of("/proc/" + pid + "/clear_refs"), "5");
        } catch (IOException e) {
            throw new IllegalStateException("cannot reset the peak RSS of " + pid + ": " + e.getMessage(), e);
        }
    }

    /** Threads of a process now. */
    public static long threads(long pid) {
        return statusKb(pid, "Threads"); // a count, not KiB: the field's number all the same
    }

    private static long statusKb(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + field + " of " + pid + ": " + e.getMessage(), e);
        }
        throw new IllegalStateException("no " + field + " for " + pid);
    }
}
