package io.multinet.delegator;

import static io.multinet.testing.NodeSim.addresses;
import static io.multinet.testing.NodeSim.conf;
import static io.multinet.testing.NodeSim.podArgs;
import static io.multinet.testing.NodeSim.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.multinet.api.v1alpha1.Cidr;
import io.multinet.cni.CniException;
import io.multinet.testing.Netns;
import io.multinet.testing.NodeSim;

/** The delegator with the real reference plugins in real network namespaces, and the mock API server. */
class DelegatorIT {

    static final ObjectMapper JSON = new ObjectMapper();
    KubernetesClient client;
    KubernetesMockServer server;
    NodeSim sim;

    @BeforeEach
    void setUp() throws Exception {
        server = io.multinet.testing.MockApi.start();
        client = server.createClient();
        sim = new NodeSim(client, false, List.of());
    }

    @AfterEach
    void tearDown() {
        sim.close();
        client.close();
        server.destroy();
    }

    static boolean inside(String cidr, String addressWithLen) {
        return Cidr.parse(cidr).contains(Cidr.parseAddress(addressWithLen.substring(0, addressWithLen.indexOf('/'))));
    }

    /** The network-status annotation, once written (it is written just after ADD answers). */
    JsonNode status(String ns, String pod) throws Exception {
        io.multinet.testing.OperatorHarness.eventually("network-status on " + pod, () -> client.pods().inNamespace(ns).withName(pod).get()
                .getMetadata().getAnnotations().containsKey(io.multinet.NetworkNames.NETWORK_STATUS_ANNOTATION));
        return NodeSim.networkStatusOf(client.pods().inNamespace(ns).withName(pod).get());
    }

    /** A sandbox per name, each a pod in default selecting flannel2-conf, attached as container c-<name>. */
    List<Netns> attached(String version, String... names) {
        List<Netns> out = new ArrayList<>();
        for (String name : names) {
            Netns box = sim.netns.create(name);
            sim.pod("default", name, "flannel2-conf");
            sim.add(box, "c-" + name, "default", name, version);
            out.add(box);
        }
        return out;
    }

    int code(Runnable r) {
        try {
            r.run();
        } catch (CniException e) {
            return e.code();
        }
        throw new AssertionError("expected a CNI error");
    }

    @Test
    void seedBusyboxGetsEth0AndNet1OnFlannel2() throws Exception {
        Netns box = sim.netns.create("busybox");
        sim.pod("default", "busybox", "flannel2-conf");
        JsonNode result = JSON.readTree(sim.add(box, "c-busybox", "default", "busybox", "1.0.0"));

        List<String> eth0 = addresses(box, "eth0");
        List<String> net1 = addresses(box, "net1");
        assertThat(eth0).singleElement().satisfies(a -> assertThat(inside("172.96.5.0/24", a)).as(a).isTrue());
        assertThat(net1).singleElement().satisfies(a -> assertThat(inside("172.112.88.0/24", a)).as(a).isTrue());
        assertThat(result.get("cniVersion").asText()).isEqualTo("1.0.0");
        assertThat(result.get("ips").get(0).get("address").asText()).isEqualTo(eth0.get(0));
        assertThat(box.ip("route", "show", "default")).as("eth0 carries the default route").contains("dev eth0");
        assertThat(box.ip("route", "show")).contains("172.112.0.0/16 via 172.112.88.1 dev net1");

        JsonNode st = status("default", "busybox");
        assertThat(st).hasSize(2);
        assertThat(st.get(0).get("name").asText()).isEqualTo("flannel1");
        assertThat(st.get(0).get("interface").asText()).isEqualTo("eth0");
        assertThat(st.get(0).get("default").asBoolean()).isTrue();
        assertThat(st.get(0).get("ips").get(0).asText()).isEqualTo(eth0.get(0).split("/")[0]);
        assertThat(st.get(1).get("name").asText()).isEqualTo("default/flannel2-conf");
        assertThat(st.get(1).get("interface").asText()).isEqualTo("net1");
        // as Multus writes it: "default" only on the default network's entry; gateways only from default routes
        assertThat(st.get(1).has("default")).isFalse();
        assertThat(st.get(0).get("gateway").get(0).asText()).isEqualTo("172.96.5.1");
        assertThat(st.get(1).has("gateway")).isFalse();
        assertThat(st.get(1).get("mac").asText()).matches("([0-9a-f]{2}:){5}[0-9a-f]{2}");

        sim.del(box, "c-busybox", "default", "busybox");
        assertThat(box.links()).containsExactly("lo");
    }

