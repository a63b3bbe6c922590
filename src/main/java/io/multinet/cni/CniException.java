package io.multinet.cni;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.multinet.Json;

/** A CNI error: what the runtime gets on stdout with a non-zero exit (spec 1.1, "Error"). */
public class CniException extends RuntimeException {

    public static final int INCOMPATIBLE_VERSION = 1;
    public static final int UNSUPPORTED_FIELD = 2;
    public static final int UNKNOWN_CONTAINER = 3;
    public static final int INVALID_ENV = 4;
    public static final int IO_FAILURE = 5;
    public static final int DECODE_FAILURE = 6;
    public static final int INVALID_CONFIG = 7;
    public static final int TRY_AGAIN_LATER = 11;
    /** multinet's own: a delegate plugin failed (its message and code are in the text). */
    public static final int DELEGATE_FAILED = 100;
    /** multinet's own: the pod or its selection is not acceptable (annotation, NAD). */
    public static final int INVALID_SELECTION = 101;
    public static final int NOT_AVAILABLE = 50;
    /** Every code multinet answers with (a delegate's own code travels in the message of 100). */
    public static final java.util.List<Integer> CODES = java.util.List.of(INCOMPATIBLE_VERSION, UNSUPPORTED_FIELD, UNKNOWN_CONTAINER,
            INVALID_ENV, IO_FAILURE, DECODE_FAILURE, INVALID_CONFIG, TRY_AGAIN_LATER, NOT_AVAILABLE, DELEGATE_FAILED, INVALID_SELECTION);

    private final int code;
    private final String details;

    public CniException(int code, String message) {
        this(code, message, null);
    }

    public CniException(int code, String message, String details) {
        super(message);
        this.code = code;
        this.details = details;
    }

    public int code() {
        return code;
    }

    public String details() {
        return details;
    }

    public ObjectNode toJson(String cniVersion) {
        ObjectNode n = io.multinet.Json.object();
        n.put("cniVersion", cniVersion);
        n.put("code", code);
        n.put("msg", getMessage());
        if (details != null) {
            n.put("details", details);
        }
        return n;
    }
}
