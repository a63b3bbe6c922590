package io.multinet.operator;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.api.v1alpha1.MultiNetworkStatus;

/**
 * Writes a network's status, only when it changed, and remembers what it wrote: a reconcile that
 * starts before the informer has delivered the last write must not take the stale copy for the
 * truth and write (and announce) the same status twice.
 */
final class StatusWriter {

    private static final ObjectMapper JSON = io.multinet.JsonBinding.MAPPER;

    /** The last status written per network, with the version of the object it was computed from. */
    private record Written(String uid, String basedOn, MultiNetworkStatus status) {
    }

    private final KubernetesClient client;
    private final Map<String, Written> written = new ConcurrentHashMap<>();

    StatusWriter(KubernetesClient client) {
        this.client = client;
    }

    /**
     * The status the network has now: the one this operator wrote if the object is still the version
     * it was computed from; any other change to the object makes the cached copy the truth again.
     */
    MultiNetworkStatus current(MultiNetwork n) {
        Written w = written.get(n.getMetadata().getName());
        if (w != null && Objects.equals(w.uid(), n.getMetadata().getUid()) && Objects.equals(w.basedOn(), n.getMetadata().getResourceVersion())) {
            return w.status();
        }
        return n.getStatus();
    }

    /** Writes the status unless it equals the current one; whether it wrote. */
    boolean write(MultiNetwork n, MultiNetworkStatus previous, MultiNetworkStatus status) {
        if (same(previous, status)) {
            return false;
        }
        String name = n.getMetadata().getName();
        patch(name, status);
        written.put(name, new Written(n.getMetadata().getUid(), n.getMetadata().getResourceVersion(), status));
        return true;
    }

    void forget(String name) {
        written.remove(name);
    }

    static boolean same(MultiNetworkStatus a, MultiNetworkStatus b) {
        return a != null && JSON.valueToTree(a).equals(JSON.valueToTree(b));
    }

    /**
     * One JSON Patch that sets the whole status: no diff against a cached copy (which may be stale or
     * lack a status), and keys that disappeared, such as a reason no node has any more, go with it.
     */
    private void patch(String name, MultiNetworkStatus status) {
        try {
            String body = "[{\"op\":\"add\",\"path\":\"/status\",\"value\":" + JSON.writeValueAsString(status) + "}]";
            // patched through a bare item: patching by name makes the client GET the object first
            MultiNetwork bare = new MultiNetwork();
            bare.getMetadata().setName(name);
            client.resources(MultiNetwork.class).resource(bare).subresource("status").patch(PatchContext.of(PatchType.JSON), body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("status of " + name + " cannot be serialized", e);
        }
    }
}
