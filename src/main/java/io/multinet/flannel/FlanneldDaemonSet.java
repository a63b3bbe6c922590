package io.multinet.flannel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.multinet.EnvVars;
import io.multinet.NetworkNames;
import io.multinet.api.v1alpha1.Allocation;
import io.multinet.api.v1alpha1.MultiNetwork;
import io.multinet.api.v1alpha1.MultiNetworkSpec;
import io.multinet.api.v1alpha1.SubnetManager;

/**
 * Desired state of one network's flanneld: shaped like upstream kube-flannel, with the arguments
 * that isolate it from every other flanneld on the node (etcd prefix, subnet file, interface,
 * healthz port). Pure: (network, allocation, settings) -> objects.
 */
public final class FlanneldDaemonSet {

    static final String ETCD_TLS_DIR = "/etc/multinet/etcd-tls";
    static final String NET_CONF_DIR = "/etc/kube-flannel";
    static final String RUN_FLANNEL = io.multinet.HostPaths.RUN_FLANNEL;
    static final String XTABLES_LOCK = "/run/xtables.lock";
    static final String HEALTHZ_IP = "127.0.0.1";
    static final int IPTABLES_RESYNC_SECONDS = 1;

    /** What the flanneld of one network needs from the operator's settings. */
    public record Settings(String namespace, String defaultImage, List<String> defaultEtcdEndpoints,
            String defaultTlsSecret, String defaultCredentialsSecret) {
    }

    private FlanneldDaemonSet() {
    }

    public static OwnerReference owner(MultiNetwork n) {
        return new OwnerReferenceBuilder().withApiVersion(n.getApiVersion()).withKind(n.getKind())
                .withName(n.getMetadata().getName()).withUid(n.getMetadata().getUid()).withController(true)
                .withBlockOwnerDeletion(true).build();
    }

    public static String netConfConfigMap(String network) {
        return NetworkNames.flanneldDaemonSet(network) + "-net-conf";
    }

    public static String tlsSecret(MultiNetworkSpec spec, Settings s) {
        return spec.etcd != null && spec.etcd.tlsSecret != null ? spec.etcd.tlsSecret : s.defaultTlsSecret();
    }

    public static String credentialsSecret(MultiNetworkSpec spec, Settings s) {
        return spec.etcd != null && spec.etcd.credentialsSecret != null ? spec.etcd.credentialsSecret : s.defaultCredentialsSecret();
    }

    public static List<String> etcdEndpoints(MultiNetworkSpec spec, Settings s) {
        return spec.etcd != null && spec.etcd.endpoints != null && !spec.etcd.endpoints.isEmpty() ? spec.etcd.endpoints
                : s.defaultEtcdEndpoints();
    }

    /** flanneld's command-line arguments. */
    public static List<String> args(MultiNetwork n, Allocation a, Settings s) {
        MultiNetworkSpec spec = n.getSpec();
        List<String> args = new ArrayList<>();
        if (a.subnetManager == SubnetManager.KUBE) {
            args.add("--kube-subnet-mgr");
            args.add("--net-config-path=" + NET_CONF_DIR + "/net-conf.json");
        } else {
            args.add("--etcd-endpoints=" + String.join(",", etcdEndpoints(spec, s)));
            args.add("--etcd-prefix=" + a.etcdPrefix);
            if (tlsSecret(spec, s) != null) {
                args.add("--etcd-cafile=" + ETCD_TLS_DIR + "/ca.crt");
                args.add("--etcd-certfile=" + ETCD_TLS_DIR + "/tls.crt");
                args.add("--etcd-keyfile=" + ETCD_TLS_DIR + "/tls.key");
            }
        }
        args.add("--subnet-file=" + a.subnetFile);
        MultiNetworkSpec.Flanneld f = spec.flanneld;
        if (f != null && f.iface != null) {
            f.iface.forEach(i -> args.add("--iface=" + i));
        }
        if (f != null && f.ifaceRegex != null) {
            f.ifaceRegex.forEach(r -> args.add("--iface-regex=" + r));
        }
        if (f != null && f.ifaceCanReach != null) {
            args.add("--iface-can-reach=" + f.ifaceCanReach);
        }
        if (f == null || f.ipMasqOrDefault()) {
            args.add("--ip-masq");
        }
        // health on loopback only: the port is on the node's network (hostNetwork) and needs no audience
        args.add("--healthz-ip=" + HEALTHZ_IP);
        args.add("--healthz-port=" + a.healthzPort);
        // every flanneld flushes the shared chains FLANNEL-POSTRTG and FLANNEL-FWD when it starts; the
        // others put their rules back at their next resync, so resync every second (flannel: 5 s)
        args.add("--iptables-resync=" + IPTABLES_RESYNC_SECONDS);
        return args;
    }

