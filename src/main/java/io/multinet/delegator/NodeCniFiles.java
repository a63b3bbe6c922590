package io.multinet.delegator;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.multinet.Json;
import io.multinet.NetworkNames;

/**
 * What the node role puts on the host for the container runtime (Multus keeps the same in its
 * pkg/server/config): the shim as cni-bin-dir/multinet, the conflist that makes the runtime call
 * it, and the reading of the node's own primary CNI config, which multinet uses as eth0 when no
 * MultiNetwork is the default.
 */
final class NodeCniFiles {

    private static final Logger LOG = Logger.getLogger(NodeCniFiles.class);

    private final NodeSettings settings;
    /** The conflist as last written; touched only by the refresh thread. */
    private String written;

    NodeCniFiles(NodeSettings settings) {
        this.settings = settings;
    }

    Path socketPath() {
        return Path.of(settings.socketDir(), NetworkNames.SOCKET_FILE);
    }

    Path conflistPath() {
        return Path.of(settings.cniConfDir(), NetworkNames.CNI_CONFIG_FILE);
    }

    Path shimPath() {
        return Path.of(settings.cniBinDir(), NetworkNames.CNI_TYPE);
    }

    /** Whether the conflist is on the node, as this daemon wrote it. */
    boolean conflistWritten() {
        return written != null;
    }

    /** temp file + rename: a runtime exec'ing the old binary never sees "text file busy". */
    void installShim() throws IOException {
        Path target = shimPath();
        byte[] shim;
        try {
            shim = Files.readAllBytes(Path.of(settings.shimSource()));
        } catch (NoSuchFileException e) {
            // outside the image the shim is target/multinet of the build: say which setting points at it
            throw new IllegalStateException("the CNI shim " + settings.shimSource() + " does not exist: set multinet.node.shim-source "
                    + "(env MULTINET_NODE_SHIM_SOURCE) to the built shim, e.g. target/multinet", e);
        }
        if (Files.exists(target) && java.util.Arrays.equals(Files.readAllBytes(target), shim)) {
            return;
        }
        AttachmentCache.writeAtomically(target, shim);
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
        LOG.infof("installed the CNI shim as %s", target);
    }

    /**
     * The node's existing primary CNI config: the one named in the settings, else the first by name,
     * as kubelet picks. Called from CNI worker threads: it only reads.
     */
    Optional<ClusterView.DefaultNetwork> primaryConfig() {
        Path chosen;
        String why;
        if (settings.primaryConfig().isPresent()) {
            chosen = Path.of(settings.primaryConfig().get());
            why = "named in multinet.node.primary-config";
        } else {
            try (Stream<Path> files = Files.list(Path.of(settings.cniConfDir()))) {
                chosen = files.filter(p -> p.toString().matches(".*\\.(conf|conflist|json)$"))
                        .filter(p -> !p.getFileName().toString().equals(NetworkNames.CNI_CONFIG_FILE)).sorted().findFirst().orElse(null);
            } catch (IOException e) {
                chosen = null;
            }
            why = "first CNI config in " + settings.cniConfDir() + " by name, as the container runtime would choose";
        }
        if (chosen == null || !Files.exists(chosen)) {
            return Optional.empty();
        }
        try {
            ObjectNode conf = (ObjectNode) Json.parse(chosen);
            return Optional.of(new ClusterView.DefaultNetwork(conf.path("name").asText(chosen.getFileName().toString()), conf,
                    chosen + " (" + why + ")"));
        } catch (IOException | ClassCastException e) {
            LOG.warnf("primary CNI config %s is not usable: %s", chosen, e.getMessage());
            return Optional.empty();
        }
    }

    /** The conflist that sends every pod to the shim, rewritten only when it changes or went missing. */
    void writeConflist(String defaultNetwork) {
        ObjectNode conflist = Json.object();
        conflist.put("cniVersion", "1.0.0");
        conflist.put("name", "multinet");
        ObjectNode plugin = conflist.putArray("plugins").addObject();
        plugin.put("type", NetworkNames.CNI_TYPE);
        plugin.put("socketPath", socketPath().toString());
        plugin.put("timeoutSeconds", settings.shimTimeoutSeconds());
        plugin.put("defaultNetwork", defaultNetwork);
        String text = Json.pretty(conflist) + "\n";
        if (!text.equals(written) || !Files.exists(conflistPath())) {
            AttachmentCache.writeAtomically(conflistPath(), text.getBytes(StandardCharsets.UTF_8));
            written = text;
            LOG.infof("wrote %s (default network %s)", conflistPath(), defaultNetwork);
        }
    }

    /**
     * Uninstall: the conflist goes first, so the runtime falls back to the node's own primary CNI
     * config at once and no new pod is sent to a daemon that is gone; then the shim.
     */
    void removeFromNode() {
        for (Path p : List.of(conflistPath(), shimPath())) {
            try {
                if (Files.deleteIfExists(p)) {
                    LOG.infof("multinet is being uninstalled: removed %s", p);
                }
            } catch (IOException e) {
                LOG.errorf("multinet is being uninstalled, but %s could not be removed: %s", p, e.getMessage());
            }
        }
    }
}