    /** What the node daemon asked the API server for since the last call. */
    List<String> apiRequests() throws InterruptedException {
        List<String> out = new java.util.ArrayList<>();
        for (var r = server.takeRequest(50, java.util.concurrent.TimeUnit.MILLISECONDS); r != null;
                r = server.takeRequest(50, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            out.add(r.getMethod() + " " + r.getPath());
        }
        return out;
    }

    @Test
    void addOfAPodTheInformerHasMakesNoApiRead() throws Exception {
        Netns box = sim.netns.create("informed");
        sim.pod("default", "informed", "flannel2-conf");
        io.multinet.testing.OperatorHarness.eventually("the informer has the pod", () -> sim.view.cachedPod("default", "informed").isPresent());
        apiRequests();
        sim.add(box, "c-informed", "default", "informed", "1.0.0");
        List<String> during = new java.util.ArrayList<>();
        io.multinet.testing.OperatorHarness.eventually("the network-status write", () -> {
            try {
                during.addAll(apiRequests());
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return during.stream().anyMatch(r -> r.startsWith("PATCH"));
        });
        // no pod or NAD read: the daemon's one call for this ADD is the network-status PATCH, after it answered
        assertThat(during).singleElement().asString().startsWith("PATCH /api/v1/namespaces/default/pods/informed");
        assertThat(addresses(box, "net1")).hasSize(1);
        sim.del(box, "c-informed", "default", "informed");
    }

    @Test
    void flannel1AttachmentGivesTwoDistinctAddressesOnTheDefaultNetwork() throws Exception {
        Netns box = sim.netns.create("busybox1");
        sim.pod("default", "busybox1", "flannel1-conf");
        sim.add(box, "c-busybox1", "default", "busybox1", "1.1.0");
        String eth0 = addresses(box, "eth0").get(0);
        String net1 = addresses(box, "net1").get(0);
        assertThat(inside("172.96.0.0/16", eth0)).isTrue();
        assertThat(inside("172.96.0.0/16", net1)).isTrue();
        assertThat(eth0).isNotEqualTo(net1);
        sim.del(box, "c-busybox1", "default", "busybox1");
    }

    @Test
    void resultIsConvertedToTheVersionAsked() throws Exception {
        for (String v : List.of("0.3.1", "0.4.0", "1.0.0", "1.1.0")) {
            Netns box = sim.netns.create("v" + v.replace(".", ""));
            String name = "pod-" + v.replace(".", "");
            sim.pod("default", name, null);
            JsonNode r = JSON.readTree(sim.add(box, "c-" + name, "default", name, v));
            assertThat(r.get("cniVersion").asText()).isEqualTo(v);
            assertThat(r.get("ips").get(0).has("version")).as(v).isEqualTo(v.startsWith("0."));
            sim.del(box, "c-" + name, "default", name);
        }
    }

    @Test
    void everyAnnotationForm() throws Exception {
        sim.nad("team-a", "local-net", "{\"cniVersion\":\"1.0.0\",\"type\":\"bridge\",\"bridge\":\"br-local\",\"capabilities\":{\"ips\":true},"
                + "\"ipam\":{\"type\":\"host-local\",\"subnet\":\"10.77.0.0/24\",\"dataDir\":\"" + sim.ipamDir + "\"}}");
        sim.netns.get("node").keep("br-local");
        // text: name, namespace/name, name@ifname, namespace/name@ifname
        Netns a = sim.netns.create("forms-a");
        sim.pod("team-a", "forms-a", "local-net, default/flannel2-conf@data, team-a/local-net@extra");
        sim.add(a, "c-forms-a", "team-a", "forms-a", "1.0.0");
        assertThat(a.links()).contains("eth0", "net1", "data", "extra");
        assertThat(inside("10.77.0.0/24", addresses(a, "net1").get(0))).isTrue();
        assertThat(inside("172.112.88.0/24", addresses(a, "data").get(0))).isTrue();
        sim.del(a, "c-forms-a", "team-a", "forms-a");

        // JSON: name, namespace, interface, ips, cni-args
        Netns b = sim.netns.create("forms-b");
        sim.pod("team-a", "forms-b", "[{\"name\":\"local-net\",\"interface\":\"fixed0\",\"ips\":[\"10.77.0.42/24\"],"
                + "\"cni-args\":{\"note\":\"x\"}},{\"name\":\"flannel2-conf\",\"namespace\":\"default\"}]");
        sim.add(b, "c-forms-b", "team-a", "forms-b", "1.0.0");
        assertThat(addresses(b, "fixed0")).containsExactly("10.77.0.42/24");
        assertThat(b.links()).contains("net2");
        JsonNode st = status("team-a", "forms-b");
        assertThat(st.get(1).get("name").asText()).isEqualTo("team-a/local-net");
        assertThat(st.get(1).get("ips").get(0).asText()).isEqualTo("10.77.0.42");
        sim.del(b, "c-forms-b", "team-a", "forms-b");
    }

    @Test
    void conflistChainingBridgeAndTuningWithMacAndDefaultRoute() throws Exception {
        sim.nad("default", "tuned", "{\"cniVersion\":\"1.0.0\",\"name\":\"tuned\",\"plugins\":["
                + "{\"type\":\"bridge\",\"bridge\":\"br-tuned\",\"ipam\":{\"type\":\"host-local\",\"subnet\":\"10.78.0.0/24\","
                + "\"gateway\":\"10.78.0.1\",\"dataDir\":\"" + sim.ipamDir + "\"}},"
                + "{\"type\":\"tuning\",\"capabilities\":{\"mac\":true},\"sysctl\":{\"net.ipv4.conf.IFNAME.arp_notify\":\"1\"}}]}");
        sim.netns.get("node").keep("br-tuned");
        Netns box = sim.netns.create("tuned");
        sim.pod("default", "tuned", "[{\"name\":\"tuned\",\"mac\":\"02:00:00:00:00:42\",\"default-route\":[\"10.78.0.1\"]}]");
        sim.add(box, "c-tuned", "default", "tuned", "1.0.0");
        assertThat(box.ip("link", "show", "net1")).contains("02:00:00:00:00:42");
        assertThat(box.exec("cat", "/proc/sys/net/ipv4/conf/net1/arp_notify").strip()).isEqualTo("1");
        assertThat(box.ip("route", "show", "default")).contains("via 10.78.0.1 dev net1");
        sim.del(box, "c-tuned", "default", "tuned");
        assertThat(box.links()).containsExactly("lo");
    }

    @Test
    void macvlanOnAMasterLinkOfTheNode() throws Exception {
        Netns node = sim.netns.get("node");
        node.ip("link", "add", "uplink0", "type", "veth", "peer", "name", "uplink1");
        node.ip("link", "set", "uplink0", "up");
        node.keep("uplink0", "uplink1");
        sim.nad("default", "mv", "{\"cniVersion\":\"1.0.0\",\"type\":\"macvlan\",\"master\":\"uplink0\",\"mode\":\"bridge\","
                + "\"ipam\":{\"type\":\"host-local\",\"subnet\":\"10.79.0.0/24\",\"dataDir\":\"" + sim.ipamDir + "\"}}");
        Netns box = sim.netns.create("mv");
        sim.pod("default", "mv", "mv");
        sim.add(box, "c-mv", "default", "mv", "1.0.0");
        assertThat(box.ip("-d", "link", "show", "net1")).contains("macvlan");
        assertThat(inside("10.79.0.0/24", addresses(box, "net1").get(0))).isTrue();
        sim.del(box, "c-mv", "default", "mv");
    }

    @Test
    void partialFailureLeavesNothing() throws Exception {
        sim.nad("default", "broken", "{\"cniVersion\":\"1.0.0\",\"type\":\"macvlan\",\"master\":\"nosuchlink\","
                + "\"ipam\":{\"type\":\"host-local\",\"subnet\":\"10.80.0.0/24\",\"dataDir\":\"" + sim.ipamDir + "\"}}");
        Netns box = sim.netns.create("partial");
        sim.pod("default", "partial", "flannel2-conf, broken");
        assertThatThrownBy(() -> sim.add(box, "c-partial", "default", "partial", "1.0.0")).isInstanceOf(CniException.class)
                .hasMessageContaining("network default/broken (plugin macvlan, interface net2)").hasMessageContaining("Link not found")
                .hasMessageNotContaining("cleanup left work");
        assertThat(box.links()).containsExactly("lo");
        assertThat(sim.delegator.cache().containers()).isEmpty();
        OperatorHarnessEvents.assertEvent(client, "default", "partial", "default/broken");
        // the leak check at close covers IP leases and the flannel dataDir files
    }

    @Test
    void delWorksWithoutTheApiServerTwiceAndForUnknownContainers() throws Exception {
        Netns box = attached("1.0.0", "nodeapi").get(0);
        server.destroy();
        sim.del(box, "c-nodeapi", "default", "nodeapi");
        sim.del(box, "c-nodeapi", "default", "nodeapi");
        sim.delegator.handle(request("DEL", "c-never-added", box, "eth0", podArgs("default", "ghost"), conf("1.0.0")));
        assertThat(box.links()).containsExactly("lo");
        assertThat(sim.delegator.cache().containers()).isEmpty();
    }

    @Test
    void checkChecksEveryAttachment() throws Exception {
        Netns box = attached("1.0.0", "checked").get(0);
        sim.delegator.handle(request("CHECK", "c-checked", box, "eth0", podArgs("default", "checked"), conf("1.0.0")));
        box.ip("link", "del", "net1");
        assertThatThrownBy(() -> sim.delegator.handle(request("CHECK", "c-checked", box, "eth0", podArgs("default", "checked"), conf("1.0.0"))))
                .isInstanceOf(CniException.class).hasMessageContaining("CHECK of network default/flannel2-conf (interface net1)");
        assertThat(code(() -> sim.delegator.handle(request("CHECK", "c-unknown", box, "eth0", "", conf("1.0.0")))))
                .isEqualTo(CniException.UNKNOWN_CONTAINER);
        sim.del(box, "c-checked", "default", "checked");
        assertThat(box.links()).containsExactly("lo");
    }

    @Test
    void gcRemovesWhatTheRuntimeNoLongerLists() throws Exception {
        List<Netns> pods = attached("1.1.0", "keep", "gone");
        Netns keep = pods.get(0);
        Netns gone = pods.get(1);
        sim.delegator.handle(request("GC", null, null, null, null,
                "{\"cniVersion\":\"1.1.0\",\"name\":\"multinet\",\"type\":\"multinet\",\"cni.dev/valid-attachments\":"
                        + "[{\"containerID\":\"c-keep\",\"ifname\":\"eth0\"}]}"));
        assertThat(sim.delegator.cache().containers()).containsExactly("c-keep");
        assertThat(gone.links()).containsExactly("lo");
        assertThat(keep.links()).contains("eth0", "net1");
        sim.del(keep, "c-keep", "default", "keep");
    }

    @Test
    void fiftyPodsEightAtATime() throws Exception {
        List<Netns> boxes = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            boxes.add(sim.netns.create("p" + i));
            sim.pod("default", "p" + i, "flannel2-conf");
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<String>> adds = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                int k = i;
                adds.add(pool.submit(() -> sim.add(boxes.get(k), "c-p" + k, "default", "p" + k, "1.0.0")));
            }
            for (Future<String> f : adds) {
                f.get();
            }
            List<String> all = new ArrayList<>();
            for (Netns b : boxes) {
                all.add(addresses(b, "eth0").get(0));
                all.add(addresses(b, "net1").get(0));
            }
            assertThat(all).doesNotHaveDuplicates().hasSize(100);
            List<Future<?>> dels = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                int k = i;
                dels.add(pool.submit(() -> sim.del(boxes.get(k), "c-p" + k, "default", "p" + k)));
            }
            for (Future<?> f : dels) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertThat(sim.delegator.cache().containers()).isEmpty();
        for (Netns b : boxes) {
            assertThat(b.links()).containsExactly("lo");
        }
    }

