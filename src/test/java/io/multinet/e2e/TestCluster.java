package io.multinet.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/**
 * The real two-node cluster of e2e/cluster (make cluster-up), as the *E2E tests reach it: `make e2e`
 * runs them inside the cluster's admin network namespace and says where the admin kubeconfig and
 * kubectl are. The tests talk to it as an admin would, through the fabric8 client and kubectl.
 */
public final class TestCluster {

    // The test ground's names come from e2e/cluster/lib.sh, through the environment e2e/run sets.

    public static List<String> nodes() {
        return List.of(required("MULTINET_E2E_NODES").split(" "));
    }

    public static String busybox() {
        return required("MULTINET_E2E_BUSYBOX");
    }

    /** The etcd that flannel networks in etcd mode use: TLS with client certificates, on node1. */
    public static String flannelEtcd() {
        return required("MULTINET_E2E_FLANNEL_ETCD");
    }

    /** The prefix of every network namespace the test ground makes (check.sh looks for leftovers by it). */
    public static String nsPrefix() {
        return required("MULTINET_E2E_NS_PREFIX");
    }

    public static String nodeNetns(String node) {
        return nsPrefix() + "-" + node;
    }

    private TestCluster() {
    }

    public static Path kubeconfig() {
        return Path.of(required("MULTINET_E2E_KUBECONFIG"));
    }

    /** The cluster's certificates (e2e/cluster/up.sh), among them the flannel etcd's client certificate. */
    public static Path pki() {
        return kubeconfig().getParent().resolve("pki");
    }

    /** A node's mount namespace (nsenter --mount), where its host directories are bound in place. */
    public static Path nodeMountNs(String node) {
        return kubeconfig().getParent().resolve("mnt").resolve(node);
    }

    /** What a node's host directories (/run/flannel, /var/lib/cni, ...) hold, seen from outside the node. */
    public static Path nodeRoot(String node) {
        return kubeconfig().getParent().resolve("nodes").resolve(node).resolve("root");
    }

    /** The test ground's OLM build (e2e/cluster/modules/olm): olm, catalog, cpb, opm, grpc-health-probe, bundlecheck. */
    public static Path olmBin() {
        return Path.of(required("MULTINET_E2E_OLM"));
    }

    /** OLM's CRDs as its release ships them (deploy/chart/crds of the pinned module). */
    public static Path olmCrds() {
        return Path.of(required("MULTINET_E2E_OLM_CRDS"));
    }

    /** Multus' own deployments/ directory of the pinned module (e2e/cluster/modules/multus): its install manifests. */
    public static Path multusDeployments() {
        return Path.of(required("MULTINET_E2E_MULTUS"));
    }

    public static String olmImage() {
        return required("MULTINET_E2E_OLM_IMAGE");
    }

    public static String catalogImage() {
        return required("MULTINET_E2E_CATALOG_IMAGE");
    }

    public static Path project() {
        return Path.of(System.getProperty("user.dir"));
    }

    public static KubernetesClient admin() {
        return client(kubeconfig());
    }

