package io.multinet.api.v1alpha1;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

import io.multinet.NetworkNames;

/**
 * Validation and allocation of every MultiNetwork at once, as a pure function of the resources and
 * the operator's settings. Networks are judged one by one against those already accepted: a network
 * whose accepted state (status.allocated) still matches its spec goes first, so an edit can never
 * take a value away from a network that is running with it; among the rest, the older wins.
 */
public final class NetworkPlanner {

    /** flanneld-<name> must stay a valid label value (63), so the name has 54 characters at most. */
    static final int MAX_NAME = 63 - "flanneld-".length();
    static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    static final Pattern ETCD_PREFIX = Pattern.compile("/[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");
    /**
     * The highest VNI a flanneld can start with: the device is flannel.<VNI>, and the kernel allows
     * 15 characters, so flannel.10000000 (16) cannot exist though VXLAN's 24 bits would allow it.
     */
    static final long MAX_VNI = 9_999_999;
    /** The first VNI multinet allocates: see OperatorSettings.vniBase. */
    public static final int DEFAULT_VNI_BASE = 4096;

    private NetworkPlanner() {
    }

    public static Map<String, Plan> planAll(Collection<MultiNetwork> networks, PlannerSettings settings) {
        List<Cidr> reserved = new ArrayList<>();
        List<String> settingErrors = new ArrayList<>();
        for (String r : settings.reservedCidrs()) {
            try {
                reserved.add(Cidr.parse(r));
            } catch (IllegalArgumentException e) {
                settingErrors.add("multinet.operator.reserved-cidrs: " + e.getMessage());
            }
        }
        List<MultiNetwork> order = new ArrayList<>(networks);
        order.sort(Comparator.comparing((MultiNetwork n) -> isStable(n) ? 0 : 1)
                .thenComparing(n -> Objects.toString(n.getMetadata().getCreationTimestamp(), "~"))
                .thenComparing(n -> n.getMetadata().getName()));
        Map<String, Plan> plans = new LinkedHashMap<>();
        List<Claim> claims = new ArrayList<>();
        for (MultiNetwork n : order) {
            Plan plan = new SpecJudge(n, claims, reserved, settings, settingErrors).judge();
            plans.put(n.getMetadata().getName(), plan);
            if (plan.allocation() != null) {
                claims.add(Claim.of(n, plan.allocation(), plan.valid()));
            }
        }
        return plans;
    }

    /** The spec still matches what was accepted, so this network holds its values first. */
    static boolean isStable(MultiNetwork n) {
        MultiNetworkStatus st = n.getStatus();
        MultiNetworkSpec spec = n.getSpec();
        if (st == null || st.allocated == null || spec == null) {
            return false;
        }
        Allocation a = st.allocated;
        boolean attachmentsSame = st.attachments == null || st.attachments.stream()
                .allMatch(ref -> ref.endsWith("/" + attachmentName(n)));
        return Objects.equals(a.network, spec.network) && Objects.equals(a.subnetLen, spec.subnetLenOrDefault())
                && a.subnetManager == spec.subnetManager() && a.backendType == spec.backendType()
                && Objects.equals(a.etcdPrefix, effectivePrefix(n))
                && Boolean.TRUE.equals(a.defaultNetwork) == spec.defaultNetwork
                && (spec.attachment == null || spec.attachment.bridge == null || spec.attachment.bridge.equals(a.bridge))
                && (spec.backend == null || spec.backend.vni == null || spec.backend.vni.equals(a.vni))
                && attachmentsSame;
    }

    public static String attachmentName(MultiNetwork n) {
        MultiNetworkSpec.Attachment a = n.getSpec() == null ? null : n.getSpec().attachment;
        return a != null && a.name != null ? a.name : n.getMetadata().getName();
    }

    /** Namespaces named explicitly; [default] when the spec names neither namespaces nor a selector. */
    public static List<String> attachmentNamespaces(MultiNetworkSpec spec) {
        MultiNetworkSpec.Attachment a = spec.attachment;
        if (a != null && a.namespaces != null) {
            return a.namespaces;
        }
        return a != null && a.namespaceSelector != null ? List.of() : List.of("default");
    }

    /** The etcd prefix of an etcd-mode network; null in kube mode. */
    public static String effectivePrefix(MultiNetwork n) {
        MultiNetworkSpec spec = n.getSpec();
        if (spec == null || spec.subnetManager() == SubnetManager.KUBE) {
            return null;
        }
        return spec.etcd != null && spec.etcd.prefix != null ? spec.etcd.prefix
                : NetworkNames.defaultEtcdPrefix(n.getMetadata().getName());
    }

    /**
     * What an accepted (or still running, though now rejected) network holds. A network being deleted
     * still holds everything until its deletion has completed: its flanneld pods may still run, and
     * its etcd keys are removed only at the end, so a new network must not take its prefix before.
     */
    record Claim(String name, Cidr cidr, Allocation alloc, boolean valid, boolean defaultNetwork, String nadName,
            List<String> nadNamespaces, boolean nadSelector, boolean deleting) {

        static Claim of(MultiNetwork n, Allocation a, boolean valid) {
            MultiNetworkSpec spec = n.getSpec();
            boolean selector = valid && spec.attachment != null && spec.attachment.namespaceSelector != null;
            return new Claim(n.getMetadata().getName(), Cidr.parse(a.network), a, valid,
                    Boolean.TRUE.equals(a.defaultNetwork), valid ? attachmentName(n) : null,
                    valid ? attachmentNamespaces(spec) : List.of(), selector, n.getMetadata().getDeletionTimestamp() != null);
        }
    }

}
