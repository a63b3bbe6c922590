package io.multinet.cni;

/**
 * The kernel's rules for a network interface name, in one place for every role: the operator checks
 * bridge and flanneld interface names with them, the delegator CNI_IFNAME and the names pods ask for.
 */
public final class InterfaceNames {

    /** IFNAMSIZ (16) less the terminating NUL. */
    public static final int MAX_LENGTH = 15;

    private InterfaceNames() {
    }

    /**
     * Why a name cannot be an interface name, or null. Beyond the kernel's own rules ('/', ':',
     * whitespace, "." and ".."), '@' is refused: `ip link` prints a link as name@peer, and the pod
     * annotation uses '@' to separate network and interface, so a name holding one cannot be written.
     */
    public static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "is empty";
        }
        if (name.length() > MAX_LENGTH) {
            return "'" + name + "' is longer than " + MAX_LENGTH + " characters";
        }
        if (name.equals(".") || name.equals("..")
                || name.chars().anyMatch(c -> c == '/' || c == ':' || c == '@' || Character.isWhitespace(c))) {
            return "'" + name + "' is not a valid interface name (no '/', ':', '@' or whitespace, not '.' or '..')";
        }
        return null;
    }
}