    public static DaemonSet desired(MultiNetwork n, Allocation a, Settings s) {
        String network = n.getMetadata().getName();
        MultiNetworkSpec spec = n.getSpec();
        MultiNetworkSpec.Flanneld f = spec.flanneld == null ? new MultiNetworkSpec.Flanneld() : spec.flanneld;
        Map<String, String> labels = NetworkNames.flanneldLabels(network);

        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        hostPath(volumes, mounts, "run", RUN_FLANNEL, "DirectoryOrCreate");
        hostPath(volumes, mounts, "xtables-lock", XTABLES_LOCK, "FileOrCreate");
        String subnetDir = Path.of(a.subnetFile).getParent().toString();
        if (!Path.of(subnetDir).startsWith(RUN_FLANNEL)) {
            hostPath(volumes, mounts, "subnet-files", subnetDir, "DirectoryOrCreate");
        }
        List<EnvVar> env = new ArrayList<>(List.of(EnvVars.field("POD_NAME", "metadata.name"),
                EnvVars.field("POD_NAMESPACE", "metadata.namespace"), EnvVars.field("NODE_NAME", "spec.nodeName")));
        if (a.subnetManager == SubnetManager.KUBE) {
            volumes.add(new VolumeBuilder().withName("net-conf").withNewConfigMap().withName(netConfConfigMap(network))
                    .endConfigMap().build());
            mounts.add(new VolumeMountBuilder().withName("net-conf").withMountPath(NET_CONF_DIR).withReadOnly(true).build());
        } else {
            String tls = tlsSecret(spec, s);
            if (tls != null) {
                volumes.add(new VolumeBuilder().withName("etcd-tls").withNewSecret().withSecretName(tls).withDefaultMode(0400)
                        .endSecret().build());
                mounts.add(new VolumeMountBuilder().withName("etcd-tls").withMountPath(ETCD_TLS_DIR).withReadOnly(true).build());
            }
            String creds = credentialsSecret(spec, s);
            if (creds != null) {
                // from the Secret as env, so the password never appears in the pod's arguments
                env.add(secretEnv("FLANNELD_ETCD_USERNAME", creds, "username"));
                env.add(secretEnv("FLANNELD_ETCD_PASSWORD", creds, "password"));
            }
        }
        Map<String, String> nodeSelector = new LinkedHashMap<>();
        nodeSelector.put("kubernetes.io/os", "linux");
        if (f.nodeSelector != null) {
            nodeSelector.putAll(f.nodeSelector);
        }
        List<Toleration> tolerations = f.tolerations != null ? f.tolerations
                : List.of(new TolerationBuilder().withOperator("Exists").withEffect("NoSchedule").build());

        var container = new ContainerBuilder().withName("flanneld")
                .withImage(f.image != null ? f.image : s.defaultImage())
                .withCommand("/opt/bin/flanneld").withArgs(args(n, a, s)).withEnv(env)
                .withResources(f.resources != null ? f.resources : new ResourceRequirementsBuilder()
                        .addToRequests("cpu", new Quantity("100m")).addToRequests("memory", new Quantity("50Mi")).build())
                .withNewSecurityContext().withPrivileged(false).withNewCapabilities().withAdd("NET_ADMIN", "NET_RAW")
                .endCapabilities().endSecurityContext()
                // declared, so the scheduler never puts two pods with this port on a node (a freed port handed to
                // a new network while the old pod still terminates would make the new flanneld panic on bind)
                .addNewPort().withName("healthz").withContainerPort(a.healthzPort).withHostPort(a.healthzPort).withProtocol("TCP")
                .endPort()
                // health opens only once the subnet manager is ready (kube mode: after the node list synced);
                // liveness waits for it instead of killing a flanneld that is still starting
                .withNewStartupProbe().withNewHttpGet().withHost(HEALTHZ_IP).withPath("/healthz").withPort(new IntOrString(a.healthzPort))
                .endHttpGet().withPeriodSeconds(5).withFailureThreshold(60).endStartupProbe()
                .withNewReadinessProbe().withNewHttpGet().withHost(HEALTHZ_IP).withPath("/readyz").withPort(new IntOrString(a.healthzPort))
                .endHttpGet().withPeriodSeconds(10).endReadinessProbe()
                .withNewLivenessProbe().withNewHttpGet().withHost(HEALTHZ_IP).withPath("/healthz").withPort(new IntOrString(a.healthzPort))
                .endHttpGet().withPeriodSeconds(10).endLivenessProbe()
                .withVolumeMounts(mounts).build();

        return new DaemonSetBuilder()
                .withNewMetadata().withName(NetworkNames.flanneldDaemonSet(network)).withNamespace(s.namespace())
                .withLabels(labels).withOwnerReferences(owner(n)).endMetadata()
                .withNewSpec()
                .withNewSelector().withMatchLabels(labels).endSelector()
                .withNewUpdateStrategy().withType("RollingUpdate").withNewRollingUpdate()
                .withMaxUnavailable(new IntOrString(1)).endRollingUpdate().endUpdateStrategy()
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
                // Default, as kube-flannel: an etcd-mode flanneld must not wait on cluster DNS, which needs the pod network
                .withNewSpec().withHostNetwork(true).withDnsPolicy("Default")
                .withPriorityClassName("system-node-critical").withServiceAccountName(NetworkNames.flanneldDaemonSet(network))
                .withAutomountServiceAccountToken(a.subnetManager == SubnetManager.KUBE)
                .withNodeSelector(nodeSelector).withTolerations(tolerations)
                .withContainers(container).withVolumes(volumes)
                .endSpec().endTemplate().endSpec().build();
    }

