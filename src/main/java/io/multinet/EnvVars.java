package io.multinet;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;

/** Environment variables of the pods multinet stamps out, written as the API server stores them. */
public final class EnvVars {

    private EnvVars() {
    }

    /**
     * A variable from the downward API. The API server defaults a fieldRef's apiVersion to v1; leaving it
     * out made every stored DaemonSet differ from the desired one, so every reconcile rewrote it (found
     * by the scale bench on a real API server: three writes per change instead of one).
     */
    public static EnvVar field(String name, String path) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewFieldRef().withApiVersion("v1").withFieldPath(path).endFieldRef()
                .endValueFrom().build();
    }
}
