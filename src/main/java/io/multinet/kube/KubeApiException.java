package io.multinet.kube;

/** A request the API server refused (code: its HTTP status) or that did not reach it (code 0). */
public class KubeApiException extends RuntimeException {

    private final int code;

    public KubeApiException(int code, String message) {
        super(message);
        this.code = code;
    }

    public int code() {
        return code;
    }
}
