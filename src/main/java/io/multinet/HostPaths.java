package io.multinet;

/**
 * Every default host path multinet uses, in one place: the settings take their defaults from here,
 * and so do the DaemonSets that mount them and the flannel CNI rules. Tests and the demo move them
 * under a temporary root through the settings, never by editing these.
 */
public final class HostPaths {

    /** Where runtimes look for CNI plugins; the shim is installed here. */
    public static final String CNI_BIN_DIR = "/opt/cni/bin";
    /** Where Debian and Ubuntu install the CNI reference plugins. */
    public static final String CNI_LIB_DIR = "/usr/lib/cni";
    public static final String CNI_CONF_DIR = "/etc/cni/net.d";
    /** flanneld's run directory: its default subnet file lives here. */
    public static final String RUN_FLANNEL = "/run/flannel";
    /** The flannel CNI plugin's own default subnet file. */
    public static final String FLANNEL_SUBNET_FILE = RUN_FLANNEL + "/subnet.env";
    /** multinet's subnet files, one per network. */
    public static final String SUBNET_FILE_DIR = RUN_FLANNEL + "/networks";
    /** The flannel CNI plugin's default dataDir; multinet's per-network dataDirs go below it. */
    public static final String FLANNEL_DATA_DIR = "/var/lib/cni/flannel";
    /** host-local's lease store. */
    public static final String IPAM_DATA_DIR = "/var/lib/cni/networks";
    public static final String CNI_DATA_DIR = "/var/lib/cni";
    /** The delegator's socket directory. */
    public static final String SOCKET_DIR = "/run/multinet";
    public static final String STATE_DIR = "/var/lib/multinet";
    public static final String CACHE_DIR = STATE_DIR + "/cache";
    public static final String NETNS_DIR = "/run/netns";

    private HostPaths() {
    }
}
