package io.multinet.delegator;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which network namespace a path names. A path is not an identity: runtimes such as ctr pass
 * /proc/&lt;pid&gt;/ns/net, and once that process is gone the PID is handed to another process in
 * another namespace. Nor is the nsfs inode alone: the kernel hands a freed namespace's inode number
 * to the next namespace made, so the new process's namespace can carry the very same device:inode
 * (seen in the test with a recycled PID). For /proc paths the identity therefore also holds the
 * process's start time (field 22 of /proc/&lt;pid&gt;/stat), which a recycled PID does not share;
 * bind mounts under /var/run/netns pin their namespace, so its inode stays taken while the path
 * exists. ADD records the identity; DEL and the garbage collector enter a namespace only when its
 * path still names that identity.
 */
final class NetnsIdentity {

    private static final Path OWN = Path.of("/proc/self/ns/net");
    private static final Pattern PROC_NS = Pattern.compile("/proc/[^/]+/(task/[^/]+/)?ns/.*");
    private static final Pattern PROC_PID = Pattern.compile("/proc/([0-9]+)/.*");

    private NetnsIdentity() {
    }

    /** device:inode of the file a path resolves to, or empty when there is none. */
    static Optional<String> of(String path) {
        if (path == null || path.isEmpty()) {
            return Optional.empty();
        }
        try {
            Path p = Path.of(path);
            Object dev = Files.getAttribute(p, "unix:dev");
            Object ino = Files.getAttribute(p, "unix:ino");
            java.util.regex.Matcher pid = PROC_PID.matcher(path);
            if (!pid.matches()) {
                return Optional.of(dev + ":" + ino);
            }
            String stat = Files.readString(Path.of("/proc", pid.group(1), "stat"));
            // the command name in field 2 may hold spaces and parentheses: count from the last ')'
            String[] after = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Optional.of(dev + ":" + ino + "@" + after[19]);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | IndexOutOfBoundsException e) {
            return Optional.empty();
        }
    }

    /**
     * Why the path is not a network namespace, or null. Every namespace file lives on the one nsfs
     * device, so a file on another device (a regular file, a directory) is not one; under /proc, a
     * namespace file of another kind (mnt, uts) is told apart by its name.
     */
    static String problem(String path) {
        Optional<String> id = of(path);
        if (id.isEmpty()) {
            return "does not exist";
        }
        String nsfs = of(OWN.toString()).map(x -> x.substring(0, x.indexOf(':'))).orElse(null);
        String dev = id.get().substring(0, id.get().indexOf(':'));
        if (nsfs != null && !nsfs.equals(dev)) {
            return "is not a network namespace";
        }
        if (PROC_NS.matcher(path).matches() && !path.endsWith("/ns/net")) {
            return "is a namespace of another kind, not a network namespace";
        }
        return null;
    }

    /**
     * The namespace path a DEL may enter: the path (the runtime's, else the one cached at ADD) if it
     * still names the namespace ADD attached to; "" otherwise, and the delegates then clean up only
     * on the host and in IPAM, as CNI asks of a DEL whose namespace is gone. Entries from before
     * identities were recorded keep the old behaviour: the path is trusted.
     */
    static String forDel(String given, CacheEntry entry) {
        String path = given != null && !given.isEmpty() ? given : entry.netns();
        if (path == null || path.isEmpty()) {
            return "";
        }
        if (entry.netnsId() == null) {
            return path;
        }
        return names(path, entry.netnsId()) ? path : "";
    }

    /** Whether the path still names the namespace of that identity (DEL and the garbage collector ask). */
    static boolean names(String path, String identity) {
        return of(path).filter(identity::equals).isPresent();
    }
}
