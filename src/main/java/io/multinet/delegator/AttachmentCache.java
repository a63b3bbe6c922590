package io.multinet.delegator;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.multinet.Json;
import io.multinet.cni.CniException;

/**
 * Per-container plans (/var/lib/multinet/cache/<containerID>): written before any delegate runs,
 * so that DEL works without the API server and after a crash half-way through ADD.
 */
public class AttachmentCache {

    private static final Logger LOG = Logger.getLogger(AttachmentCache.class);
    /** Container IDs become file names: keep them to what runtimes use. */
    private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,254}");
    private final Path dir;
    /**
     * The networks (CNI config names) of every cached container, kept as the files are written and
     * removed: the node state counts attachments every refresh without reading each file.
     */
    private final Map<String, List<String>> networks = new ConcurrentHashMap<>();

    public AttachmentCache(Path dir) {
        this.dir = dir;
        for (String id : containers()) {
            try {
                read(id).ifPresent(e -> networks.put(id, networksOf(e)));
            } catch (CniException e) {
                LOG.warnf("skipping cache entry %s: %s", id, e.getMessage());
            }
        }
    }

    private static List<String> networksOf(CacheEntry entry) {
        return entry.attachments().stream().map(Attachment::configName).toList();
    }

    /** Networks of each cached container, without touching the disk. */
    public Map<String, List<String>> networks() {
        return Collections.unmodifiableMap(networks);
    }

    public static void requireSafeId(String containerId) {
        if (containerId == null || !SAFE_ID.matcher(containerId).matches()) {
            throw new CniException(CniException.INVALID_ENV, "CNI_CONTAINERID '" + containerId + "' is missing or not a valid container ID");
        }
    }

    public Optional<CacheEntry> read(String containerId) {
        Path f = dir.resolve(containerId);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(decode((ObjectNode) Json.parse(f)));
        } catch (IOException | ClassCastException e) {
            throw new CniException(CniException.IO_FAILURE, "cache entry " + f + " is unreadable: " + e.getMessage());
        }
    }

    public void write(CacheEntry entry) {
        writeAtomically(dir.resolve(entry.containerId()), Json.bytes(encode(entry)));
        networks.put(entry.containerId(), networksOf(entry));
    }

    /**
     * The file format. Its keys are the ones entries have always had, so a daemon upgraded on a node
     * still reads what the previous version wrote and DELs those pods.
     */
    static ObjectNode encode(CacheEntry e) {
        ObjectNode n = Json.object();
        n.put("containerId", e.containerId());
        n.put("netns", e.netns());
        if (e.netnsId() != null) {
            n.put("netnsId", e.netnsId());
        }
        n.put("cniVersion", e.cniVersion());
        if (e.podNamespace() != null) {
            n.put("podNamespace", e.podNamespace()).put("podName", e.podName());
        }
        var list = n.putArray("attachments");
        for (Attachment a : e.attachments()) {
            ObjectNode o = list.addObject();
            o.put("network", a.network()).put("ifname", a.ifname()).put("default", a.isDefault());
            o.set("conf", a.conf());
            if (a.result() != null) {
                o.set("result", a.result());
            }
        }
        return n;
    }

    static CacheEntry decode(ObjectNode n) {
        List<Attachment> attachments = new ArrayList<>();
        for (var a : n.path("attachments")) {
            attachments.add(new Attachment(a.path("network").asText(), a.path("ifname").asText(), a.path("default").asBoolean(),
                    (ObjectNode) a.get("conf"), a.get("result")));
        }
        return new CacheEntry(n.path("containerId").asText(), n.path("netns").asText(""), n.path("netnsId").asText(null),
                n.path("cniVersion").asText(null), n.path("podNamespace").asText(null), n.path("podName").asText(null), attachments);
    }

    public void delete(String containerId) {
        try {
            Files.deleteIfExists(dir.resolve(containerId));
            networks.remove(containerId);
        } catch (IOException e) {
            throw new CniException(CniException.IO_FAILURE, "cannot remove cache entry for " + containerId + ": " + e.getMessage());
        }
    }

    public List<String> containers() {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var s = Files.list(dir)) {
            return new ArrayList<>(s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList());
        } catch (IOException e) {
            throw new CniException(CniException.IO_FAILURE, "cannot list " + dir + ": " + e.getMessage());
        }
    }

    /** temp file + rename: a reader (or a crash) never sees half a file. */
    public static void writeAtomically(Path target, byte[] content) {
        try {
            Files.createDirectories(target.getParent());
            Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
            try {
                Files.write(tmp, content);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new CniException(CniException.IO_FAILURE, "cannot write " + target + ": " + e.getMessage());
        }
    }
}
