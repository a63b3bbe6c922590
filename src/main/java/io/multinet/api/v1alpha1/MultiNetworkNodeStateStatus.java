package io.multinet.api.v1alpha1;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

// a field of a newer CRD (an upgrade in progress, a rollback) must not make the object unreadable
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MultiNetworkNodeStateStatus {

    @JsonPropertyDescription("The delegator daemon on this node.")
    public Delegator delegator = new Delegator();

    @JsonPropertyDescription("IPv4 addresses of the node's interfaces: flanneld on a non-primary interface (--iface) leases with one of"
            + " these as PublicIP, which the Node object does not list.")
    public List<String> addresses;

    @JsonPropertyDescription("Number of entries in networks.")
    public Integer networkCount;

    @JsonPropertyDescription("Per network, what the node sees of it.")
    public List<Network> networks = new ArrayList<>();

    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Delegator {
        public String version;
        public boolean ready;
        @JsonPropertyDescription("Why the delegator is not ready; empty when ready.")
        public String reason;
        @JsonPropertyDescription("CNI config file the delegator wrote.")
        public String cniConfigFile;
        @JsonPropertyDescription("Network pods get as eth0: a MultiNetwork name, or the primary CNI config's network name.")
        public String defaultNetwork;
        @JsonPropertyDescription("Where the default network came from and why it was chosen.")
        public String defaultNetworkSource;
        public String message;
    }

    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Network {
        public String name;
        public String subnetFile;
        public boolean subnetFilePresent;
        @JsonPropertyDescription("FLANNEL_NETWORK from the subnet file.")
        public String network;
        @JsonPropertyDescription("FLANNEL_SUBNET from the subnet file.")
        public String subnet;
        public Integer mtu;
        public Boolean ipMasq;
        public String bridge;
        public boolean bridgePresent;
        @JsonPropertyDescription("Attachments of this network the delegator currently serves.")
        public int attachments;
        public String lastError;
        public String lastErrorTime;
    }
}
