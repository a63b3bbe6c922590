package io.multinet.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.multinet.NetworkNames;

/**
 * Issue 21: multinet is a drop-in for Multus. The same pods, with the same NADs (bridge +
 * host-local, macvlan on eth1, static IPAM, the flannel networks) and every annotation form Multus
 * documents, go through Multus v4.3's thick plugin (installed from its own manifests, its cluster
 * network the same flannel default) and then through multinet, on the same node. Each side must
 * give the pod what the annotation asks for; then the two are compared interface by interface
 * (names, MTU, MAC, address ranges), route by route, and network-status entry by entry. Every
 * difference must be one that docs/delegator.md lists as deliberate, and every one listed must
 * still occur.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultusCompatE2E {

    static final String PODS = "default";
    static final String NODE = "node1";
    static final String MAC = "02:00:00:00:12:34";
    static final ObjectMapper JSON = new ObjectMapper();

    /** The pods: each annotation form Multus documents, and the interfaces it must give (besides lo and eth0). */
    record Case(String pod, String annotation, List<String> interfaces) {
    }

    static final List<Case> CASES = List.of(
            new Case("compat-name", "compat-br", List.of("net1")),
            new Case("compat-nsname", "default/compat-mv", List.of("net1")),
            new Case("compat-ifname", "compat-br@data0", List.of("data0")),
            new Case("compat-list", "compat-br, default/compat-mv@mv0, flannel2-conf", List.of("net1", "mv0", "net3")),
            new Case("compat-repeat", "compat-br,compat-br", List.of("net1", "net2")),
            new Case("compat-json", """
                    [{"name": "compat-br", "interface": "ext0", "cni-args": {"purpose": "compat"}},
                     {"name": "compat-mv", "namespace": "default", "mac": "%s", "ips": ["10.124.0.150/24"]},
                     {"name": "compat-static", "ips": ["10.125.0.10/24"]},
                     {"name": "flannel1-conf"}]""".formatted(MAC), List.of("ext0", "net2", "net3", "net4")),
            new Case("compat-default-route", "[{\"name\": \"compat-mv\", \"default-route\": [\"10.124.0.1\"]}]", List.of("net1")));

    static KubernetesClient k8s;
    static Path work;
    static boolean multusInstalled;
    static final Map<String, Seen> byMultus = new LinkedHashMap<>();
    static final Map<String, Seen> byMultinet = new LinkedHashMap<>();
    /** What each side left on node1 once its pods were deleted: IPAM leases and flannel's per-container files. */
    static final Map<String, List<Path>> leftBehind = new LinkedHashMap<>();

    @BeforeAll
    static void install() throws Exception {
        k8s = TestCluster.admin();
        work = Files.createDirectories(TestCluster.project().resolve("target/e2e/multus-compat"));
        SeedNetworks.install(work);
        Path nads = Multus.writeNads(work);
        TestCluster.kubectl("apply", "-f", nads.toString());
        SeedNetworks.awaitReady(Duration.ofMinutes(5));
    }

    @AfterAll
    static void cleanup() throws Exception {
        try {
            deletePods();
            if (multusInstalled) {
                Multus.uninstall(Multus.Flavour.THICK, work);
                Multus.startMultinet();
            }
            TestCluster.kubectlAs(TestCluster.kubeconfig(), "delete", "-f", work.resolve("nads.yaml").toString(), "--ignore-not-found");
            TestCluster.kubectl("delete", "mnet", "--all", "--wait=true", "--timeout=300s");
            System.out.println(TestCluster.runDocumented("uninstall"));
        } finally {
            k8s.close();
        }
    }

    @Test
    @Order(1)
    void multusThickGivesEachFormItsInterfaces() throws Exception {
        Multus.stopMultinet();
        multusInstalled = true;
        Multus.writeDefaultNetwork(k8s);
        Multus.install(Multus.Flavour.THICK, work);
        String conf = Files.readString(TestCluster.nodeRoot(NODE).resolve("etc/cni/net.d").resolve(Multus.CONFIG));
        System.out.println("Multus thick's " + Multus.CONFIG + " on " + NODE + ":\n" + conf);
        assertTrue(conf.contains("\"multus-shim\"") && conf.contains(Multus.DEFAULT_CONFIG), "Multus did not take flannel1 as its cluster network: " + conf);
        runAll("Multus thick", byMultus);
        Multus.uninstall(Multus.Flavour.THICK, work);
        multusInstalled = false;
        Multus.startMultinet();
    }

    @Test
    @Order(2)
    void multinetGivesEachFormItsInterfaces() throws Exception {
        runAll("multinet", byMultinet);
    }

    @Test
    @Order(3)
    void theSameInterfacesAddressesRoutesAndNetworkStatusAsMultus() throws Exception {
        assertEquals(byMultus.keySet(), byMultinet.keySet(), "both sides ran every case");
        Map<String, List<String>> differences = new TreeMap<>();
        for (Case c : CASES) {
            for (String d : compare(byMultus.get(c.pod), byMultinet.get(c.pod))) {
                differences.computeIfAbsent(d.substring(0, d.indexOf(':')), k -> new ArrayList<>()).add(c.pod + " " + d);
            }
        }
        if (!leftBehind.get("Multus thick").isEmpty()) {
            differences.put("leases", List.of("Multus thick left " + leftBehind.get("Multus thick").size() + " lease files, multinet "
                    + leftBehind.get("multinet").size()));
        }
        System.out.println("differences between Multus thick and multinet, by kind:");
        differences.forEach((k, v) -> v.forEach(d -> System.out.println("  " + d)));
        Set<String> documented = documentedDifferences();
        assertEquals(documented, differences.keySet(), "docs/delegator.md lists as deliberate differences from Multus exactly those that occur: "
                + differences);
    }

    // ---- one side ----------------------------------------------------------------------------------

    static void runAll(String side, Map<String, Seen> into) throws Exception {
        deletePods(); // what a failed earlier side left
        Set<Path> before = new TreeSet<>(Multus.leases(NODE));
        for (Case c : CASES) {
            k8s.pods().inNamespace(PODS).resource(pod(c)).create();
        }
        for (Case c : CASES) {
            try {
                k8s.pods().inNamespace(PODS).withName(c.pod).waitUntilCondition(TestCluster::ready, 4, java.util.concurrent.TimeUnit.MINUTES);
            } catch (RuntimeException e) {
                throw new AssertionError(side + ": " + c.pod + " not Ready; its events:\n" + TestCluster.kubectl("get", "events", "-n", PODS,
                        "--field-selector=involvedObject.name=" + c.pod, "-o", "custom-columns=REASON:.reason,MESSAGE:.message"), e);
            }
            // the network-status annotation may follow readiness by a moment (multinet writes it after ADD answered)
            TestCluster.await(side + ": " + c.pod + " has its network-status", Duration.ofMinutes(1), () -> status(c.pod) != null);
            Seen seen = observe(c.pod);
            System.out.println(side + ": " + c.pod + " (" + c.annotation.replaceAll("\\s+", " ") + ")\n" + seen.text);
            checkOneSide(side, c, seen);
            into.put(c.pod, seen);
        }
        deletePods();
        List<Path> left = Multus.leftBehind(NODE, before);
        leftBehind.put(side, left);
        System.out.println(side + " left " + left.size() + " files in /var/lib/cni of " + NODE + " after its pods were deleted: " + left);
        if (side.equals("multinet")) {
            assertEquals(List.of(), left, "multinet releases every lease and cache file of a deleted pod");
        } else if (!left.isEmpty()) {
            String log = TestCluster.kubectl("logs", "-n", Multus.NS, "-l", "app=multus", "--tail=-1", "--prefix");
            System.out.println("what Multus logged of its DELs on " + NODE + ":\n" + log.lines().filter(l -> l.contains("DEL") || l.contains("Del"))
                    .limit(40).collect(java.util.stream.Collectors.joining("\n")));
            // as an admin would after a leak, so the next side starts from the same IPAM state
            for (Path p : left) {
                Files.delete(p);
            }
        }
    }

    static void deletePods() {
        TestCluster.kubectlAs(TestCluster.kubeconfig(), "delete", "pod", "-n", PODS, "-l", "e2e=compat", "--ignore-not-found", "--wait=true",
                "--timeout=180s");
    }

    /** What the annotation asks for, on this side alone; and the pod's own network-status tells the truth. */
    static void checkOneSide(String side, Case c, Seen s) {
        List<String> want = new ArrayList<>(List.of("eth0"));
        want.addAll(c.interfaces);
        assertEquals(new TreeSet<>(want), new TreeSet<>(s.ifaces.keySet()), side + ": " + c.pod + "'s interfaces\n" + s.text);
        assertEquals(new TreeSet<>(want), new TreeSet<>(s.status.keySet()), side + ": " + c.pod + "'s network-status entries\n" + s.text);
        for (String i : want) {
            JsonNode e = s.status.get(i);
            List<String> ips = new ArrayList<>();
            e.path("ips").forEach(ip -> ips.add(ip.asText()));
            assertEquals(s.ifaces.get(i).addrs.stream().map(a -> a.replaceFirst("/.*", "")).toList(), ips, side + ": " + c.pod + " " + i + " ips\n" + s.text);
            assertEquals(s.ifaces.get(i).mac, e.path("mac").asText(), side + ": " + c.pod + " " + i + " mac\n" + s.text);
        }
        assertTrue(s.ifaces.get("eth0").addrs.get(0).startsWith("172.96."), side + ": eth0 on flannel1\n" + s.text);
        if (c.pod.equals("compat-json")) {
            assertEquals(MAC, s.ifaces.get("net2").mac, side + ": the requested MAC\n" + s.text);
            assertEquals(List.of("10.124.0.150/24"), s.ifaces.get("net2").addrs, side + ": the requested address\n" + s.text);
            assertEquals(List.of("10.125.0.10/24"), s.ifaces.get("net3").addrs, side + ": the static address\n" + s.text);
            assertTrue(s.ifaces.get("net4").addrs.get(0).startsWith("172.96."), side + ": flannel1 as an extra network\n" + s.text);
        }
        if (c.pod.equals("compat-list")) {
            assertTrue(s.ifaces.get("net3").addrs.get(0).startsWith("172.112."), side + ": flannel2\n" + s.text);
        }
        // Multus v4.3 does not carry default-route out: it deletes the old default route by a netlink
        // attribute that netlink v1.3 no longer leaves empty, and ignores the "exists" of adding the new
        // one (docs/delegator.md, Differences from Multus). multinet does what the spec says.
        if (c.pod.equals("compat-default-route") && side.equals("multinet")) {
            assertTrue(s.routes.contains("default via 10.124.0.1 dev net1"), side + ": the requested default route\n" + s.text);
            assertTrue(s.routes.stream().noneMatch(r -> r.startsWith("default via") && r.contains("dev eth0")), side + ": eth0 keeps no default\n" + s.text);
        }
    }

    // ---- what a pod has ----------------------------------------------------------------------------

    record Iface(String name, String mac, String mtu, List<String> addrs) {
    }

    /** A pod's interfaces (lo aside), its IPv4 routes (its own addresses named by interface) and its network-status by interface. */
    record Seen(Map<String, Iface> ifaces, List<String> routes, Map<String, JsonNode> status, String text) {
    }

    static final Pattern LINK = Pattern.compile("^\\d+: ([^:@\\s]+)(?:@\\S+)?: .* mtu (\\d+) .*link/\\S+ ([0-9a-f:]+)");
    static final Pattern ADDR = Pattern.compile("^\\d+: (\\S+)\\s+inet (\\S+)");

    static Seen observe(String pod) throws Exception {
        String out = TestCluster.kubectl("exec", "-n", PODS, pod, "--", "sh", "-c", "ip -o link; echo @@; ip -o -4 addr; echo @@; ip -4 route");
        String[] parts = out.split("@@\n");
        Map<String, Iface> ifaces = new TreeMap<>();
        for (String l : parts[0].lines().toList()) {
            Matcher m = LINK.matcher(l);
            if (m.find() && !m.group(1).equals("lo")) {
                ifaces.put(m.group(1), new Iface(m.group(1), m.group(3), m.group(2), new ArrayList<>()));
            }
        }
        Map<String, String> owner = new LinkedHashMap<>();
        for (String l : parts[1].lines().toList()) {
            Matcher m = ADDR.matcher(l);
            if (m.find() && ifaces.containsKey(m.group(1))) {
                ifaces.get(m.group(1)).addrs.add(m.group(2));
                owner.put(m.group(2).replaceFirst("/.*", ""), m.group(1));
            }
        }
        List<String> routes = new ArrayList<>();
        for (String l : parts[2].lines().toList()) {
            String r = l.strip().replaceAll("\\s+", " ");
            for (var o : owner.entrySet()) {
                r = r.replace("src " + o.getKey(), "src <" + o.getValue() + ">");
            }
            routes.add(r);
        }
        Map<String, JsonNode> status = new TreeMap<>();
        JSON.readTree(status(pod)).forEach(e -> status.put(e.path("interface").asText(), e));
        return new Seen(ifaces, routes, status, out + NetworkNames.NETWORK_STATUS_ANNOTATION + ": " + status(pod));
    }

    static String status(String pod) {
        Pod p = k8s.pods().inNamespace(PODS).withName(pod).get();
        return p.getMetadata().getAnnotations().get(NetworkNames.NETWORK_STATUS_ANNOTATION);
    }

    static Pod pod(Case c) {
        return TestCluster.busyboxPod(c.pod, NODE, "e2e", "compat", c.annotation);
    }

    // ---- the comparison ----------------------------------------------------------------------------

    /**
     * The differences of one pod, each "kind: detail". Addresses are compared by range (the network
     * and prefix), since host-local may hand out another address of the same range; MACs and
     * addresses that the annotation fixes were checked exactly on each side.
     */
    static List<String> compare(Seen multus, Seen multinet) {
        List<String> d = new ArrayList<>();
        if (!multus.ifaces.keySet().equals(multinet.ifaces.keySet())) {
            d.add("interfaces: Multus " + multus.ifaces.keySet() + ", multinet " + multinet.ifaces.keySet());
        }
        for (String i : multus.ifaces.keySet()) {
            Iface a = multus.ifaces.get(i);
            Iface b = multinet.ifaces.get(i);
            if (b == null) {
                continue;
            }
            if (!a.mtu.equals(b.mtu)) {
                d.add("mtu: " + i + " Multus " + a.mtu + ", multinet " + b.mtu);
            }
            if (!a.addrs.stream().map(MultusCompatE2E::range).toList().equals(b.addrs.stream().map(MultusCompatE2E::range).toList())) {
                d.add("addresses: " + i + " Multus " + a.addrs + ", multinet " + b.addrs);
            }
        }
        if (!new TreeSet<>(multus.routes).equals(new TreeSet<>(multinet.routes))) {
            d.add("routes: Multus " + multus.routes + ", multinet " + multinet.routes);
        }
        for (String i : multus.status.keySet()) {
            JsonNode a = multus.status.get(i);
            JsonNode b = multinet.status.get(i);
            if (b == null) {
                continue;
            }
            Set<String> fields = new TreeSet<>();
            a.fieldNames().forEachRemaining(fields::add);
            b.fieldNames().forEachRemaining(fields::add);
            for (String f : fields) {
                boolean same = switch (f) {
                    // compared against the pod itself on each side
                    case "ips", "mac" -> a.has(f) == b.has(f) && a.path(f).size() == b.path(f).size();
                    default -> a.path(f).equals(b.path(f));
                };
                if (!same) {
                    d.add("status." + f + ": " + i + " Multus " + a.path(f) + ", multinet " + b.path(f));
                }
            }
        }
        return d;
    }

    /** 10.123.0.7/24 -> 10.123.0.0/24 */
    static String range(String cidr) {
        String[] p = cidr.split("/");
        int len = Integer.parseInt(p[1]);
        long ip = 0;
        for (String o : p[0].split("\\.")) {
            ip = ip << 8 | Integer.parseInt(o);
        }
        long net = len == 0 ? 0 : ip & (0xffffffffL << (32 - len)) & 0xffffffffL;
        return (net >> 24) + "." + (net >> 16 & 255) + "." + (net >> 8 & 255) + "." + (net & 255) + "/" + len;
    }

    /** The kinds of difference docs/delegator.md's "Differences from Multus" lists: its lines "- `kind`: why". */
    static Set<String> documentedDifferences() throws Exception {
        List<String> lines = Files.readAllLines(TestCluster.project().resolve("docs/delegator.md"));
        int at = lines.indexOf("## Differences from Multus");
        assertTrue(at >= 0, "docs/delegator.md has no section \"## Differences from Multus\"");
        Set<String> kinds = new TreeSet<>();
        Pattern item = Pattern.compile("^- `([a-z.]+)`: ");
        for (String l : lines.subList(at + 1, lines.size())) {
            if (l.startsWith("## ")) {
                break;
            }
            Matcher m = item.matcher(l);
            if (m.find()) {
                kinds.add(m.group(1));
            }
        }
        return kinds;
    }
}
