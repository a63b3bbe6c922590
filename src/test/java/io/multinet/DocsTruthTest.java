package io.multinet;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.multinet.delegator.NodeSettings;
import io.multinet.operator.NodeReason;
import io.multinet.operator.OperatorSettings;
import io.multinet.testing.Docs;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithName;

/**
 * What the pages and the CRD descriptions name must exist in the code: every `multinet.*` setting and
 * its environment variable, every condition, Event and node reason. `kubectl explain` shows the CRD's
 * descriptions, so a wrong name there misleads an admin as much as one in the docs.
 */
class DocsTruthTest {

    /**
     * Anything named like a setting: multinet. and lower-case words, not inside a Java package name
     * (io.multinet.operator.Foo) or a file name (00-multinet.conflist). The pages' wrong names were of
     * this shape (multinet.etcd.endpoints, multinet.flannel.image), so every such name must be a setting,
     * save the few that are something else.
     */
    static final Pattern SETTING = Pattern.compile("(?<![\\w./-])multinet\\.[a-z][a-z0-9-]*(?:\\.[a-z][a-z0-9-]*)*");
    /** multinet.io (the API group and domain), multinet.yaml (the manifests), multinet.v0.1.0 (the CSV). */
    static final Pattern NOT_A_SETTING = Pattern.compile("multinet\\.(io|yaml|v[0-9]?)(\\..*)?");
    static final Pattern ENV = Pattern.compile("\\bMULTINET_(?:OPERATOR|NODE|ROLE)[A-Z0-9_]*\\b");

    /** Every property of the operator's config mappings, by reflection, as SmallRye names them, and the node role's. */
    static Set<String> settings() {
        Set<String> out = new TreeSet<>(Set.of("multinet.role"));
        for (Class<?> mapping : List.of(OperatorSettings.class, MultinetConfig.class)) {
            collect(mapping.getAnnotation(ConfigMapping.class).prefix(), mapping, out);
        }
        out.addAll(NodeSettings.names()); // the node role reads its settings without a config mapping
        return out;
    }

    static void collect(String prefix, Class<?> type, Set<String> out) {
        for (Method m : type.getMethods()) {
            if (m.getParameterCount() > 0 || Modifier.isStatic(m.getModifiers()) || m.isDefault()) {
                continue;
            }
            WithName named = m.getAnnotation(WithName.class);
            String key = prefix + "." + (named != null ? named.value() : m.getName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase());
            Class<?> r = m.getReturnType();
            if (r.isInterface() && r.getName().startsWith("io.multinet.")) {
                collect(key, r, out); // a group of settings (operator.etcd.*)
            } else {
                out.add(key);
            }
        }
    }

    static String env(String property) {
        return property.toUpperCase().replaceAll("[.-]", "_");
    }

    /** The pages an admin reads, the CRDs and the bundle (kubectl explain, OperatorHub), and the code's own messages. */
    static Map<Path, String> texts() throws IOException {
        Map<Path, String> out = new TreeMap<>();
        List<Path> files = new ArrayList<>(List.of(Path.of("README.md")));
        for (String dir : List.of("docs", "crds", "olm-bundle/manifests", "src/main/java", "src/main/resources")) {
            try (Stream<Path> walk = Files.walk(Path.of(dir))) {
                walk.filter(Files::isRegularFile).filter(f -> f.toString().matches(".*\\.(md|ya?ml|java|properties)")).forEach(files::add);
            }
        }
        for (Path f : files) {
            out.put(f, Files.readString(f));
        }
        return out;
    }

    @Test
    void everySettingNamedAnywhereExists() throws IOException {
        Set<String> known = settings();
        assertThat(known).contains("multinet.operator.etcd.endpoints", "multinet.operator.flannel-image", "multinet.node.shim-source");
        List<String> wrong = new ArrayList<>();
        int seen = 0;
        for (var e : texts().entrySet()) {
            Matcher m = SETTING.matcher(e.getValue());
            while (m.find()) {
                String name = m.group().replaceAll("[.-]+$", "");
                String before = e.getValue().substring(Math.max(0, m.start() - 9), m.start());
                if (NOT_A_SETTING.matcher(name).matches() || before.endsWith("builder(\"") || before.endsWith("gauge(\"")) {
                    continue; // a meter's name (Counter.builder("multinet.cni.requests")), the group, a file
                }
                seen++;
                // "multinet.operator.*" and "the multinet.node settings" name the whole group
                boolean group = known.stream().anyMatch(k -> k.startsWith(name + "."));
                if (!known.contains(name) && !group) {
                    wrong.add(e.getKey() + ": " + name);
                }
            }
        }
        assertThat(seen).as("settings named in the pages").isGreaterThan(30);
        assertThat(wrong).as("settings that do not exist (known: " + known + ")").isEmpty();
    }

    @Test
    void everyEnvironmentVariableNamedAnywhereIsASetting() throws IOException {
        Set<String> known = new TreeSet<>();
        settings().forEach(s -> known.add(env(s)));
        List<String> wrong = new ArrayList<>();
        for (var e : texts().entrySet()) {
            Matcher m = ENV.matcher(e.getValue());
            while (m.find()) {
                String name = m.group();
                // a prefix spelled out on its own ("MULTINET_NODE_*" settings are passed on to every node)
                boolean group = name.endsWith("_") && known.stream().anyMatch(k -> k.startsWith(name));
                if (!known.contains(name) && !group) {
                    wrong.add(e.getKey() + ": " + name);
                }
            }
        }
        assertThat(wrong).as("environment variables that are no setting").isEmpty();
    }