    public static KubernetesClient client(Path kubeconfig) {
        try {
            return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + kubeconfig, e);
        }
    }

    /** kubectl as the cluster admin; fails with kubectl's own message on a non-zero exit. */
    public static String kubectl(String... args) {
        Result r = kubectlAs(kubeconfig(), args);
        if (r.exit != 0) {
            throw new AssertionError("kubectl " + String.join(" ", args) + " exited " + r.exit + ": " + r.err + r.out);
        }
        return r.out;
    }

    public record Result(int exit, String out, String err) {
    }

    public static Result kubectlAs(Path kubeconfig, String... args) {
        return kubectlAs(kubeconfig, Duration.ofMinutes(2), args);
    }

    /** kubectl that may take this long (a --wait longer than the usual two minutes). */
    public static Result kubectlAs(Path kubeconfig, Duration timeout, String... args) {
        List<String> cmd = new ArrayList<>(List.of(required("MULTINET_E2E_KUBECTL"), "--kubeconfig", kubeconfig.toString()));
        cmd.addAll(List.of(args));
        return exec(new ProcessBuilder(cmd), null, timeout);
    }

    /**
     * Runs a process to its end: stdin given (or none), stdout and stderr read apart (stderr on a
     * thread of its own, so a full pipe never blocks the process). Fails when it outlives the timeout.
     */
    public static Result exec(ProcessBuilder pb, String stdin, Duration timeout) {
        String what = String.join(" ", pb.command());
        try {
            Process p = pb.start();
            try (var in = p.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            var errText = new StringBuilder();
            Thread t = new Thread(() -> {
                try {
                    errText.append(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException ignored) {
                    // the process is gone; what was read is the message
                }
            });
            t.start();
            String outText = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(what + " did not finish in " + timeout.toSeconds() + "s");
            }
            t.join();
            return new Result(p.exitValue(), outText, errText.toString());
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs, as the admin would, the shell block that docs/install.md marks with
     * {@code <!-- e2e: marker -->}: the page is what is tested, so it cannot drift from what works.
     */
    public static String runDocumented(String marker) {
        return runShell(documented("docs/install.md", marker), "docs/install.md's " + marker + " commands");
    }

    /** The lines of the ```sh block that a page marks with {@code <!-- e2e: marker -->}. */
    public static List<String> documented(String page, String marker) {
        try {
            List<String> lines = Files.readAllLines(project().resolve(page));
            int at = lines.indexOf("<!-- e2e: " + marker + " -->");
            if (at < 0 || !lines.get(at + 1).equals("```sh")) {
                throw new AssertionError(page + " has no ```sh block after <!-- e2e: " + marker + " -->");
            }
            return lines.subList(at + 2, lines.subList(at + 2, lines.size()).indexOf("```") + at + 2);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Lines of a page run as an admin's shell would: from the repository's root, with this cluster's kubeconfig and kubectl. */
    public static String runShell(List<String> lines, String what) {
        return output(adminShell(String.join("\n", lines)), Duration.ofMinutes(10), what);
    }

    /** bash -euo pipefail for these commands, set up as {@link #runShell} runs them; not started. */
    public static ProcessBuilder adminShell(String commands) {
        ProcessBuilder pb = new ProcessBuilder("bash", "-euo", "pipefail", "-xc", commands).directory(project().toFile());
        pb.environment().put("KUBECONFIG", kubeconfig().toString());
        pb.environment().put("PATH", Path.of(required("MULTINET_E2E_KUBECTL")).getParent() + ":" + System.getenv("PATH"));
        return pb;
    }

    /** A command of this machine (not kubectl), its output; fails with that output on a non-zero exit. */
    public static String command(String... cmd) {
        return output(new ProcessBuilder(cmd), Duration.ofMinutes(2), String.join(" ", cmd));
    }

    /** Output and errors in one text, as a terminal shows them; fails with that text on a non-zero exit. */
    private static String output(ProcessBuilder pb, Duration timeout, String what) {
        Result r = exec(pb.redirectErrorStream(true), null, timeout);
        if (r.exit() != 0) {
            throw new AssertionError(what + " failed:\n" + r.out());
        }
        return r.out();
    }

    /** A busybox pod that sleeps, pinned to a node, with one label and (unless null) the networks annotation. */
    public static io.fabric8.kubernetes.api.model.Pod busyboxPod(String name, String node, String labelKey, String labelValue, String networks) {
        var b = new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName(name).addToLabels(labelKey, labelValue).endMetadata();
        if (networks != null) {
            b.editMetadata().addToAnnotations(io.multinet.NetworkNames.NETWORKS_ANNOTATION, networks).endMetadata();
        }
        return b.withNewSpec().withNodeName(node).withTerminationGracePeriodSeconds(0L)
                .addNewContainer().withName("busybox").withImage(busybox()).withImagePullPolicy("IfNotPresent")
                .withCommand("sleep", "3600").endContainer().endSpec().build();
    }

    /** Regular files under dir, host-local's lock and cursor aside (none when dir does not exist): a node's per-pod state. */
    public static List<Path> stateFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        // walked while pods' DELs still remove files: one that goes away between listing and looking is not there
        List<Path> out = new java.util.ArrayList<>();
        Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path p, java.nio.file.attribute.BasicFileAttributes attrs) {
                String name = p.getFileName().toString();
                if (attrs.isRegularFile() && !name.equals("lock") && !name.startsWith("last_reserved_ip")) {
                    out.add(p);
                }
                return java.nio.file.FileVisitResult.CONTINUE;
            }

            @Override
            public java.nio.file.FileVisitResult visitFileFailed(Path p, IOException e) throws IOException {
                if (e instanceof java.nio.file.NoSuchFileException) {
                    return java.nio.file.FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        return out;
    }

    /** A DaemonSet's pods Ready on every node; false while it does not exist yet. */
    public static boolean readyOnEveryNode(String namespace, String daemonSet) {
        return kubectlAs(kubeconfig(), "get", "ds", "-n", namespace, daemonSet, "-o", "jsonpath={.status.numberReady}").out()
                .equals(String.valueOf(nodes().size()));
    }

    /** A pod's Ready condition is True. */
    public static boolean ready(io.fabric8.kubernetes.api.model.Pod p) {
        return p != null && p.getStatus() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
    }

    /** Waits for a condition of the cluster; fails naming what did not happen. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) {
        long end = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < end) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e; // the cluster may not answer yet: try again until the timeout
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("not within " + timeout.toSeconds() + "s: " + what + (last != null ? " (last error: " + last.getMessage() + ")" : ""));
    }

    private static String required(String variable) {
        String v = System.getenv(variable);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException(variable + " is not set: the *E2E tests run against the real cluster; start them with `make e2e`"
                    + " (or `make test`), which brings the cluster up and sets it");
        }
        return v;
    }
}
