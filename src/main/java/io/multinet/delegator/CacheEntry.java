package io.multinet.delegator;

import java.util.List;

/**
 * What the node keeps per container (AttachmentCache): the plan, written before any delegate runs,
 * then each attachment's result. It is all DEL needs, so DEL works without the API server.
 *
 * @param netnsId the identity of the network namespace ADD attached to (NetnsIdentity), null in
 *        entries written before it was recorded: DEL enters a namespace only when it is this one
 */
public record CacheEntry(String containerId, String netns, String netnsId, String cniVersion, String podNamespace, String podName,
        List<Attachment> attachments) {

    public CacheEntry {
        attachments = List.copyOf(attachments);
    }

    public CacheEntry withAttachments(List<Attachment> a) {
        return new CacheEntry(containerId, netns, netnsId, cniVersion, podNamespace, podName, a);
    }

    /** CNI_ARGS for the delegates' DEL, as ADD gave them (plugins such as static IPAM read them). */
    public String podArgs() {
        return podNamespace == null ? "" : "K8S_POD_NAMESPACE=" + podNamespace + ";K8S_POD_NAME=" + podName;
    }
}
