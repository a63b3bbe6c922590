package io.multinet.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * What a cluster admin asks for. Identity fields (network, subnetLen, subnetManager, backend type,
 * etcd prefix) are immutable: flanneld holds leases cut from them on every node, so changing them
 * in place would strand every pod on the old network. CEL enforces it in a real API server; the
 * operator enforces it again against what it recorded in status.
 */
// a field of a newer CRD (an upgrade in progress, a rollback) must not make the object unreadable
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MultiNetworkSpec {

    @Required
    @Pattern("^([0-9]{1,3}\\.){3}[0-9]{1,3}/[0-9]{1,2}$")
    @ValidationRule(value = "self == oldSelf", message = "network is immutable; create a new MultiNetwork instead")
    @JsonPropertyDescription("IPv4 CIDR of the whole network, e.g. 172.112.0.0/16. Immutable.")
    @io.fabric8.generator.annotation.Size(max = 18)
    public String network;

    @Default("24")
    @Min(1)
    @Max(30)
    @ValidationRule(value = "self == oldSelf", message = "subnetLen is immutable; create a new MultiNetwork instead")
    @JsonPropertyDescription("Prefix length of each node's subnet (flannel SubnetLen). Default 24, at most 30. Immutable.")
    public Integer subnetLen;

    @Pattern("^([0-9]{1,3}\\.){3}[0-9]{1,3}$")
    @JsonPropertyDescription("First subnet flannel may lease (flannel SubnetMin), aligned to subnetLen.")
    @io.fabric8.generator.annotation.Size(max = 15)
    public String subnetMin;

    @Pattern("^([0-9]{1,3}\\.){3}[0-9]{1,3}$")
    @JsonPropertyDescription("Last subnet flannel may lease (flannel SubnetMax), aligned to subnetLen.")
    @io.fabric8.generator.annotation.Size(max = 15)
    public String subnetMax;

    @JsonPropertyDescription("flannel backend.")
    public Backend backend = new Backend();

    @Default("etcd")
    @ValidationRule(value = "self == oldSelf", message = "subnetManager is immutable; create a new MultiNetwork instead")
    @JsonPropertyDescription("etcd (default): leases under the network's etcd prefix. kube: flanneld --kube-subnet-mgr "
            + "using the nodes' podCIDR; at most one network in the cluster. Immutable.")
    public SubnetManager subnetManager = SubnetManager.ETCD;

    @JsonPropertyDescription("etcd connection of an etcd-mode network; unset fields take the operator's defaults.")
    public Etcd etcd;

    @JsonPropertyDescription("How flanneld runs on the nodes.")
    public Flanneld flanneld = new Flanneld();

    @JsonPropertyDescription("The NetworkAttachmentDefinitions pods name in k8s.v1.cni.cncf.io/networks.")
    public Attachment attachment = new Attachment();

    @JsonProperty("default")
    @JsonPropertyDescription("The cluster default network: every pod gets it as eth0. At most one.")
    public boolean defaultNetwork;

    public SubnetManager subnetManager() {
        return subnetManager == null ? SubnetManager.ETCD : subnetManager;
    }

    public int subnetLenOrDefault() {
        return subnetLen == null ? 24 : subnetLen;
    }

    public BackendType backendType() {
        return backend == null || backend.type == null ? BackendType.VXLAN : backend.type;
    }

    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Backend {
        @Default("vxlan")
        @ValidationRule(value = "self == oldSelf", message = "backend.type is immutable; create a new MultiNetwork instead")
        @JsonPropertyDescription("vxlan (default), host-gw, wireguard, udp or ipip. Immutable.")
        public BackendType type = BackendType.VXLAN;

        /**
         * A type this operator does not know, as written (a CRD one version ahead of the operator): kept
         * so that the spec is rejected naming it, instead of the object being unreadable or the network
         * silently becoming vxlan.
         */
        @com.fasterxml.jackson.annotation.JsonIgnore
        public String unknownType;

        @com.fasterxml.jackson.annotation.JsonSetter("type")
        void readType(String value) {
            this.type = value == null ? null : BackendType.lookup(value);
            this.unknownType = value != null && this.type == null ? value : null;
        }

        @Min(1)
        @Max(9999999)
        @JsonPropertyDescription("vxlan only: VNI (the device is flannel.<VNI>, at most 15 characters, so at most 9999999). Allocated"
                + " when unset, from multinet.operator.vni-base (4096), away from stock flannel's VNI 1.")
        public Integer vni;

        @Min(1)
        @Max(65535)
        @JsonPropertyDescription("vxlan only: UDP port (flannel default 8472).")
        public Integer port;

        @Min(576)
        @Max(9216)
        @JsonPropertyDescription("vxlan: the underlay MTU; the flannel.<VNI> device gets 50 less. Unset: from the interface."
                + " host-gw has no device and takes none.")
        public Integer mtu;
    }

    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Etcd {
        @JsonPropertyDescription("etcd client URLs, e.g. https://10.0.0.5:2379. Default: the operator setting multinet.operator.etcd.endpoints.")
        @io.fabric8.generator.annotation.Size(max = 16)
        @io.fabric8.generator.annotation.ValidationRule(value = "self.all(x, size(x) <= 512)", message = "an endpoint is longer than 512 characters")
        public java.util.List<String> endpoints;

        @Pattern("^/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$")
        @ValidationRule(value = "self == oldSelf", message = "etcd.prefix is immutable; create a new MultiNetwork instead")
        @JsonPropertyDescription("Key prefix of this network (flanneld --etcd-prefix). Default /multinet.io/networks/<name>. Immutable.")
        @io.fabric8.generator.annotation.Size(max = 512)
        public String prefix;

        @JsonPropertyDescription("Set to use flannel's own default prefix /coreos.com/network, e.g. to adopt an existing flannel network.")
        public boolean allowFlannelDefaultPrefix;

        @JsonPropertyDescription("Secret in the operator namespace with ca.crt, tls.crt and tls.key for etcd client TLS.")
        @io.fabric8.generator.annotation.Size(max = 253)
        public String tlsSecret;

        @JsonPropertyDescription("Secret in the operator namespace with username and password for etcd.")
        @io.fabric8.generator.annotation.Size(max = 253)
        public String credentialsSecret;
    }

    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Flanneld {
        @JsonPropertyDescription("Interfaces flanneld may use (--iface, in order of preference).")
        @io.fabric8.generator.annotation.Size(max = 16)
        @io.fabric8.generator.annotation.ValidationRule(value = "self.all(x, size(x) <= 15)", message = "an interface name is longer than 15 characters")
        public java.util.List<String> iface;

        @JsonPropertyDescription("Regular expressions over interface names or addresses (--iface-regex).")
        @io.fabric8.generator.annotation.Size(max = 16)
        @io.fabric8.generator.annotation.ValidationRule(value = "self.all(x, size(x) <= 256)", message = "a regular expression is longer than 256 characters")
        public java.util.List<String> ifaceRegex;

        @JsonPropertyDescription("Use the interface that routes to this address (--iface-can-reach).")
        @io.fabric8.generator.annotation.Size(max = 45)
        public String ifaceCanReach;

        @Default("true")
        @JsonPropertyDescription("Masquerade traffic leaving the network (--ip-masq). Default true.")
        public Boolean ipMasq = Boolean.TRUE;

        @JsonPropertyDescription("Nodes that run this network. Default: every node.")
        @io.fabric8.generator.annotation.Size(max = 64)
        public java.util.Map<String, String> nodeSelector;

        @JsonPropertyDescription("Tolerations of the flanneld pods.")
        public java.util.List<io.fabric8.kubernetes.api.model.Toleration> tolerations;

        @JsonPropertyDescription("flanneld image. Default: the operator setting multinet.operator.flannel-image.")
        @io.fabric8.generator.annotation.Size(max = 512)
        public String image;

        @JsonPropertyDescription("Resources of the flanneld container.")
        public io.fabric8.kubernetes.api.model.ResourceRequirements resources;

        public boolean ipMasqOrDefault() {
            return ipMasq == null || ipMasq;
        }
    }

    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Attachment {
        @JsonPropertyDescription("Name of the NetworkAttachmentDefinitions. Default: the network's name.")
        @io.fabric8.generator.annotation.Size(max = 63)
        public String name;

        @JsonPropertyDescription("Namespaces that get the NetworkAttachmentDefinition. Default [default] when no namespaceSelector is set.")
        @io.fabric8.generator.annotation.Size(max = 256)
        @io.fabric8.generator.annotation.ValidationRule(value = "self.all(x, size(x) <= 63)", message = "a namespace name is longer than 63 characters")
        public java.util.List<String> namespaces;

        @JsonPropertyDescription("Namespaces, by label, that get the NetworkAttachmentDefinition, in addition to namespaces.")
        public io.fabric8.kubernetes.api.model.LabelSelector namespaceSelector;

        @JsonPropertyDescription("Bridge on the node (at most 15 characters). Allocated when unset.")
        @io.fabric8.generator.annotation.Size(max = 15)
        public String bridge;

        @Min(576)
        @Max(9216)
        @JsonPropertyDescription("MTU of the pod interface. Default: the subnet file's FLANNEL_MTU.")
        public Integer mtu;

        @JsonPropertyDescription("Masquerade on the bridge (bridge plugin ipMasq). Default: the opposite of flanneld's ipMasq, as the flannel CNI plugin does.")
        public Boolean ipMasq;
    }
}
