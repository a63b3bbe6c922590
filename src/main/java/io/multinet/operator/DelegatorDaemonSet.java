package io.multinet.operator;

import java.util.ArrayList;
import java.util.List;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.multinet.EnvVars;
import io.multinet.HostPaths;
import io.multinet.NetworkNames;

/**
 * Desired multinet-delegator DaemonSet: the operator's own image in the node role, on every node
 * (a node without it cannot start pods once its CNI config names multinet).
 */
public final class DelegatorDaemonSet {

    /** TCP port of the node role: health and metrics only, never CNI (hostNetwork makes it reachable). */
    public static final int HTTP_PORT = 9250;
    /** The port is the DaemonSet's (its probes and the metrics Service name it), never an admin's setting passed on. */
    static final String HTTP_PORT_ENV = "MULTINET_NODE_HTTP_PORT";
    /**
     * The node role runs on every node, so its footprint counts (docs/benchmarks.md): serial GC, a
     * heap that starts small and gives memory back, C1 only with one compiler thread and a bounded
     * code cache. The node daemon's hot path is plugin execs and small JSON documents; C2 bought no
     * latency there and cost about 35 MiB. C1 compiles a method after ten times the JVM's usual
     * invocations (CompileThresholdScaling): start-up code that runs a few hundred times stays
     * interpreted, which halves the code cache (7.5 to 3.5 MiB) for about 1 ms more per ADD
     * (docs/benchmarks.md). The heap shrinks to its live set at one full collection
     * (-XX:-ShrinkHeapInSteps), which IdleReclaim runs once the node is quiet.
     */
    public static final String JVM_OPTIONS = "-XX:+UseSerialGC -Xms8m -Xmx64m -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 -XX:-ShrinkHeapInSteps -Xss512k"
            + " -XX:TieredStopAtLevel=1 -XX:CICompilerCount=1 -XX:CompileThresholdScaling=10 -XX:ReservedCodeCacheSize=32m -XX:+UseContainerSupport";
    /**
     * Memory of the node daemon (docs/benchmarks.md, `make bench`, TLS to the API server included):
     * 66 MiB RSS right after the throughput runs, 67 MiB at the peak of a 200-pod herd, 63 MiB once
     * it has settled. The request is that peak plus 15 %; the limit covers the heap grown to its -Xmx
     * (the RSS less the 10 MiB of heap committed then, plus 64 MiB: 121 MiB), plus 5 MiB for a real
     * cluster's larger informer caches, plus 15 %.
     */
    public static final String MEMORY_REQUEST = "77Mi";
    public static final String MEMORY_LIMIT = "145Mi";
    /** glibc keeps an arena per thread that allocates; two are plenty for the daemon and cap that memory. */
    public static final String MALLOC_ARENA_MAX = "2";

    private DelegatorDaemonSet() {
    }

    /** What the node daemon may do; its reasons are in docs/rbac.md. */
    public static java.util.List<io.fabric8.kubernetes.api.model.rbac.PolicyRule> rbacRules() {
        return java.util.List.of(
                rule("", "pods", "get", "list", "watch", "patch"),
                rule("", "events", "create"),
                rule("k8s.cni.cncf.io", "network-attachment-definitions", "get", "list", "watch"),
                rule(io.multinet.api.v1alpha1.MultiNetwork.GROUP, "multinetworks", "get", "list", "watch"),
                rule(io.multinet.api.v1alpha1.MultiNetwork.GROUP, "multinetworknodestates", "get", "create"),
                rule(io.multinet.api.v1alpha1.MultiNetwork.GROUP, "multinetworknodestates/status", "update"),
                // on stop: is its own DaemonSet being deleted (an uninstall) or only rolled?
                rule("apps", "daemonsets", "get"));
    }

    private static io.fabric8.kubernetes.api.model.rbac.PolicyRule rule(String group, String resource, String... verbs) {
        return new io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder().withApiGroups(group).withResources(resource).withVerbs(verbs).build();
    }

    /** Environment variables of the operator that are node settings, passed on to every node. */
    public static final String NODE_SETTINGS_ENV_PREFIX = "MULTINET_NODE_";

    /**
     * The node settings among an environment (the operator's own): every MULTINET_NODE_* variable.
     * An admin sets them on the operator (its Deployment, or the OLM Subscription's spec.config.env)
     * and the operator writes them into this DaemonSet, so an edit rolls every node and the
     * operator never reverts it. Sorted, so the same settings always give the same pod template.
     */
    public static java.util.SortedMap<String, String> nodeSettings(java.util.Map<String, String> environment) {
        java.util.SortedMap<String, String> out = new java.util.TreeMap<>();
        environment.forEach((k, v) -> {
            if (k.startsWith(NODE_SETTINGS_ENV_PREFIX) && !k.equals("MULTINET_NODE_NODE_NAME") && !k.equals("MULTINET_NODE_POD_NAMESPACE")
                    && !k.equals(HTTP_PORT_ENV)) {
                out.put(k, v);
            }
        });
        return out;
    }

