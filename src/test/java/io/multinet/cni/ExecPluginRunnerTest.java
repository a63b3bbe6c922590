package io.multinet.cni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Plugin execs as a runtime makes them, with shell scripts for plugins: output, errors, timeouts, and nothing left behind. */
class ExecPluginRunnerTest {

    Path bin;
    ExecPluginRunner runner;

    @BeforeEach
    void plugins() throws IOException {
        bin = Files.createTempDirectory("multinet-plugins");
        plugin("echo-conf", "printf '{\"cniVersion\":\"1.0.0\",\"command\":\"%s\",\"conf\":' \"$CNI_COMMAND\"; cat; printf '}'");
        plugin("cni-error", "cat >/dev/null; echo '{\"cniVersion\":\"1.0.0\",\"code\":7,\"msg\":\"bad subnet\",\"details\":\"10.0.0.0/33\"}'; exit 1");
        plugin("crash", "cat >/dev/null; echo 'panic: runtime error: index out of range' >&2; exit 2");
        // more than a pipe holds on stderr, then a result: a runner that reads stdout alone must not stall
        plugin("chatty", "cat >/dev/null; head -c 300000 /dev/zero | tr '\\0' 'x' >&2; echo '{\"cniVersion\":\"1.0.0\"}'");
        plugin("hangs", "exec sleep 600");
        runner = new ExecPluginRunner(List.of(bin.toString()), Duration.ofSeconds(30));
    }

    @AfterEach
    void clean() {
        io.multinet.testing.EtcdServer.deleteTree(bin);
    }

    void plugin(String name, String script) throws IOException {
        Path p = bin.resolve(name);
        Files.writeString(p, "#!/bin/sh\n" + script + "\n");
        p.toFile().setExecutable(true);
    }

    byte[] run(ExecPluginRunner r, String type) {
        return r.run(type, Map.of("CNI_COMMAND", "ADD"), "{\"name\":\"n1\"}".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theResultIsWhatThePluginPrintedForItsConfigAndEnvironment() {
        assertThat(new String(run(runner, "echo-conf"), StandardCharsets.UTF_8))
                .isEqualTo("{\"cniVersion\":\"1.0.0\",\"command\":\"ADD\",\"conf\":{\"name\":\"n1\"}}");
        assertThat(new String(run(runner, "chatty"), StandardCharsets.UTF_8)).isEqualTo("{\"cniVersion\":\"1.0.0\"}\n");
        assertThat(stderrFilesLeft()).isEmpty();
    }

    @Test
    void aPluginsOwnErrorKeepsItsCodeAndACrashItsStderr() {
        CniException e = catchThrowableOfType(() -> run(runner, "cni-error"), CniException.class);
        assertThat(e.code()).isEqualTo(7);
        assertThat(e).hasMessage("plugin 'cni-error' failed: bad subnet (10.0.0.0/33)");
        CniException crash = catchThrowableOfType(() -> run(runner, "crash"), CniException.class);
        assertThat(crash.code()).isEqualTo(CniException.DELEGATE_FAILED);
        assertThat(crash).hasMessage("plugin 'crash' exited with 2: panic: runtime error: index out of range");
        CniException missing = catchThrowableOfType(() -> run(runner, "nowhere"), CniException.class);
        assertThat(missing.code()).isEqualTo(CniException.INVALID_CONFIG);
        assertThat(missing).hasMessageContaining("plugin 'nowhere' not found in " + bin);
        assertThat(stderrFilesLeft()).isEmpty();
    }

    @Test
    void aPluginPastItsTimeoutIsEndedAndTheRuntimeToldToTryAgain() throws Exception {
        ExecPluginRunner impatient = new ExecPluginRunner(List.of(bin.toString()), Duration.ofMillis(500));
        CniException e = catchThrowableOfType(() -> run(impatient, "hangs"), CniException.class);
        assertThat(e.code()).isEqualTo(CniException.TRY_AGAIN_LATER);
        assertThat(e).hasMessage("plugin 'hangs' did not finish within 500ms");
        assertThat(ProcessHandle.current().children().filter(p -> p.info().commandLine().orElse("").contains("sleep 600")).toList())
                .as("the plugin's process").isEmpty();
        assertThat(stderrFilesLeft()).isEmpty();
    }

    static List<Path> stderrFilesLeft() {
        try (var files = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            String mine = "multinet-plugin-" + ProcessHandle.current().pid() + "-";
            return files.filter(f -> f.getFileName().toString().startsWith(mine)).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
