package io.multinet.api.v1alpha1;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

import io.fabric8.kubernetes.api.model.Condition;

/** Written only by the operator's status aggregator. */
// a field of a newer CRD (an upgrade in progress, a rollback) must not make the object unreadable
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public class MultiNetworkStatus {

    @JsonPropertyDescription("metadata.generation this status describes.")
    public Long observedGeneration;

    @JsonPropertyDescription("Ready, Progressing and Degraded.")
    public List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("Values the operator allocated to this network; kept for the network's whole life.")
    public Allocation allocated;

    @JsonPropertyDescription("Node counts; always complete, even when nodeHealth is cut short.")
    public NodeCounts nodes;

    @JsonPropertyDescription("Per-node health: every node up to the operator's cap, beyond it only the nodes that are not ready.")
    public List<NodeHealth> nodeHealth;

    @JsonPropertyDescription("Number of ready nodes left out of nodeHealth to keep the object small.")
    public Integer nodeHealthOmitted;

    @JsonPropertyDescription("NetworkAttachmentDefinitions written, as namespace/name.")
    public List<String> attachments;

    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class NodeCounts {
        public int desired;
        public int ready;
        @JsonPropertyDescription("ready/desired, e.g. 3/3.")
        public String summary;
        @JsonPropertyDescription("Nodes not ready, by reason.")
        public Map<String, Integer> notReadyByReason;
    }

    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class NodeHealth {
        public String node;
        public boolean ready;
        @JsonPropertyDescription("One of NodeNotReady, FlanneldNotReady, DelegatorNotReady, SubnetFileMissing, LeaseMissing, LeaseExpired; empty when ready.")
        public String reason;
        @JsonPropertyDescription("The node's subnet of this network.")
        public String subnet;
        public Boolean flanneld;
        public Boolean delegator;
        @JsonPropertyDescription("etcd lease key of the node's subnet (etcd mode).")
        public String lease;
        public String message;
    }
}
