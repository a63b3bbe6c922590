package io.multinet.api.v1alpha1;

/** An IPv4 CIDR. Parsing is strict because flannel silently masks host bits, hiding typos. */
public record Cidr(long base, int prefix) {

    /** @throws IllegalArgumentException with a message that names the value and what is wrong with it */
    public static Cidr parse(String text) {
        return of(text, false);
    }

    /**
     * The network an interface address lies in, from the address with its prefix length: flannel's
     * subnet file says FLANNEL_SUBNET=172.96.0.1/24 where its lease says 172.96.0.0/24.
     *
     * @throws IllegalArgumentException as {@link #parse}, but host bits are what it expects
     */
    public static Cidr containing(String addressWithPrefix) {
        return of(addressWithPrefix, true);
    }

    private static Cidr of(String text, boolean hostBitsAllowed) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("is empty");
        }
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("'" + text + "' is not a CIDR (expected a.b.c.d/len)");
        }
        long addr = parseAddress(text.substring(0, slash));
        String len = text.substring(slash + 1);
        if (!isDecimal(len)) {
            throw new IllegalArgumentException("'" + text + "' has an invalid prefix length");
        }
        int prefix = Integer.parseInt(len);
        if (prefix > 32) {
            throw new IllegalArgumentException("'" + text + "' has a prefix length outside 0-32");
        }
        Cidr c = new Cidr(addr & mask(prefix), prefix);
        if (!hostBitsAllowed && c.base != addr) {
            throw new IllegalArgumentException("'" + text + "' has host bits set (did you mean " + c + "?)");
        }
        return c;
    }

    public static long parseAddress(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
        }
        long v = 0;
        for (String p : parts) {
            if (!isDecimal(p)) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address"
                        + (p.length() > 1 && p.startsWith("0") && p.chars().allMatch(Character::isDigit) ? " (no leading zeros: Go's parser, and so flannel, refuses them)" : ""));
            }
            int octet = Integer.parseInt(p);
            if (octet > 255) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
            }
            v = (v << 8) | octet;
        }
        return v;
    }

    /**
     * 1 to 3 ASCII digits without a leading zero: what Go's net.ParseIP and net.ParseCIDR accept,
     * so what flannel and the CNI plugins can read ("+24", "-0", "010" are not).
     */
    public static boolean isDecimal(String s) {
        return s.matches("0|[1-9][0-9]{0,2}");
    }

    public static String formatAddress(long v) {
        return ((v >> 24) & 255) + "." + ((v >> 16) & 255) + "." + ((v >> 8) & 255) + "." + (v & 255);
    }

    static long mask(int prefix) {
        return prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
    }

    public long last() {
        return base | (~mask(prefix) & 0xFFFFFFFFL);
    }

    public boolean contains(long addr) {
        return (addr & mask(prefix)) == base;
    }

    public boolean overlaps(Cidr o) {
        return base <= o.last() && o.base <= last();
    }

    /** RFC 1918 and RFC 6598 (carrier-grade NAT) space, where a pod network belongs. */
    public boolean isPrivate() {
        for (String p : new String[] { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10" }) {
            Cidr c = parse(p);
            if (c.contains(base) && c.contains(last())) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return formatAddress(base) + "/" + prefix;
    }
}
