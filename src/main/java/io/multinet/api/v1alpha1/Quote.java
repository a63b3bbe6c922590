package io.multinet.api.v1alpha1;

/**
 * A value quoted in a message, cut to a length a condition can carry: a 50 KB field must not be
 * echoed into Degraded, Ready and an Event (each a copy in the object or in etcd).
 */
public final class Quote {

    public static final int MAX = 120;

    private Quote() {
    }

    public static String cut(String value) {
        if (value == null || value.length() <= MAX) {
            return value;
        }
        return value.substring(0, MAX) + "… (" + value.length() + " characters)";
    }
}
