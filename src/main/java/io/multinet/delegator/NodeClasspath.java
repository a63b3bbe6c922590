package io.multinet.delegator;

import java.util.List;

/**
 * The node daemon's class path within the built application (target/quarkus-app,
 * /deployments/quarkus-app in the image), as shell globs: multinet's classes and the nine
 * libraries a node uses, not the application's 170-odd jars. The JVM opens every jar of a class path
 * that it searches, keeping each one's central directory in memory, so a listed jar costs memory
 * whether or not a class comes from it (docs/benchmarks.md, issue 20). Of Quarkus' boot jars only
 * jboss-logging: the others bring a JDK LoggerFinder that would take over the JDK's own logging.
 *
 * <p>A library the node starts to use must be added here: `NodeDaemonIT` starts the daemon on this
 * class path and the end-to-end tier runs the image built from it. `main` writes it for the image's
 * build (e2e/cluster/images/build.sh); this class uses nothing but the JDK, so it runs on the
 * application's own jar alone.
 */
public final class NodeClasspath {

    public static final List<String> ENTRIES = List.of("app/*",
            "lib/main/com.fasterxml.jackson.core.jackson-core-*.jar",
            "lib/main/com.fasterxml.jackson.core.jackson-databind-*.jar",
            "lib/main/com.fasterxml.jackson.core.jackson-annotations-*.jar",
            // the API model shared with the operator (MultiNetwork, the NAD) is built on fabric8's. The daemon reads those objects
            // field by field and loads none of it (NodeDaemonIT), but its classes refer to the model: the jars stay, so that a
            // path no test takes never meets a missing class (the four hold about 200 KiB of jar directories)
            "lib/main/io.fabric8.kubernetes-model-core-*.jar",
            "lib/main/io.fabric8.kubernetes-model-common-*.jar",
            "lib/main/io.fabric8.generator-annotations-*.jar",
            "lib/main/io.fabric8.kubernetes-client-api-*.jar",
            // the fabric8 model logs through SLF4J's API; with no provider on the path it logs nothing
            "lib/main/org.slf4j.slf4j-api-*.jar",
            "lib/boot/org.jboss.logging.jboss-logging-*.jar");

    private NodeClasspath() {
    }

    /**
     * The class path of the application in `app`, its globs expanded (`dir/*` stays: java expands it
     * itself), each entry under `root`: where the application will be when the daemon runs.
     *
     * @throws IllegalStateException for a glob that matches no jar: a daemon started without it would
     *         fail only on the first class it needs from it
     */
    public static String resolve(java.nio.file.Path app, String root) {
        List<String> cp = new java.util.ArrayList<>();
        for (String entry : ENTRIES) {
            if (entry.endsWith("/*")) {
                cp.add(root + "/" + entry);
                continue;
            }
            java.nio.file.Path glob = app.resolve(entry);
            int before = cp.size();
            try (var found = java.nio.file.Files.newDirectoryStream(glob.getParent(), glob.getFileName().toString())) {
                found.forEach(f -> cp.add(root + "/" + app.relativize(f)));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("cannot list " + glob.getParent() + ": " + e.getMessage(), e);
            }
            if (cp.size() == before) {
                throw new IllegalStateException("no jar in " + app + " matches the node's class path entry " + entry);
            }
        }
        return String.join(":", cp);
    }

    /** Prints {@link #resolve} of args[0] (the built application) under args[1] (its place in the image). */
    public static void main(String[] args) {
        System.out.println(resolve(java.nio.file.Path.of(args[0]), args[1]));
    }
}
