package io.multinet;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/** Every name, label and annotation multinet uses, in one place (DESIGN.md "Names"). */
public final class NetworkNames {

    public static final String GROUP = "multinet.io";

    public static final String NETWORKS_ANNOTATION = "k8s.v1.cni.cncf.io/networks";
    public static final String NETWORK_STATUS_ANNOTATION = "k8s.v1.cni.cncf.io/network-status";
    /** Marks a NetworkAttachmentDefinition as written by multinet for the named MultiNetwork. */
    public static final String OWNER_ANNOTATION = GROUP + "/owner";

    public static final String LABEL_NAME = "app.kubernetes.io/name";
    public static final String LABEL_COMPONENT = "app.kubernetes.io/component";
    public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
    public static final String LABEL_NETWORK = GROUP + "/network";
    public static final String APP = "multinet";
    public static final String MANAGER = "multinet-operator";
    public static final String COMPONENT_FLANNELD = "flanneld";
    public static final String COMPONENT_DELEGATOR = "delegator";

    public static final String DELEGATOR_DAEMONSET = "multinet-delegator";
    public static final String CNI_TYPE = "multinet";
    public static final String CNI_CONFIG_FILE = "00-multinet.conflist";
    public static final String SOCKET_FILE = "delegator.sock";

    /** flannel's own default prefix: using it means sharing keys with a stock flannel install. */
    public static final String FLANNEL_DEFAULT_PREFIX = "/coreos.com/network";

    public static final int MAX_IFNAME = io.multinet.cni.InterfaceNames.MAX_LENGTH;

    private NetworkNames() {
    }

    public static String flanneldDaemonSet(String network) {
        return "flanneld-" + network;
    }

    public static String defaultEtcdPrefix(String network) {
        return "/multinet.io/networks/" + network;
    }

    public static String subnetFile(String subnetFileDir, String network) {
        return subnetFileDir + "/" + network + ".env";
    }

    public static String dataDir(String dataDirBase, String network) {
        return dataDirBase + "/" + network;
    }

    /** Sorted, so that manifests written from them come out the same every time. */
    public static Map<String, String> flanneldLabels(String network) {
        return java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(Map.of(LABEL_NAME, APP, LABEL_COMPONENT, COMPONENT_FLANNELD,
                LABEL_MANAGED_BY, MANAGER, LABEL_NETWORK, network)));
    }

    public static Map<String, String> delegatorLabels() {
        return java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(Map.of(LABEL_NAME, APP, LABEL_COMPONENT, COMPONENT_DELEGATOR,
                LABEL_MANAGED_BY, MANAGER)));
    }

    /**
     * The n-th bridge name candidate for a network (n = 0, 1, ...). The first is readable
     * ("mn-" + name) when it fits in an interface name; otherwise, and for later candidates used
     * on a collision, a hash keeps it unique and within 15 characters.
     */
    public static String bridgeCandidate(String network, int n) {
        String readable = "mn-" + network;
        if (n == 0 && readable.length() <= MAX_IFNAME) {
            return readable;
        }
        String hash = sha256Hex(network + "#" + n).substring(0, 6);
        String head = network.length() > 5 ? network.substring(0, 5) : network;
        return "mn-" + head + "-" + hash;
    }

    static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
