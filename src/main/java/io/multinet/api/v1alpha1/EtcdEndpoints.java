package io.multinet.api.v1alpha1;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * What an etcd client URL may be, checked in full before anything uses it: flanneld and jetcd take
 * it as it is, and a port out of range or a path only fails later, on every retry, with no field
 * named.
 */
public final class EtcdEndpoints {

    private EtcdEndpoints() {
    }

    /** Why the value is not an etcd client URL (the message names the value, credentials hidden), or null. */
    public static String problem(String endpoint) {
        if (endpoint == null || endpoint.isBlank()) {
            return "an endpoint is empty";
        }
        URI uri;
        try {
            uri = new URI(endpoint);
        } catch (URISyntaxException e) {
            return "'" + Quote.cut(endpoint) + "' is not a URL (expected http(s)://host:port)";
        }
        String shown = Quote.cut(redacted(uri, endpoint));
        if (uri.getRawUserInfo() != null) {
            return "'" + shown + "' holds credentials; they would land in the flanneld DaemonSet's arguments: put them in a Secret"
                    + " named by spec.etcd.credentialsSecret";
        }
        if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
            return "'" + shown + "' must start with http:// or https://";
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            return "'" + shown + "' has no host (expected http(s)://host:port)";
        }
        int port = uri.getPort();
        if (port == -1 && uri.getRawAuthority() != null && uri.getRawAuthority().contains(":")) {
            return "'" + shown + "' has an invalid port";
        }
        if (port != -1 && (port < 1 || port > 65535)) {
            return "'" + shown + "' has port " + port + ", outside 1-65535";
        }
        if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")) {
            return "'" + shown + "' has a path; an etcd client URL is scheme, host and port only";
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            return "'" + shown + "' has a query or fragment; an etcd client URL is scheme, host and port only";
        }
        return null;
    }

    private static String redacted(URI uri, String endpoint) {
        String user = uri.getRawUserInfo();
        if (user == null) {
            return endpoint;
        }
        int colon = user.indexOf(':');
        return endpoint.replace(user + "@", (colon >= 0 ? user.substring(0, colon) + ":***" : "***") + "@");
    }
}
