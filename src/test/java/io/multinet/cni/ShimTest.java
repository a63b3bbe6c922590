package io.multinet.cni;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The built shim binary, exec'd the way a container runtime execs a CNI plugin. */
class ShimTest {

    static final ObjectMapper JSON = new ObjectMapper();

    record Outcome(int exit, JsonNode out) {
    }

    static Path shim() {
        Path p = Path.of(System.getProperty("shim.binary", "target/multinet"));
        assertThat(p).as("the build compiles the shim").isExecutable();
        return p;
    }

    static Outcome exec(Map<String, String> env, String stdin) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(shim().toString());
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (java.io.IOException exitedBeforeReadingStdin) {
            // a plugin may answer without reading its config, as the shim does for VERSION
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return new Outcome(p.exitValue(), JSON.readTree(out));
    }

    @Test
    void isAStaticExecutable() throws Exception {
        byte[] head = Files.readAllBytes(shim());
        assertThat(new String(head, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("ELF");
        String file = io.multinet.testing.NetnsFixture.run(java.util.List.of("file", "-b", shim().toString()));
        assertThat(file).contains("statically linked");
    }

    @Test
    void answersVersion() throws Exception {
        Outcome o = exec(Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\":\"1.0.0\"}");
        assertThat(o.exit()).isZero();
        assertThat(o.out().get("cniVersion").asText()).isEqualTo("1.1.0");
        // the C shim lists the versions itself (it answers VERSION without the daemon): held to CniVersions here
        assertThat(o.out().get("cniVersion").asText()).isEqualTo(CniVersions.LATEST);
        assertThat(o.out().get("supportedVersions")).extracting(JsonNode::asText).containsExactlyElementsOf(CniVersions.SUPPORTED);
    }

    /**
     * Issue 17, defect 3: a config the shim cannot use is refused with an answer that will not change
     * on retry (6 or 7, never 11), in the request's cniVersion, and a config over the limit is named
     * as such instead of being cut.
     */
    @Test
    void refusesUnusableConfigsWithoutRetryAndInTheRequestsVersion() throws Exception {
        Map<String, String> add = Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "c1", "CNI_NETNS", "/proc/self/ns/net", "CNI_IFNAME", "eth0");
        Object[][] cases = {
                { "", 6, "is empty", CniVersions.LATEST },
                { "not json", 6, "not a JSON object", CniVersions.LATEST },
                { "[1,2]", 6, "not a JSON object", CniVersions.LATEST },
                { "{\"cniVersion\":\"0.4.0\",\"name\":\"x\"}", 7, "no socketPath", "0.4.0" },
                { "{\"cniVersion\":\"0.3.1\"," + " ".repeat(1 << 20) + "\"socketPath\":\"/run/x.sock\"}", 6, "larger than 1 MiB", "0.3.1" },
                { "{\"cniVersion\":\"9.9.9\",\"socketPath\":\"/nonexistent/d.sock\"}", 11, "not reachable", CniVersions.LATEST },
                { "{\"cniVersion\":\"1.0.0\",\"socketPath\":\"/nonexistent/d.sock\"}", 11, "not reachable", "1.0.0" } };
        for (Object[] c : cases) {
            String stdin = (String) c[0];
            Outcome o = exec(add, stdin);
            String what = stdin.length() > 60 ? stdin.substring(0, 60) + "…" : stdin;
            assertThat(o.exit()).as(what).isEqualTo(1);
            assertThat(o.out().get("code").asInt()).as(what).isEqualTo(c[1]);
            assertThat(o.out().get("msg").asText()).as(what).contains((String) c[2]);
            assertThat(o.out().get("cniVersion").asText()).as(what).isEqualTo(c[3]);
        }
    }

    @Test
    void refusesAMissingOrUnknownCommandWithCode4() throws Exception {
        Outcome missing = exec(Map.of(), "{}");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.out().get("code").asInt()).isEqualTo(4);
        assertThat(missing.out().get("msg").asText()).contains("CNI_COMMAND");

        Outcome unknown = exec(Map.of("CNI_COMMAND", "FROB\"x"), "{}");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.out().get("code").asInt()).isEqualTo(4);
    }
}
