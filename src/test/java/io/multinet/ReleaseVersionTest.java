package io.multinet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.multinet.operator.OperatorSettings;
import io.smallrye.config.WithDefault;

/** docs/operations.md, "Releases": the version is the same wherever it is written. */
class ReleaseVersionTest {

    @Test
    void theVersionIsTheSameEverywhereItIsWritten() throws Exception {
        Matcher m = Pattern.compile("<artifactId>multinet</artifactId>\\s*<version>([^<]+)</version>").matcher(Files.readString(Path.of("pom.xml")));
        assertThat(m.find()).as("pom.xml names multinet's version").isTrue();
        String version = m.group(1);

        Properties p = new Properties();
        try (var in = Files.newInputStream(Path.of("src/main/resources/application.properties"))) {
            p.load(in);
        }
        String image = p.getProperty("quarkus.container-image.registry") + "/" + p.getProperty("quarkus.container-image.group") + "/"
                + p.getProperty("quarkus.container-image.name") + ":" + p.getProperty("quarkus.container-image.tag");
        assertThat(p.getProperty("quarkus.container-image.tag")).as("the image tag").isEqualTo(version);
        assertThat(OperatorSettings.class.getMethod("image").getAnnotation(WithDefault.class).value())
                .as("the delegator's default image (multinet.operator.image)").isEqualTo(image);
        // @CSVMetadata on MultiNetworkReconciler is read at build time only: its output, the bundle's CSV, is what ships
        Matcher csv = Pattern.compile("\n    containerImage: (\\S+)\n").matcher(Files.readString(Path.of("olm-bundle/manifests/multinet.clusterserviceversion.yaml")));
        assertThat(csv.find()).as("the CSV has a containerImage").isTrue();
        assertThat(csv.group(1)).as("the CSV's containerImage").isEqualTo(image);
        assertThat(Files.readString(Path.of("olm-bundle/manifests/multinet.clusterserviceversion.yaml"))).as("the CSV's own version")
                .contains("\n  name: multinet.v" + version + "\n", "\n  version: " + version + "\n");
    }
}