    @Test
    void badInputGetsTheRightCodeAndLeavesNothing() throws Exception {
        Netns box = sim.netns.create("bad");
        String args = podArgs("default", "bad");
        Path crash = sim.extraPlugins.resolve("crashes");
        Files.writeString(crash, "#!/bin/sh\necho 'segfault in plugin' >&2\nexit 139\n");
        Files.setPosixFilePermissions(crash, PosixFilePermissions.fromString("rwxr-xr-x"));
        sim.nad("default", "crashing", "{\"cniVersion\":\"1.0.0\",\"type\":\"crashes\"}");
        sim.nad("default", "missing-plugin", "{\"cniVersion\":\"1.0.0\",\"type\":\"nosuchplugin\"}");
        sim.nad("default", "not-json", "{\"cniVersion\":");
        sim.nad("default", "no-type", "{\"cniVersion\":\"1.0.0\"}");

        assertThat(code(() -> sim.delegator.handle(request("ADD", "c-bad", box, "eth0", args, "{not json")))).isEqualTo(CniException.DECODE_FAILURE);
        assertThat(code(() -> sim.delegator.handle(request("ADD", "c-bad", box, "eth0", args, conf("0.2.0"))))).isEqualTo(CniException.INCOMPATIBLE_VERSION);
        assertThat(code(() -> sim.delegator.handle(request("ADD", null, box, "eth0", args, conf("1.0.0"))))).isEqualTo(CniException.INVALID_ENV);
        assertThat(code(() -> sim.delegator.handle(request("ADD", "c-bad", null, "eth0", args, conf("1.0.0"))))).isEqualTo(CniException.INVALID_ENV);
        assertThat(code(() -> sim.delegator.handle(request("ADD", "c-bad", box, "an-interface-too-long", args, conf("1.0.0"))))).isEqualTo(CniException.INVALID_ENV);
        assertThat(code(() -> sim.delegator.handle(request("ADD", "c-bad", box, "eth0", "K8S_POD_NAME", conf("1.0.0"))))).isEqualTo(CniException.INVALID_ENV);
        assertThat(code(() -> sim.delegator.handle(request("FROB", "c-bad", box, "eth0", args, conf("1.0.0"))))).isEqualTo(CniException.INVALID_ENV);

        String[][] annotations = {
                { "[{\"name\":", "not valid JSON" },
                { "nosuch-nad", "NetworkAttachmentDefinition default/nosuch-nad does not exist" },
                { "flannel2-conf@an-interface-too-long", "longer than 15" },
                { "flannel2-conf@x, flannel1-conf@x", "'x' is used twice" },
                { "[{\"name\":\"flannel2-conf\",\"ips\":[\"10.0.0.300\"]}]", "'10.0.0.300' in \"ips\" is not a valid IP address" },
                { "[{\"name\":\"flannel2-conf\",\"mac\":\"02:00:zz:00:00:01\"}]", "is not a MAC address" },
                { "Bad_Name", "is not a valid NetworkAttachmentDefinition name" },
                { "not-json", "has an invalid spec.config" },
                { "no-type", "has neither type nor plugins" },
                { "missing-plugin", "plugin 'nosuchplugin' not found" },
                { "crashing", "plugin 'crashes' exited with 139: segfault in plugin" } };
        int i = 0;
        for (String[] a : annotations) {
            String pod = "bad" + i++;
            sim.pod("default", pod, a[0]);
            assertThatThrownBy(() -> sim.add(box, "c-" + pod, "default", pod, "1.0.0")).as(a[0])
                    .isInstanceOf(CniException.class).hasMessageContaining(a[1]);
            assertThat(box.links()).as("after %s", a[0]).containsExactly("lo");
        }
        assertThat(sim.delegator.cache().containers()).isEmpty();
    }