    @Test
    void everySettingOfTheSettingsTablesExistsAndEveryOperatorSettingIsListed() {
        Set<String> known = settings();
        Set<String> listed = new TreeSet<>();
        for (String row : Docs.section("docs/operator.md", "## Settings (`multinet.operator.*`)")) {
            if (row.startsWith("| `")) {
                Matcher m = Pattern.compile("`([a-z][a-z0-9.-]*)`").matcher(row.split("\\|")[1]);
                while (m.find()) {
                    listed.add("multinet.operator." + m.group(1));
                }
            }
        }
        for (String row : Docs.section("docs/delegator.md", "## Settings")) {
            if (row.startsWith("| `multinet.node.")) {
                listed.add(row.split("`")[1]);
            }
        }
        assertThat(known).as("every documented setting exists").containsAll(listed);
        assertThat(listed).as("every setting is documented").containsAll(known.stream().filter(k -> !k.equals("multinet.role")).toList());
    }

    /** docs/api.md says which columns `kubectl get` shows, in the generated CRDs' order. */
    @Test
    void thePrinterColumnsAreTheCrdsInTheirOrder() throws IOException {
        String page = Docs.read("docs/api.md").replaceAll("\\s+", " ");
        for (String[] crd : new String[][] { { "multinetworks.multinet.io", "`kubectl get mnet` shows the columns " },
                { "multinetworknodestates.multinet.io", "`kubectl get mnetns` shows " } }) {
            List<String> columns = new ArrayList<>();
            Matcher m = Pattern.compile("\n      name: \"([A-Za-z]+)\"\n")
                    .matcher(Files.readString(Path.of("crds/" + crd[0] + ".yaml")).split("\n    name: \"v1alpha1\"")[0]);
            while (m.find()) {
                columns.add(m.group(1));
            }
            assertThat(columns).as(crd[0] + " printer columns").hasSizeGreaterThanOrEqualTo(5);
            int at = page.indexOf(crd[1]);
            assertThat(at).as("docs/api.md names the columns of " + crd[0]).isGreaterThanOrEqualTo(0);
            String said = page.substring(at + crd[1].length(), Math.min(page.length(), at + crd[1].length() + 120));
            int last = -1;
            for (String c : columns) {
                last = said.indexOf(c, last + 1);
                assertThat(last).as("column " + c + " of " + crd[0] + " in docs/api.md's sentence, after the one before it: " + said)
                        .isGreaterThanOrEqualTo(0);
            }
        }
    }

    @Test
    void everyDocumentedReasonIsOneTheCodeGivesAndEveryReasonIsDocumented() throws IOException {
        String operatorCode = String.join("\n", Files.readString(Path.of("src/main/java/io/multinet/operator/StatusAggregator.java")),
                Files.readString(Path.of("src/main/java/io/multinet/operator/Events.java")),
                Files.readString(Path.of("src/main/java/io/multinet/operator/NetworkCleanup.java")));
        String nodeCode = String.join("\n", Files.readString(Path.of("src/main/java/io/multinet/delegator/NodeReadiness.java")),
                Files.readString(Path.of("src/main/java/io/multinet/delegator/NodeDaemon.java")));
        String page = Docs.read("docs/operator.md");

        Set<String> conditionReasons = new TreeSet<>();
        for (String row : Docs.section("docs/operator.md", "## Conditions")) {
            String[] cells = row.split("\\|");
            if (cells.length > 3 && cells[1].trim().matches("Ready|Progressing|Degraded")) {
                for (String r : cells[3].trim().split(" / ")) {
                    conditionReasons.add(r.trim());
                }
            }
        }
        assertThat(conditionReasons).hasSizeGreaterThan(10);
        for (String r : conditionReasons) {
            assertThat(operatorCode).as("condition reason " + r + " of docs/operator.md").contains("\"" + r + "\"");
        }
        // the other way round: every reason literal of the status and its Events is on the page
        Matcher lit = Pattern.compile("\"([A-Z][a-z]+(?:[A-Z][a-z]+)*)\"").matcher(operatorCode);
        Set<String> notReasons = Set.of("True", "False", "Ready", "Progressing", "Degraded", "Normal", "Warning", "InternalIP", "ExternalIP");
        while (lit.find()) {
            if (!notReasons.contains(lit.group(1))) {
                assertThat(page).as("reason " + lit.group(1) + " the operator gives").contains(lit.group(1));
            }
        }
        for (NodeReason r : NodeReason.values()) {
            assertThat(Docs.section("docs/operator.md", "## Node reasons (`status.nodeHealth[].reason`)"))
                    .as("node reason " + r).anyMatch(l -> l.startsWith("| " + r.name() + " |"));
        }
        for (String r : List.of("Starting", "InformersNotSynced", "DefaultNetworkNotReady")) {
            assertThat(nodeCode).as("delegator reason " + r).contains("\"" + r);
            assertThat(page).as("delegator reason " + r + " on the page").contains("| " + r + " |");
        }
        assertThat(page).as("the Recovered Event").contains("`Recovered`");
    }
}
