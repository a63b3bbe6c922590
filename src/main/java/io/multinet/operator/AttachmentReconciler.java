package io.multinet.operator;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.multinet.api.nad.NetworkAttachmentDefinition;
import io.multinet.api.v1alpha1.Allocation;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.api.v1alpha1.NetworkPlanner;

/**
 * A network's NetworkAttachmentDefinitions: one in every target namespace, owned ones elsewhere
 * removed, and a foreign NAD of the same name left alone and reported.
 */
final class AttachmentReconciler {

    private static final Logger LOG = Logger.getLogger(AttachmentReconciler.class);

    /**
     * The NADs the network has ("namespace/name"), the ones it could not take (why, for Degraded), and
     * what the admin should know though nothing failed (a listed namespace that does not exist, a
     * selector that matches none), for the Ready message.
     */
    record Result(List<String> attachments, List<String> conflicts, List<String> notices) {
    }

    private final KubernetesClient client;

    AttachmentReconciler(KubernetesClient client) {
        this.client = client;
    }

    Result reconcile(MultiNetwork n, Allocation a, List<Namespace> namespaces, List<NetworkAttachmentDefinition> managed) {
        String network = n.getMetadata().getName();
        List<String> written = new ArrayList<>();
        List<String> conflicts = new ArrayList<>();
        List<String> notices = notices(n, namespaces);
        List<NetworkAttachmentDefinition> owned = managed.stream().filter(x -> Attachments.ownedBy(x, network)).toList();
        for (String ns : targetNamespaces(n, namespaces)) {
            NetworkAttachmentDefinition want = Attachments.desired(n, a, ns);
            String nadName = want.getMetadata().getName();
            NetworkAttachmentDefinition have = owned.stream().filter(x -> ns.equals(x.getMetadata().getNamespace())
                    && nadName.equals(x.getMetadata().getName())).findFirst()
                    .orElseGet(() -> client.resources(NetworkAttachmentDefinition.class).inNamespace(ns).withName(nadName).get());
            if (have != null && !Attachments.ownedBy(have, network)) {
                conflicts.add("NetworkAttachmentDefinition " + ns + "/" + nadName + " exists and is not managed by multinet;"
                        + " it was left as it is (delete it or choose another spec.attachment.name)");
                continue;
            }
            if (have == null) {
                client.resource(want).create();
            } else if (!Attachments.matches(have, want)) {
                want.getMetadata().setResourceVersion(null);
                client.resource(want).update();
                LOG.infof("network %s: restored NetworkAttachmentDefinition %s/%s", network, ns, nadName);
            }
            written.add(ns + "/" + nadName);
        }
        for (NetworkAttachmentDefinition x : owned) {
            if (!written.contains(x.getMetadata().getNamespace() + "/" + x.getMetadata().getName())) {
                client.resource(x).delete();
                LOG.infof("network %s: removed NetworkAttachmentDefinition %s/%s", network, x.getMetadata().getNamespace(),
                        x.getMetadata().getName());
            }
        }
        return new Result(written, conflicts, notices);
    }

    private static List<String> notices(MultiNetwork n, List<Namespace> namespaces) {
        List<String> out = new ArrayList<>();
        Set<String> existing = namespaces.stream().map(ns -> ns.getMetadata().getName()).collect(Collectors.toSet());
        for (String ns : NetworkPlanner.attachmentNamespaces(n.getSpec())) {
            if (!existing.contains(ns)) {
                out.add("namespace '" + ns + "' (spec.attachment.namespaces) does not exist; its NetworkAttachmentDefinition is written"
                        + " once it is created");
            }
        }
        LabelSelector sel = n.getSpec().attachment == null ? null : n.getSpec().attachment.namespaceSelector;
        if (sel != null && namespaces.stream().noneMatch(ns -> LabelSelectors.matches(sel, ns.getMetadata().getLabels()))) {
            out.add("spec.attachment.namespaceSelector matches no namespace");
        }
        return out;
    }

    static Set<String> targetNamespaces(MultiNetwork n, List<Namespace> namespaces) {
        Set<String> existing = namespaces.stream().filter(ns -> ns.getMetadata().getDeletionTimestamp() == null)
                .map(ns -> ns.getMetadata().getName()).collect(Collectors.toSet());
        Set<String> out = new LinkedHashSet<>();
        for (String ns : NetworkPlanner.attachmentNamespaces(n.getSpec())) {
            if (existing.contains(ns)) {
                out.add(ns);
            }
        }
        LabelSelector sel = n.getSpec().attachment == null ? null : n.getSpec().attachment.namespaceSelector;
        if (sel != null) {
            for (Namespace ns : namespaces) {
                if (ns.getMetadata().getDeletionTimestamp() == null && LabelSelectors.matches(sel, ns.getMetadata().getLabels())) {
                    out.add(ns.getMetadata().getName());
                }
            }
        }
        return out;
    }
}