    @Test
    void namespaceIsolationAllowsOwnAndGlobalNamespacesOnly() throws Exception {
        sim.close();
        sim = new NodeSim(client, true, List.of("shared"));
        Netns box = sim.netns.create("iso");
        sim.pod("team-a", "iso", "default/flannel2-conf");
        assertThatThrownBy(() -> sim.add(box, "c-iso", "team-a", "iso", "1.0.0")).isInstanceOf(CniException.class)
                .hasMessageContaining("namespace isolation is on");
        assertThat(box.links()).containsExactly("lo");
        sim.nad("shared", "flannel2-conf", client.resources(io.multinet.api.nad.NetworkAttachmentDefinition.class).inNamespace("default")
                .withName("flannel2-conf").get().getSpec().config);
        sim.pod("team-a", "iso2", "shared/flannel2-conf");
        sim.add(box, "c-iso2", "team-a", "iso2", "1.0.0");
        assertThat(box.links()).contains("net1");
        sim.del(box, "c-iso2", "team-a", "iso2");
    }

    // ---- issue 17: DEL safety, serialisation, validate first, garbage, late ADDs ---------------------

    /** A process in a network namespace of its own, started so that it gets the given PID (0: any). */
    static long spawnInOwnNetns(long pid, String script) throws Exception {
        for (int attempt = 0; attempt < 50; attempt++) {
            String pick = pid > 0 ? "echo " + (pid - 1) + " > /proc/sys/kernel/ns_last_pid; " : "";
            long got = Long.parseLong(io.multinet.testing.NetnsFixture.run(List.of("sh", "-c",
                    pick + "unshare -n sh -c '" + script + "' >/dev/null 2>&1 & echo $!")).trim());
            if (pid == 0 || got == pid) {
                return got;
            }
            kill(got); // another process took the PID first: try again
        }
        throw new AssertionError("could not start a process with PID " + pid);
    }