    public static DaemonSet desired(OperatorSettings s) {
        return desired(s, java.util.Map.of());
    }

    public static DaemonSet desired(OperatorSettings s, java.util.Map<String, String> nodeSettings) {
        var labels = NetworkNames.delegatorLabels();
        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        for (String[] v : new String[][] { { "cni-bin", HostPaths.CNI_BIN_DIR }, { "cni-conf", HostPaths.CNI_CONF_DIR },
                { "run-multinet", HostPaths.SOCKET_DIR }, { "cache", HostPaths.STATE_DIR }, { "cni-data", HostPaths.CNI_DATA_DIR },
                { "run-flannel", HostPaths.RUN_FLANNEL }, { "cni-lib", HostPaths.CNI_LIB_DIR } }) {
            volumes.add(new VolumeBuilder().withName(v[0]).withNewHostPath().withPath(v[1]).withType("DirectoryOrCreate")
                    .endHostPath().build());
            // /usr/lib/cni: where distributions install the reference plugins, the second of the default plugin-dirs
            mounts.add(new VolumeMountBuilder().withName(v[0]).withMountPath(v[1]).withReadOnly(v[0].equals("cni-lib") ? true : null).build());
        }
        List<io.fabric8.kubernetes.api.model.EnvVar> passed = new ArrayList<>();
        nodeSettings.forEach((k, v) -> passed.add(new EnvVarBuilder().withName(k).withValue(v).build()));
        // pod network namespaces are mounted by the runtime after the daemon starts: follow host mounts
        volumes.add(new VolumeBuilder().withName("netns").withNewHostPath().withPath(HostPaths.NETNS_DIR).withType("DirectoryOrCreate")
                .endHostPath().build());
        mounts.add(new VolumeMountBuilder().withName("netns").withMountPath(HostPaths.NETNS_DIR).withMountPropagation("HostToContainer").build());

        var container = new ContainerBuilder().withName("delegator").withImage(s.image())
                .withEnv(new EnvVarBuilder().withName("MULTINET_ROLE").withValue("node").build(),
                        new EnvVarBuilder().withName(HTTP_PORT_ENV).withValue(String.valueOf(HTTP_PORT)).build(),
                        new EnvVarBuilder().withName("JAVA_OPTS_APPEND").withValue(JVM_OPTIONS).build(),
                        new EnvVarBuilder().withName("MALLOC_ARENA_MAX").withValue(MALLOC_ARENA_MAX).build(),
                        EnvVars.field("NODE_NAME", "spec.nodeName"),
                        EnvVars.field("POD_NAMESPACE", "metadata.namespace"))
                .addAllToEnv(passed)
                .addNewPort().withName("http").withContainerPort(HTTP_PORT).endPort()
                .withNewSecurityContext().withPrivileged(true).endSecurityContext()
                .withNewResources().addToRequests("cpu", new Quantity("50m")).addToRequests("memory", new Quantity(MEMORY_REQUEST))
                .addToLimits("memory", new Quantity(MEMORY_LIMIT)).endResources()
                .withNewReadinessProbe().withNewHttpGet().withPath("/q/health/ready").withPort(new IntOrString(HTTP_PORT))
                .endHttpGet().withPeriodSeconds(5).endReadinessProbe()
                .withNewLivenessProbe().withNewHttpGet().withPath("/q/health/live").withPort(new IntOrString(HTTP_PORT))
                .endHttpGet().withInitialDelaySeconds(20).withPeriodSeconds(10).endLivenessProbe()
                .withVolumeMounts(mounts).build();

        return new DaemonSetBuilder()
                .withNewMetadata().withName(NetworkNames.DELEGATOR_DAEMONSET).withNamespace(s.namespace()).withLabels(labels)
                .endMetadata()
                .withNewSpec().withNewSelector().withMatchLabels(labels).endSelector()
                .withNewUpdateStrategy().withType("RollingUpdate").withNewRollingUpdate().withMaxUnavailable(new IntOrString(1))
                .endRollingUpdate().endUpdateStrategy()
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
                // hostPID: runtimes such as ctr pass CNI_NETNS as /proc/<pid>/ns/net of a host process
                .withNewSpec().withHostNetwork(true).withHostPID(true).withDnsPolicy("ClusterFirstWithHostNet")
                .withPriorityClassName("system-node-critical").withServiceAccountName(NetworkNames.DELEGATOR_DAEMONSET)
                .addToNodeSelector("kubernetes.io/os", "linux")
                .addNewToleration().withOperator("Exists").endToleration()
                .withContainers(container).withVolumes(volumes)
                .endSpec().endTemplate().endSpec().build();
    }
}