    public static ServiceAccount serviceAccount(MultiNetwork n, Settings s) {
        String name = NetworkNames.flanneldDaemonSet(n.getMetadata().getName());
        return new ServiceAccountBuilder().withNewMetadata().withName(name).withNamespace(s.namespace())
                .withLabels(NetworkNames.flanneldLabels(n.getMetadata().getName())).withOwnerReferences(owner(n))
                .endMetadata().build();
    }

    /** Kube mode only: what flanneld --kube-subnet-mgr reads and writes. An etcd-mode flanneld gets no API access at all. */
    public static ClusterRole clusterRole(MultiNetwork n) {
        return new ClusterRoleBuilder().withNewMetadata().withName(rbacName(n.getMetadata().getName()))
                .withLabels(NetworkNames.flanneldLabels(n.getMetadata().getName())).withOwnerReferences(owner(n)).endMetadata()
                .withRules(new PolicyRuleBuilder().withApiGroups("").withResources("pods").withVerbs("get").build(),
                        new PolicyRuleBuilder().withApiGroups("").withResources("nodes").withVerbs("get", "list", "watch").build(),
                        new PolicyRuleBuilder().withApiGroups("").withResources("nodes/status").withVerbs("patch").build())
                .build();
    }

    public static ClusterRoleBinding clusterRoleBinding(MultiNetwork n, Settings s) {
        String name = rbacName(n.getMetadata().getName());
        return new ClusterRoleBindingBuilder().withNewMetadata().withName(name)
                .withLabels(NetworkNames.flanneldLabels(n.getMetadata().getName())).withOwnerReferences(owner(n)).endMetadata()
                .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("ClusterRole").withName(name).endRoleRef()
                .addNewSubject().withKind("ServiceAccount").withName(NetworkNames.flanneldDaemonSet(n.getMetadata().getName()))
                .withNamespace(s.namespace()).endSubject().build();
    }

    public static String rbacName(String network) {
        return "multinet-" + NetworkNames.flanneldDaemonSet(network);
    }

    public static ConfigMap netConf(MultiNetwork n, Allocation a, Settings s) {
        return new ConfigMapBuilder().withNewMetadata().withName(netConfConfigMap(n.getMetadata().getName()))
                .withNamespace(s.namespace()).withLabels(NetworkNames.flanneldLabels(n.getMetadata().getName()))
                .withOwnerReferences(owner(n)).endMetadata()
                .addToData("net-conf.json", NetConf.json(n.getSpec(), a)).build();
    }

    private static void hostPath(List<Volume> volumes, List<VolumeMount> mounts, String name, String path, String type) {
        volumes.add(new VolumeBuilder().withName(name).withNewHostPath().withPath(path).withType(type).endHostPath().build());
        mounts.add(new VolumeMountBuilder().withName(name).withMountPath(path).build());
    }

    private static EnvVar secretEnv(String name, String secret, String key) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewSecretKeyRef().withName(secret).withKey(key)
                .endSecretKeyRef().endValueFrom().build();
    }
}
