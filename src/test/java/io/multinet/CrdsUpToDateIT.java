package io.multinet;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

/** crds/ must be exactly what the build generates from the Java model; `make crds` rewrites it. */
class CrdsUpToDateIT {

    @Test
    void crdsDirectoryMatchesTheGeneratedCrds() throws Exception {
        List<Path> generated;
        try (var s = Files.list(Path.of("target/kubernetes"))) {
            generated = s.filter(p -> p.getFileName().toString().endsWith("-v1.yml")).sorted().toList();
        }
        assertThat(generated).extracting(p -> p.getFileName().toString()).containsExactly(
                "multinetworknodestates.multinet.io-v1.yml", "multinetworks.multinet.io-v1.yml",
                "network-attachment-definitions.k8s.cni.cncf.io-v1.yml");
        for (Path g : generated) {
            Path committed = Path.of("crds", g.getFileName().toString().replace("-v1.yml", ".yaml"));
            assertThat(committed).as("%s is missing: run make crds", committed).exists();
            assertThat(Files.readString(committed)).as("%s is stale: run make crds", committed).isEqualTo(Files.readString(g));
        }
        try (var s = Files.list(Path.of("crds"))) {
            assertThat(s.count()).as("crds/ holds only generated CRDs").isEqualTo(generated.size());
        }
    }
}
