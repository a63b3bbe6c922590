package io.multinet.api.v1alpha1;

import java.util.Objects;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * The values that make a network distinct on a node, plus the immutable identity it was accepted
 * with. Recorded in status once and reused, so a network keeps its bridge, VNI and port while other
 * networks come and go.
 */
// a field of a newer CRD (an upgrade in progress, a rollback) must not make the object unreadable
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Allocation {
    @JsonPropertyDescription("Accepted network CIDR.")
    public String network;
    @JsonPropertyDescription("Accepted subnetLen.")
    public Integer subnetLen;
    @JsonPropertyDescription("Accepted subnet manager.")
    public SubnetManager subnetManager;
    @JsonPropertyDescription("Accepted backend type.")
    public BackendType backendType;
    @JsonPropertyDescription("etcd prefix (etcd mode).")
    public String etcdPrefix;
    @JsonPropertyDescription("flanneld --subnet-file and the flannel CNI subnetFile.")
    public String subnetFile;
    @JsonPropertyDescription("flannel CNI dataDir.")
    public String dataDir;
    @JsonPropertyDescription("Linux bridge on the node.")
    public String bridge;
    @JsonPropertyDescription("vxlan VNI (vxlan backend).")
    public Integer vni;
    @JsonPropertyDescription("flanneld --healthz-port.")
    public Integer healthzPort;
    @JsonPropertyDescription("Whether this network was accepted as the cluster default network.")
    public Boolean defaultNetwork;

    public Allocation() {
    }

    public Allocation(Allocation o) {
        this.network = o.network;
        this.subnetLen = o.subnetLen;
        this.subnetManager = o.subnetManager;
        this.backendType = o.backendType;
        this.etcdPrefix = o.etcdPrefix;
        this.subnetFile = o.subnetFile;
        this.dataDir = o.dataDir;
        this.bridge = o.bridge;
        this.vni = o.vni;
        this.healthzPort = o.healthzPort;
        this.defaultNetwork = o.defaultNetwork;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Allocation a)) {
            return false;
        }
        return Objects.equals(network, a.network) && Objects.equals(subnetLen, a.subnetLen)
                && subnetManager == a.subnetManager && backendType == a.backendType
                && Objects.equals(etcdPrefix, a.etcdPrefix) && Objects.equals(subnetFile, a.subnetFile)
                && Objects.equals(dataDir, a.dataDir) && Objects.equals(bridge, a.bridge)
                && Objects.equals(vni, a.vni) && Objects.equals(healthzPort, a.healthzPort)
                && Objects.equals(defaultNetwork, a.defaultNetwork);
    }

    @Override
    public int hashCode() {
        return Objects.hash(network, subnetLen, subnetManager, backendType, etcdPrefix, subnetFile, dataDir, bridge, vni,
                healthzPort, defaultNetwork);
    }

    @Override
    public String toString() {
        return "Allocation[network=" + network + ", subnetLen=" + subnetLen + ", subnetManager=" + subnetManager
                + ", backendType=" + backendType + ", etcdPrefix=" + etcdPrefix + ", subnetFile=" + subnetFile
                + ", dataDir=" + dataDir + ", bridge=" + bridge + ", vni=" + vni + ", healthzPort=" + healthzPort + ", defaultNetwork=" + defaultNetwork + "]";
    }
}
