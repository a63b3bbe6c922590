package io.multinet.flannel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** flanneld's subnet file (--subnet-file): FLANNEL_NETWORK, FLANNEL_SUBNET, FLANNEL_MTU, FLANNEL_IPMASQ. */
public record SubnetEnv(String network, String subnet, int mtu, boolean ipMasq) {

    /** @throws IOException when the file is missing or unreadable; IllegalArgumentException naming a missing key */
    public static SubnetEnv read(Path file) throws IOException {
        return parse(Files.readString(file), file.toString());
    }

    public static SubnetEnv parse(String text, String source) {
        Map<String, String> v = new HashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                v.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        for (String key : new String[] { "FLANNEL_NETWORK", "FLANNEL_SUBNET" }) {
            if (!v.containsKey(key)) {
                throw new IllegalArgumentException(source + " has no " + key);
            }
        }
        int mtu;
        try {
            mtu = Integer.parseInt(v.getOrDefault("FLANNEL_MTU", "1500"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + ": FLANNEL_MTU is not a number");
        }
        return new SubnetEnv(v.get("FLANNEL_NETWORK"), v.get("FLANNEL_SUBNET"), mtu, Boolean.parseBoolean(v.getOrDefault("FLANNEL_IPMASQ", "false")));
    }

    /** FLANNEL_SUBNET names the node's gateway address (x.y.z.1/24); host-local wants the subnet itself. */
    public String subnetCidr() {
        int slash = subnet.indexOf('/');
        long addr = io.multinet.api.v1alpha1.Cidr.parseAddress(subnet.substring(0, slash));
        int len = Integer.parseInt(subnet.substring(slash + 1));
        long mask = len == 0 ? 0 : (0xFFFFFFFFL << (32 - len)) & 0xFFFFFFFFL;
        return io.multinet.api.v1alpha1.Cidr.formatAddress(addr & mask) + "/" + len;
    }

    /** The file as flanneld writes it (the demo and tests play flanneld with this). */
    public String render() {
        return "FLANNEL_NETWORK=" + network + "\nFLANNEL_SUBNET=" + subnet + "\nFLANNEL_MTU=" + mtu + "\nFLANNEL_IPMASQ=" + ipMasq + "\n";
    }
}
