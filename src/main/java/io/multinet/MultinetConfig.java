package io.multinet;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** multinet.role: chosen at start-up (env MULTINET_ROLE). */
@ConfigMapping(prefix = "multinet")
public interface MultinetConfig {

    @WithDefault("operator")
    Role role();
}
