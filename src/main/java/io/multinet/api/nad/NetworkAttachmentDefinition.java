package io.multinet.api.nad;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * The Network Plumbing WG's NetworkAttachmentDefinition (k8s.cni.cncf.io/v1), the standard
 * resource pods name in k8s.v1.cni.cncf.io/networks. multinet serves the standard CRD as-is.
 */
@Group("k8s.cni.cncf.io")
@Version("v1")
@Kind("NetworkAttachmentDefinition")
@Plural("network-attachment-definitions")
@Singular("network-attachment-definition")
@ShortNames({ "net-attach-def", "nad" })
public class NetworkAttachmentDefinition extends CustomResource<NetworkAttachmentDefinitionSpec, Void> implements Namespaced {

    @Override
    protected NetworkAttachmentDefinitionSpec initSpec() {
        return new NetworkAttachmentDefinitionSpec();
    }
}