    static void kill(long pid) throws Exception {
        new ProcessBuilder("kill", "-9", String.valueOf(pid)).start().waitFor();
        io.multinet.testing.OperatorHarness.eventually("process " + pid + " gone", () -> !Files.exists(Path.of("/proc/" + pid)));
    }

    static String linksOf(long pid) {
        return io.multinet.testing.NetnsFixture.run(List.of("nsenter", "--net=/proc/" + pid + "/ns/net", "ip", "-o", "link", "show"));
    }

    /**
     * Defect 1: runtimes such as ctr pass /proc/<pid>/ns/net. Once that process is gone its PID goes
     * to another process in another namespace; a DEL, with the path or without one, must not delete
     * that namespace's eth0. Its host side and its lease are still cleaned up.
     */
    @Test
    void delNeverEntersANamespaceWhosePidWasReused() throws Exception {
        sim.pod("default", "ctr", "flannel2-conf");
        for (boolean runtimePassesPath : new boolean[] { true, false }) {
            long pid = spawnInOwnNetns(0, "ip link set lo up; exec sleep 600");
            String path = "/proc/" + pid + "/ns/net";
            io.multinet.testing.OperatorHarness.eventually("namespace of " + pid, () -> Files.exists(Path.of(path)));
            sim.delegator.handle(new CniRequest("ADD", "c-ctr", path, "eth0", podArgs("default", "ctr"),
                    conf("1.0.0").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            assertThat(linksOf(pid)).contains("eth0", "net1");
            kill(pid);
            long reused = spawnInOwnNetns(pid, "ip link add eth0 type veth peer name peer0; exec sleep 600");
            try {
                io.multinet.testing.OperatorHarness.eventually("eth0 in the new process's namespace", () -> linksOf(reused).contains("eth0"));
                sim.delegator.handle(new CniRequest("DEL", "c-ctr", runtimePassesPath ? path : "", "eth0", podArgs("default", "ctr"),
                        conf("1.0.0").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                assertThat(linksOf(reused)).as("runtime passes the path: %s", runtimePassesPath).contains("eth0");
                assertThat(sim.delegator.cache().containers()).isEmpty();
            } finally {
                kill(reused);
            }
        }
        // the leak check at close: the IP leases and the flannel data files are gone all the same
    }

    /** Defect 4: a CNI_NETNS that exists but is no network namespace fails ADD with 4 and leaves nothing. */
    @Test
    void addIntoAFileThatIsNoNamespaceLeavesNothing() throws Exception {
        sim.pod("default", "notns", "flannel2-conf");
        Path file = Files.createTempFile(sim.root, "not-a-netns", "");
        for (String path : new String[] { file.toString(), sim.root.toString(), "/proc/self/ns/uts" }) {
            assertThat(code(() -> sim.delegator.handle(new CniRequest("ADD", "c-notns", path, "eth0", podArgs("default", "notns"),
                    conf("1.0.0").getBytes(java.nio.charset.StandardCharsets.UTF_8))))).as(path).isEqualTo(CniException.INVALID_ENV);
            assertThat(sim.delegator.cache().containers()).isEmpty();
            sim.delegator.handle(new CniRequest("DEL", "c-notns", path, "eth0", podArgs("default", "notns"),
                    conf("1.0.0").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        Files.delete(file);
    }

    /** Defect 5: a repeat ADD that is refused (bad CNI_ARGS, unknown pod, bad annotation) leaves the working pod alone. */
    @Test
    void aRefusedRepeatAddKeepsTheWorkingAttachment() throws Exception {
        Netns box = attached("1.0.0", "repeat").get(0);
        String eth0 = addresses(box, "eth0").get(0);
        assertThat(code(() -> sim.delegator.handle(request("ADD", "c-repeat", box, "eth0", "garbage", conf("1.0.0")))))
                .isEqualTo(CniException.INVALID_ENV);
        assertThat(code(() -> sim.delegator.handle(request("ADD", "c-repeat", box, "eth0", podArgs("default", "nobody"), conf("1.0.0")))))
                .isEqualTo(CniException.TRY_AGAIN_LATER);
        assertThat(code(() -> sim.delegator.handle(request("ADD", "c-repeat", box, "eth0x/", podArgs("default", "repeat"), conf("1.0.0")))))
                .isEqualTo(CniException.INVALID_ENV);
        assertThat(box.links()).contains("eth0", "net1");
        assertThat(addresses(box, "eth0")).containsExactly(eth0);
        assertThat(sim.delegator.cache().containers()).containsExactly("c-repeat");
        sim.del(box, "c-repeat", "default", "repeat");
        assertThat(box.links()).containsExactly("lo");
    }

    /** Defect 6: a DEL the daemon never got (it was down) is made up for once the sandbox's namespace is gone. */
    @Test
    void missedDelsAreCollectedOnceTheNamespaceIsGone() throws Exception {
        Netns alive = attached("1.0.0", "missed", "alive").get(1);
        sim.netns.vanish("missed"); // the runtime removed the sandbox; its DEL never reached the daemon
        assertThat(sim.delegator.collectGarbage()).containsExactly("c-missed");
        assertThat(sim.delegator.cache().containers()).containsExactly("c-alive");
        assertThat(sim.delegator.collectGarbage()).isEmpty();
        assertThat(alive.links()).contains("eth0", "net1");
        sim.del(alive, "c-alive", "default", "alive");
        // the leak check at close: c-missed's IP leases and flannel data files are gone
    }

    /** GC without the list of valid attachments would delete everything: refused. */
    @Test
    void gcWithoutAListIsRefused() throws Exception {
        Netns keep = attached("1.1.0", "nolist").get(0);
        assertThat(code(() -> sim.delegator.handle(request("GC", null, null, null, null,
                "{\"cniVersion\":\"1.1.0\",\"name\":\"multinet\",\"type\":\"multinet\"}")))).isEqualTo(CniException.INVALID_CONFIG);
        assertThat(keep.links()).contains("eth0");
        sim.del(keep, "c-nolist", "default", "nolist");
    }

    /**
     * Defects 2 and 7: ADD, DEL, DEL of one container at once, many times over, end with the pod
     * either fully attached or not at all; an ADD that waited behind a DEL of its container (the shim
     * had given up on it) is abandoned instead of attaching a pod nobody will DEL again.
     */
    @Test
    void overlappingCallsForOneContainerNeverInterleave() throws Exception {
        Netns box = sim.netns.create("overlap");
        sim.pod("default", "overlap", "flannel2-conf");
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int round = 0; round < 8; round++) {
                List<Future<?>> calls = new ArrayList<>();
                calls.add(pool.submit(() -> {
                    try {
                        sim.add(box, "c-overlap", "default", "overlap", "1.0.0");
                    } catch (CniException abandoned) {
                        assertThat(abandoned.code()).isEqualTo(CniException.TRY_AGAIN_LATER);
                    }
                }));
                calls.add(pool.submit(() -> sim.del(box, "c-overlap", "default", "overlap")));
                calls.add(pool.submit(() -> sim.del(box, "c-overlap", "default", "overlap")));
                for (Future<?> f : calls) {
                    f.get();
                }
                boolean cached = sim.delegator.cache().containers().contains("c-overlap");
                assertThat(box.links().contains("eth0")).as("round %d: interfaces match the cache", round).isEqualTo(cached);
                sim.del(box, "c-overlap", "default", "overlap");
                assertThat(box.links()).containsExactly("lo");
            }
        } finally {
            pool.shutdown();
        }
        assertThat(sim.delegator.lockedContainers()).isZero();

        long before = System.nanoTime();
        sim.del(box, "c-late", "default", "overlap");
        CniRequest late = new CniRequest("ADD", "c-late", box.path(), "eth0", podArgs("default", "overlap"),
                conf("1.0.0").getBytes(java.nio.charset.StandardCharsets.UTF_8), before);
        assertThat(code(() -> sim.delegator.handle(late))).isEqualTo(CniException.TRY_AGAIN_LATER);
        CniRequest stale = new CniRequest("ADD", "c-stale", box.path(), "eth0", podArgs("default", "overlap"),
                conf("1.0.0").getBytes(java.nio.charset.StandardCharsets.UTF_8), System.nanoTime() - java.time.Duration.ofMinutes(5).toNanos());
        assertThat(code(() -> sim.delegator.handle(stale))).isEqualTo(CniException.TRY_AGAIN_LATER);
        assertThat(box.links()).containsExactly("lo");
        assertThat(sim.delegator.cache().containers()).isEmpty();
    }

    /** Defect 8: a default-route that cannot be set undoes the whole ADD and tells the pod why. */
    @Test
    void aDefaultRouteThatCannotBeSetUndoesTheAdd() throws Exception {
        Netns box = sim.netns.create("gw");
        sim.pod("default", "gw", "[{\"name\":\"flannel2-conf\",\"default-route\":[\"10.99.0.1\"]}]");
        assertThatThrownBy(() -> sim.add(box, "c-gw", "default", "gw", "1.0.0")).isInstanceOf(CniException.class)
                .hasMessageContaining("default-route").hasMessageContaining("10.99.0.1");
        assertThat(box.links()).containsExactly("lo");
        assertThat(sim.delegator.cache().containers()).isEmpty();
        OperatorHarnessEvents.assertEvent(client, "default", "gw", "default-route");
    }
}
