package io.multinet.delegator;

import static io.multinet.testing.OperatorHarness.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.multinet.api.v1alpha1.MultiNetworkNodeState;
import io.multinet.api.v1alpha1.Networks;
import io.multinet.api.v1alpha1.PlannerSettings;
import io.multinet.flannel.SubnetEnv;
import io.multinet.testing.FakeCluster;
import io.multinet.testing.Netns;
import io.multinet.testing.NetnsFixture;
import io.multinet.testing.NodeSim;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;

/**
 * The node role as it ships: io.multinet.delegator.NodeDaemon started from the built application as
 * the image starts it, with the DaemonSet's JVM flags, its unix socket, and the built shim exec'd as a
 * runtime execs it, with the real plugins in a network namespace playing the node.
 */
class NodeDaemonIT {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Path root = Path.of("target", "node-daemon-root").toAbsolutePath();
    static KubernetesMockServer server;
    static KubernetesClient client;
    static NetnsFixture netns;
    static Netns node;
    static Process daemon;
    static int port;
    static Path classLog = root.resolve("classes.log");

    @BeforeAll
    static void startTheNodeRole() throws Exception {
        deleteTree(root);
        Files.createDirectories(root);
        // over TLS, as in a cluster: the class list (and the image's archive made from it) then holds the TLS classes a node loads
        server = io.multinet.testing.MockApi.startTls(root.resolve("api-ca.crt"));
        client = server.createClient();
        // as in a cluster, the CRDs exist before the DaemonSet's pods start
        new FakeCluster(client).applyCrds();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("default").endMetadata().build()).createOr(x -> x.update());
        netns = new NetnsFixture();
        node = netns.create("node");
        port = io.multinet.testing.Loopback.freePort();
        List<String> flags = new java.util.ArrayList<>(List.of(io.multinet.operator.DelegatorDaemonSet.JVM_OPTIONS.split(" ")));
        flags.add("-Xlog:class+load=info:file=" + classLog);
        // the classes a node loads serving CNI: the image's class data archive is dumped from this list
        // (e2e/cluster/images/build.sh)
        flags.add("-XX:DumpLoadedClassList=" + Path.of("target/node.classlist").toAbsolutePath());
        Map<String, String> env = new java.util.HashMap<>(io.multinet.testing.NodeRoot.env(io.multinet.testing.NodeRoot.settings(root, NodeSim.NODE,
                node, Path.of(System.getProperty("shim.binary", "target/multinet")))));
        env.put("MULTINET_NODE_API_SERVER_CA", root.resolve("api-ca.crt").toString());
        daemon = io.multinet.testing.AppProcess.startNode(Path.of("").toAbsolutePath(), flags, env, server.url("/"), port, root.resolve("daemon.log"));
        eventually("the node role serves its TCP port", () -> io.multinet.testing.Loopback.httpStatus(port, "/q/health/live") == 200);
    }

    static io.restassured.specification.RequestSpecification given() {
        return io.restassured.RestAssured.given().port(port);
    }

    @Test
    void theNodeRoleServesHealthAndMetrics() throws Exception {
        given().get("/q/health/ready").then().body("checks[0].name", org.hamcrest.Matchers.equalTo("multinet-node"));
        String text = given().get("/q/metrics").then().statusCode(200).body(containsString("jvm_memory_used_bytes")).extract().asString();
        assertThat(io.multinet.testing.PrometheusText.problems(text)).isEmpty();
        // docs/metrics.md: every delegator series whose labels are known up front is served before any use
        for (io.multinet.testing.Docs.Metric m : io.multinet.testing.Docs.metrics("## Delegator (per node)")) {
            if (!m.fromFirstUse()) {
                assertThat(io.multinet.testing.Docs.scraped(text, m.name())).as("documented series " + m.name()).isTrue();
            }
        }
        assertThat(io.multinet.testing.PrometheusText.samples(text)).as("an error code no test provokes, at 0 from the start")
                .anyMatch(x -> x.name().equals("multinet_cni_errors_total") && "50".equals(x.labels().get("code")));
        assertThat(io.multinet.testing.PrometheusText.samples(text)).as("every command and result")
                .filteredOn(x -> x.name().equals("multinet_cni_requests_total")).hasSize(14);
        assertThat(io.multinet.testing.PrometheusText.samples(text).stream().filter(x -> x.name().equals("multinet_etcd_operations_total")))
                .as("no etcd series in the node role").isEmpty();
        given().get("/q/health/nothing-here").then().statusCode(404);
    }

    /** Issue 20: a node loads what a node needs; checked after the daemon has served everything it serves. */
    static void loadsNoneOfTheOperatorsStack() throws IOException {
        // None of the operator's stack is loaded by the daemon: the operator SDK, Quarkus, Vert.x and Netty,
        // Micrometer, the fabric8 client and its typed Pod model.
        List<String> loaded = Files.readAllLines(classLog).stream().filter(l -> l.contains("[class,load]"))
                .map(l -> l.replaceAll(".*\\[class,load\\] (\\S+).*", "$1")).toList();
        assertThat(loaded).as("classes loaded").hasSizeGreaterThan(500);
        assertThat(loaded).as("the operator's stack").noneMatch(c -> c.startsWith("io.javaoperatorsdk.") || c.startsWith("io.quarkiverse.")
                || c.startsWith("io.quarkus.") || c.startsWith("io.vertx.") || c.startsWith("io.netty.") || c.startsWith("io.micrometer.")
                || c.startsWith("io.smallrye.") || c.startsWith("io.fabric8.kubernetes.client.impl.") || c.startsWith("io.fabric8.kubernetes.client.informers.")
                || c.startsWith("io.multinet.operator.") || c.equals("io.fabric8.kubernetes.api.model.Pod")
                || c.equals("io.fabric8.kubernetes.api.model.PodSpec"));
        // nor Jackson's data binding (the trees are read and written by jackson-core, io.multinet.Json), nor the typed model
        // of the API objects it reads: the NAD and the MultiNetwork are read field by field
        assertThat(loaded).as("data binding and the typed model").noneMatch(c -> c.equals("com.fasterxml.jackson.databind.ObjectMapper")
                || c.startsWith("com.fasterxml.jackson.databind.deser.") || c.startsWith("com.fasterxml.jackson.databind.ser.")
                || c.startsWith("com.fasterxml.jackson.databind.introspect.") || c.startsWith("io.fabric8.")
                || c.equals("io.multinet.JsonBinding") || c.equals("io.multinet.api.v1alpha1.MultiNetwork"));
    }

    @AfterAll
    static void cleanUp() {
        try {
            if (daemon != null) {
                daemon.destroy();
                daemon.waitFor(20, TimeUnit.SECONDS);
            }
            netns.track(root.resolve("var/lib/multinet/cache"));
            netns.trackLeases(root.resolve("var/lib/cni/networks"));
            netns.close();
            client.close();
            server.destroy();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                Files.copy(root.resolve("daemon.log"), Path.of("target/node-daemon-it.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                Files.copy(classLog, Path.of("target/node-daemon-it-classes.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException ignored) {
                // nothing to keep
            }
            deleteTree(root);
        }
    }

    static void deleteTree(Path p) {
        try (var walk = Files.walk(p)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // temp dir; best effort
        }
    }

    static String overSocket(Path socket, String request) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
            ch.shutdownOutput();
            return new String(java.nio.channels.Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    record Shim(int exit, String out) {
    }

    static Shim shim(Map<String, String> env, String stdin) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(System.getProperty("shim.binary", "target/multinet"));
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (IOException ignored) {
            // VERSION does not read stdin
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(150, TimeUnit.SECONDS)).isTrue();
        return new Shim(p.exitValue(), out);
    }

    static Map<String, String> env(String command, String containerId, Netns sandbox, String podNs, String pod) {
        Map<String, String> env = new HashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", containerId);
        env.put("CNI_NETNS", sandbox.path());
        env.put("CNI_IFNAME", "eth0");
        env.put("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=" + podNs + ";K8S_POD_NAME=" + pod);
        env.put("CNI_PATH", root.resolve("opt/cni/bin").toString());
        return env;
    }


    @Test
    void installsServesAndAttachesThroughTheShim() throws Exception {
        Path socket = root.resolve("run/multinet/delegator.sock");
        Path shimInstalled = root.resolve("opt/cni/bin/multinet");
        Path conflist = root.resolve("etc/cni/net.d/00-multinet.conflist");

        // installed at start; the socket is root's alone
        assertThat(shimInstalled).isExecutable();
        assertThat(Files.readAllBytes(shimInstalled)).isEqualTo(Files.readAllBytes(Path.of(System.getProperty("shim.binary", "target/multinet"))));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        assertThat(overSocket(socket, "GET /healthz HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 200").endsWith("ok");

        // no default network yet: not ready, no CNI config
        eventually("informers synced, no default network", () -> given().get("/q/health/ready").then().extract().asString()
                .contains("DefaultNetworkNotReady"));
        given().get("/q/health/ready").then().statusCode(503);
        PlannerSettings ps = new PlannerSettings(root.resolve("run/flannel/networks").toString(), root.resolve("var/lib/cni/flannel").toString(),
                List.of(), 10300, 100, 1, true);
        var a1 = NodeSim.acceptNetwork(client, Networks.flannel1(), ps);
        var a2 = NodeSim.acceptNetwork(client, Networks.flannel2(), ps);
        node.keep(a1.bridge, a2.bridge);
        netns.track(Files.createDirectories(Path.of(a1.dataDir)));
        netns.track(Files.createDirectories(Path.of(a2.dataDir)));
        eventually("waiting for flannel1's subnet file", () -> given().get("/q/health/ready").then().extract().asString()
                .contains("subnet file " + a1.subnetFile + " does not exist yet"));
        assertThat(conflist).doesNotExist();
        assertThat(overSocket(socket, "GET /readyz HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 503");

        // flanneld writes the subnet files: ready, and the CNI config names the default network
        Files.createDirectories(Path.of(a1.subnetFile).getParent());
        Files.writeString(Path.of(a1.subnetFile), new SubnetEnv("172.96.0.0/16", "172.96.7.1/24", 1450, true).render());
        Files.writeString(Path.of(a2.subnetFile), new SubnetEnv("172.112.0.0/16", "172.112.9.1/24", 1500, true).render());
        eventually("ready", () -> given().get("/q/health/ready").then().extract().statusCode() == 200);
        JsonNode written = JSON.readTree(conflist.toFile());
        assertThat(written.get("plugins").get(0).get("type").asText()).isEqualTo("multinet");
        assertThat(written.get("plugins").get(0).get("defaultNetwork").asText()).isEqualTo("flannel1");
        eventually("node state reported", () -> {
            MultiNetworkNodeState s = client.resources(MultiNetworkNodeState.class).withName(NodeSim.NODE).get();
            return s != null && s.getStatus() != null && s.getStatus().delegator.ready && s.getStatus().networks.size() == 2
                    && s.getStatus().networks.stream().allMatch(n -> n.subnetFilePresent);
        });
        var state = client.resources(MultiNetworkNodeState.class).withName(NodeSim.NODE).get().getStatus();
        assertThat(state.delegator.defaultNetwork).isEqualTo("flannel1");
        assertThat(state.delegator.defaultNetworkSource).contains("MultiNetwork flannel1");
        assertThat(state.delegator.cniConfigFile).isEqualTo(conflist.toString());
        assertThat(state.networks.get(1).subnet).isEqualTo("172.112.9.1/24");

        // CNI is served on the socket only: the TCP port refuses it
        given().body(io.multinet.testing.NodeRoot.pluginConf(conflist)).header("X-CNI-Command", "VERSION").post("/cni").then().statusCode(404);

        // the built shim, exec'd as a runtime does
        Netns box = netns.create("busybox");
        client.resource(new io.fabric8.kubernetes.api.model.PodBuilder().withNewMetadata().withName("busybox").withNamespace("default")
                .addToAnnotations("k8s.v1.cni.cncf.io/networks", "flannel2-conf").endMetadata()
                .withNewSpec().withNodeName(NodeSim.NODE).endSpec().build()).create();
        Shim add = shim(env("ADD", "c-shim", box, "default", "busybox"), io.multinet.testing.NodeRoot.pluginConf(conflist));
        assertThat(add.exit()).as(add.out()).isZero();
        JsonNode result = JSON.readTree(add.out());
        assertThat(result.get("cniVersion").asText()).isEqualTo("1.0.0");
        assertThat(NodeSim.addresses(box, "eth0").get(0)).startsWith("172.96.7.");
        assertThat(NodeSim.addresses(box, "net1").get(0)).startsWith("172.112.9.");
        // the plan is cached (and counted) before the bridge exists: a refresh in between reports the one without the other
        eventually("attachment counted and bridge seen", () -> {
            var flannel2 = client.resources(MultiNetworkNodeState.class).withName(NodeSim.NODE).get()
                    .getStatus().networks.stream().filter(n -> n.name.equals("flannel2")).findFirst().orElseThrow();
            return flannel2.attachments == 1 && flannel2.bridgePresent;
        });

        Shim check = shim(env("CHECK", "c-shim", box, "default", "busybox"), io.multinet.testing.NodeRoot.pluginConf(conflist));
        assertThat(check.exit()).as(check.out()).isZero();
        Shim bad = shim(env("ADD", "c-bad", box, "default", "nobody-knows"), "{\"cniVersion\":\"9.9.9\",\"socketPath\":\"" + socket + "\"}");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(JSON.readTree(bad.out()).get("code").asInt()).isEqualTo(1);

        Shim del = shim(env("DEL", "c-shim", box, "default", "busybox"), io.multinet.testing.NodeRoot.pluginConf(conflist));
        assertThat(del.exit()).as(del.out()).isZero();
        assertThat(box.links()).containsExactly("lo");

        // what the daemon's TCP port serves to Prometheus after that work
        String text = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(io.multinet.testing.PrometheusText.problems(text)).isEmpty();
        assertThat(io.multinet.testing.PrometheusText.value(text, "multinet_cni_requests_total", Map.of("command", "ADD", "result", "success"))).isEqualTo(1.0);
        assertThat(io.multinet.testing.PrometheusText.value(text, "multinet_cni_requests_total", Map.of("command", "ADD", "result", "error"))).isEqualTo(1.0);
        assertThat(io.multinet.testing.PrometheusText.value(text, "multinet_cni_requests_total", Map.of("command", "DEL", "result", "success"))).isEqualTo(1.0);
        assertThat(io.multinet.testing.PrometheusText.value(text, "multinet_cni_errors_total", Map.of("code", "1"))).isEqualTo(1.0);
        assertThat(io.multinet.testing.PrometheusText.value(text, "multinet_cni_request_duration_seconds_count", Map.of("command", "ADD"))).isEqualTo(2.0);
        assertThat(io.multinet.testing.PrometheusText.value(text, "multinet_cni_network_duration_seconds_count", Map.of("command", "ADD", "network", "flannel2"))).isEqualTo(1.0);
        assertThat(io.multinet.testing.PrometheusText.value(text, "multinet_cni_delegate_duration_seconds_count", Map.of("plugin", "bridge"))).isGreaterThanOrEqualTo(4.0);
        assertThat(io.multinet.testing.PrometheusText.has(text, "multinet_cni_request_duration_seconds_bucket")).isTrue();
        assertThat(io.multinet.testing.PrometheusText.value(text, "multinet_cni_attachments", Map.of())).isZero();
        assertThat(io.multinet.testing.PrometheusText.value(text, "multinet_cni_cache_entries", Map.of())).isZero();
        assertThat(text).doesNotContain("busybox").doesNotContain("c-shim").doesNotContain("172.112.9.");

        // with the daemon unreachable, ADD and DEL both say "try again later", never success
        String noDaemon = io.multinet.testing.NodeRoot.pluginConf(conflist).replace(socket.toString(), root.resolve("run/multinet/gone.sock").toString());
        for (String cmd : List.of("ADD", "DEL")) {
            Shim down = shim(env(cmd, "c-down", box, "default", "busybox"), noDaemon);
            assertThat(down.exit()).isEqualTo(1);
            JsonNode err = JSON.readTree(down.out());
            assertThat(err.get("code").asInt()).isEqualTo(11);
            assertThat(err.get("msg").asText()).isEqualTo("multinet delegator is not reachable");
        }
        assertThat(box.links()).containsExactly("lo");

        // Issue 15: a deleted network leaves no datapath. flanneld removes nothing when it stops: its
        // flannel.<VNI>, its routes, its rules in the chains every flanneld shares and its subnet file are
        // played here as it leaves them, next to flannel2's rule, which must stay.
        var blue = NodeSim.acceptNetwork(client, Networks.network("blue", "10.9.0.0/16"), ps);
        Files.writeString(Path.of(blue.subnetFile), new SubnetEnv("10.9.0.0/16", "10.9.3.1/24", 1450, true).render());
        String vxlan = "flannel." + blue.vni;
        node.ip("link", "add", vxlan, "type", "vxlan", "id", String.valueOf(blue.vni), "dev", "lo", "dstport", "8472");
        node.ip("link", "set", vxlan, "up");
        node.ip("route", "add", "10.9.50.0/24", "dev", vxlan);
        node.ip("route", "add", "blackhole", "10.9.51.0/24");
        for (String[] rule : new String[][] { { "nat", "FLANNEL-POSTRTG", "10.9.0.0/16" }, { "nat", "FLANNEL-POSTRTG", "172.112.0.0/16" },
                { "filter", "FLANNEL-FWD", "10.9.0.0/16" } }) {
            node.exec("sh", "-c", "iptables -t " + rule[0] + " -N " + rule[1] + " 2>/dev/null; iptables -t " + rule[0] + " -A " + rule[1]
                    + " -s " + rule[2] + " -m comment --comment \"flanneld masq\" -j ACCEPT");
        }
        eventually("blue known to the node", () -> client.resources(MultiNetworkNodeState.class).withName(NodeSim.NODE).get().getStatus()
                .networks.stream().anyMatch(n -> n.name.equals("blue") && n.subnetFilePresent));
        client.resources(io.multinet.api.v1alpha1.MultiNetwork.class).withName("blue").delete();
        eventually("blue's datapath removed", () -> !node.links().contains(vxlan) && !Files.exists(Path.of(blue.subnetFile))
                && node.ip("-4", "route", "show", "root", "10.9.0.0/16").isBlank()
                && !node.exec("iptables-save").contains("10.9.0.0/16"));
        assertThat(node.exec("iptables", "-t", "nat", "-S", "FLANNEL-POSTRTG")).as("another network's rule stays").contains("172.112.0.0/16");
        loadsNoneOfTheOperatorsStack();
    }
}
